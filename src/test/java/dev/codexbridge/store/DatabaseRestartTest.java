package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.store.spi.JdbcTransactions;
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
        store = PostgresConversationStore.builder().dataSource(pool).build();
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
        assertThat(pool.opened()).as("one connection made afresh").isEqualTo(before + 1);

        server.restart(how);
        StoredConversation second = store.put(store.renew(lease, Duration.ofSeconds(30)),
                Lineages.small(thread, 2).toBuilder().version(first.version()).build());
        assertThat(second.version()).isEqualTo(first.version() + 1);
        assertThat(store.get(thread)).get().extracting(StoredConversation::version).isEqualTo(second.version());
    }

    @ParameterizedTest
    @EnumSource(PostgresServer.Shutdown.class)
    void aDatabaseStillDownIsOneFailureNamingTheStore(PostgresServer.Shutdown how) throws Exception {
        String thread = Lineages.newThreadId();
        store.lease(thread, "replica-a", Duration.ofSeconds(30));
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
}
