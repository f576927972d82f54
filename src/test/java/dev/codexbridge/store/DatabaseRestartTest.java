package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.store.spi.JdbcTransactions;
import dev.codexbridge.store.spi.OutageGate;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The PostgreSQL store across a restart of its database (a server of its own, not the run's shared
 * one): the first statement on a pooled connection the restart ended ({@link UncheckedPool} hands
 * that connection out every time) is run again on a fresh one, so a lease, a put and a get right
 * after a fast or immediate restart succeed, and the pool opens exactly one connection more.
 */
class DatabaseRestartTest {
    private static PostgresServer server;
    private static String url;
    private UncheckedPool pool;
    private PostgresConversationStore store;

    @BeforeAll
    static void ownServer() throws Exception {
        server = PostgresServer.start(true);      // fsync and synchronous commit on: an immediate stop loses no acknowledged commit
        url = server.newDatabase();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void open() {
        pool = new UncheckedPool(url);
        // the store asks whether the server restarted within its connection timeout, and gives its leases up when no answer
        // comes (decision 0113): as long as the leases here (30 s), as the builder advises, so a restart that is slow on a
        // loaded host (a checkpoint with fsync on, then recovery) is still answered in time
        store = PostgresConversationStore.builder().dataSource(pool).connectionTimeout(Duration.ofSeconds(30)).build();
    }

    @AfterEach
    void close() throws SQLException {
        store.close();
        pool.close();
    }

    @ParameterizedTest
    @EnumSource(PostgresServer.Shutdown.class)
    void everyCallRightAfterARestartIsAnswered(PostgresServer.Shutdown how) throws Exception {
        String thread = Lineages.newThreadId();
        ConversationLease lease = store.lease(thread, "replica-a", Duration.ofSeconds(30));
        StoredConversation first = store.put(lease, Lineages.small(thread, 1));
        int before = pool.opened();

        server.restart(how);
        assertThat(store.get(thread)).as("read on the connection the restart ended, then on a fresh one")
                .get().extracting(StoredConversation::version).isEqualTo(first.version());
        // one for the read; the store's session may have made one more, asking whether the server restarted (decision 0113)
        assertThat(pool.opened()).as("a connection made afresh").isBetween(before + 1, before + 2);

        // a restart ends every session without a word of their hosts: another host waits for the lease's time (decision 0113)
        try (PostgresConversationStore other = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(1).build()) {
            assertThatThrownBy(() -> other.lease(thread, "replica-b", Duration.ofSeconds(30))).isInstanceOf(ConversationLeasedException.class);
        }

        server.restart(how);
        StoredConversation second = store.put(store.renew(lease, Duration.ofSeconds(30)),
                Lineages.small(thread, 2).toBuilder().version(first.version()).build());
        assertThat(second.version()).isEqualTo(first.version() + 1);
        assertThat(store.get(thread)).get().extracting(StoredConversation::version).isEqualTo(second.version());
    }

    /**
     * The asks for a lease kept across a restart are heard once the store's next session listens
     * (decision 0118): it listens on the channel of the session before too, whose key the kept
     * lease's token still names. An ask made while nothing listened is missed; the waiting host asks
     * again on each try, as it does here.
     */
    @ParameterizedTest
    @EnumSource(PostgresServer.Shutdown.class)
    void aLeaseKeptAcrossARestartHearsAsksOnceTheStoreListensAgain(PostgresServer.Shutdown how) throws Exception {
        String thread = Lineages.newThreadId();
        ConversationLease lease = store.lease(thread, "replica-a", Duration.ofMinutes(10));
        java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
        store.whenAsked(lease, asked::countDown);

        server.restart(how);
        try (PostgresConversationStore other = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(1).build()) {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            do {
                assertThat(other.askHandOver(thread)).as("the lease in force, kept across the restart").isTrue();
            } while (!asked.await(250, java.util.concurrent.TimeUnit.MILLISECONDS) && System.nanoTime() - end < 0);
        }
        assertThat(asked.getCount()).as("heard under the store's next session").isZero();
        assertThat(store.renew(lease, Duration.ofMinutes(10)).handOverAsked()).as("and the renewal carries it as well").isTrue();
    }

    @ParameterizedTest
    @EnumSource(PostgresServer.Shutdown.class)
    void aDatabaseStillDownIsOneFailureNamingTheStore(PostgresServer.Shutdown how) throws Exception {
        String thread = Lineages.newThreadId();
        // a read leaves its connection idle in the pool; not a lease, whose session's watch would take that connection to ask
        // the stopped database whether it restarted (decision 0113)
        assertThat(store.get(thread)).isEmpty();
        server.stop(how);
        try {
            // both the ended connection and the fresh one fail: the store's failure, classed as the database away
            assertThatThrownBy(() -> store.get(thread)).isExactlyInstanceOf(ConversationStoreException.class)
                    .hasMessageContaining("reading conversation " + thread)
                    .satisfies(e -> assertThat(JdbcTransactions.unreachable(e)).as("unreachable: %s", e).isTrue())
                    .satisfies(e -> assertThat(e.getCause().getSuppressed()).as("the first attempt's failure kept").isNotEmpty());
        } finally {
            server.start();
        }
    }

    @org.junit.jupiter.api.Test
    void aDatabaseThatStaysAwayCostsOneWaitNotOnePerCall() throws Exception {
        // the store's own pool, as a door opens it: each call waits for a connection at most its timeout (here 2 s)
        try (PostgresConversationStore pooled = PostgresConversationStore.builder().jdbcUrl(url).connectionTimeout(Duration.ofSeconds(2))
                .build()) {
            String thread = Lineages.newThreadId();
            pooled.lease(thread, "replica-a", Duration.ofSeconds(30));
            OutageGate suspecting = pooled.outageGate().orElseThrow();
            server.stop(PostgresServer.Shutdown.FAST);
            try {
                // the lease's session ended with the server: the store asks the database itself from then on (decision 0141)
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> suspecting.suspected() || suspecting.down());
                assertThat(suspecting.suspicions()).isEqualTo(1);
                // so the first call after it waits for the store's question, not for a connection of its own: never tried
                assertThatThrownBy(() -> pooled.get(thread)).isExactlyInstanceOf(ConversationStoreException.class)
                        .hasMessageContaining("reading conversation " + thread + " was not tried: the database has not answered")
                        .satisfies(e -> assertThat(JdbcTransactions.unreachable(e)).isTrue());
                // the next calls at once: not tried, the first failure their cause, still a store that did not answer
                for (int i = 0; i < 5; i++) {
                    assertThatThrownBy(() -> pooled.ownerOf(thread)).isExactlyInstanceOf(ConversationStoreException.class)
                            .hasMessageContaining("reading the owner of conversation " + thread + " was not tried: the database has not answered")
                            .satisfies(e -> assertThat(JdbcTransactions.unreachable(e)).isTrue());
                }
                // seconds on, no caller's call is let through to wait for it: the store asks the database itself (decision 0131)
                Thread.sleep(OutageGate.PROBE_EVERY.multipliedBy(3).toMillis());
                assertThatThrownBy(() -> pooled.get(thread)).hasMessageContaining("reading conversation " + thread + " was not tried");
            } finally {
                server.start();
            }
            OutageGate gate = pooled.outageGate().orElseThrow();
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (gate.down()) {
                assertThat(System.nanoTime() - end).as("the store's own question answered once the database is back").isNegative();
                Thread.sleep(50);
            }
            assertThat(pooled.get(thread)).isEmpty();
            assertThat(pooled.ownerOf(thread)).isEmpty();
        }
    }
}
