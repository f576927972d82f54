package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A host's leases on PostgreSQL end with its store's session with the database (decision 0113):
 * another host takes a conversation as soon as the holder's process dies or its session is ended,
 * not after the lease's time, and the holder that lost its session writes nothing more under those
 * leases. A holder that is only stalled keeps its leases for their time. Every lease here lasts 10
 * minutes, so that only the event can free it; the events are awaited, never timed.
 */
@ExtendWith(PostgresServer.Extension.class)
class PostgresSessionEndTest {
    private static final Duration LONG = Duration.ofMinutes(10);
    private static final Duration EVENT = Duration.ofSeconds(60);
    private static String url;
    private final List<ConversationStore> opened = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    @BeforeAll
    static void database(PostgresServer shared) throws SQLException {
        url = shared.newDatabase();
    }

    @AfterEach
    void closeEverything() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        opened.forEach(ConversationStore::close);
    }

    @Test
    void aHostWhoseSessionIsEndedLosesEveryLeaseAtOnceAndAnotherTakesItsConversationWithoutWaitingForTheirTime() throws Exception {
        ConversationStore a = open(Clock.systemUTC());
        ConversationStore b = open(Clock.systemUTC());
        String id = Lineages.newThreadId();
        ConversationLease first = a.lease(id, "host-a", LONG);
        StoredConversation stored = a.put(first, Lineages.small(id, 1));
        String idle = Lineages.newThreadId();
        ConversationLease idleLease = a.lease(idle, "host-a", LONG);
        CountDownLatch told = new CountDownLatch(1);
        AtomicReference<LeaseLostException> why = new AtomicReference<>();
        a.whenLost(first, e -> {
            why.set(e);
            told.countDown();
        });
        assertThatThrownBy(() -> b.lease(id, "host-b", LONG)).isInstanceOf(ConversationLeasedException.class);

        assertThat(PostgresServer.endSessionOf(url, first)).as("host a's session, found by its lock").isTrue();

        assertThat(told.await(EVENT.toSeconds(), TimeUnit.SECONDS)).as("host a told, no renewal needed").isTrue();
        assertThat(why.get().getMessage()).contains("session").contains("with the database ended");
        StoredConversation next = Lineages.small(id, 2).toBuilder().version(stored.version()).build();
        // host a refuses at once, before another host took anything
        assertThatThrownBy(() -> a.put(first, next)).isInstanceOf(LeaseLostException.class).hasMessageContaining("ended");
        assertThatThrownBy(() -> a.renew(first, LONG)).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> a.delete(first)).isInstanceOf(LeaseLostException.class);

        ConversationLease taken = awaitLease(() -> b.lease(id, "host-b", LONG));
        assertThat(b.leaseCounts().orElseThrow().takenOver()).isEqualTo(1);
        assertThatThrownBy(() -> a.put(first, next)).isInstanceOf(LeaseLostException.class);
        assertThat(b.put(taken, next).version()).isEqualTo(2);
        assertThat(a.get(id).orElseThrow().lineage()).isEqualTo(b.get(id).orElseThrow().lineage());

        // the database fences too: a store that does not know host a's session ended (another instance, say) is refused
        try (ConversationStore unaware = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(1).build()) {
            assertThatThrownBy(() -> unaware.put(idleLease, Lineages.small(idle, 3)))
                    .isInstanceOf(LeaseLostException.class).hasMessageContaining("with the database ended");
        }
        // its other lease, which no host took, is not taken back: refused, and free for anyone
        assertThatThrownBy(() -> a.renew(idleLease, LONG)).isInstanceOf(LeaseLostException.class);
        ConversationLease again = awaitLease(() -> a.lease(idle, "host-a", LONG));
        assertThat(PostgresServer.sessionKey(again)).as("a new session, a new key").isNotEqualTo(PostgresServer.sessionKey(idleLease));
        assertThatThrownBy(() -> b.lease(idle, "host-b", LONG)).as("held under the new session").isInstanceOf(ConversationLeasedException.class);
        assertThat(a.put(again, Lineages.small(idle, 4)).version()).isEqualTo(1);
    }

    @Test
    void aHostKilledFreesItsConversationsForAnotherAtOnce() throws Exception {
        String id = Lineages.newThreadId();
        Process child = holdInAChild(id);
        ConversationStore b = open(Clock.systemUTC());
        assertThatThrownBy(() -> b.lease(id, "host-b", LONG)).isInstanceOfSatisfying(ConversationLeasedException.class,
                held -> assertThat(held.holder()).isEqualTo("held-by-child"));

        child.destroyForcibly();        // SIGKILL: no shutdown hook, no release; the kernel closes its connections
        assertThat(child.waitFor(EVENT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(awaitLease(() -> b.lease(id, "host-b", LONG)).holder()).isEqualTo("host-b");
    }

    @Test
    void aStalledHostWhoseSessionLivesKeepsItsLeaseUntilItsTime() throws Exception {
        String id = Lineages.newThreadId();
        Process child = holdInAChild(id);
        signal("STOP", child);
        MutableClock clock = new MutableClock(Instant.now());
        ConversationStore b = open(clock);
        try {
            assertThatThrownBy(() -> b.lease(id, "host-b", LONG)).as("its session is alive: its socket is open")
                    .isInstanceOf(ConversationLeasedException.class);
            clock.advance(LONG.plusSeconds(1));
            assertThat(b.lease(id, "host-b", LONG).holder()).as("its time is up").isEqualTo("host-b");
        } finally {
            signal("CONT", child);
        }
    }

    @Test
    void aLeaseOfAnEarlierReleaseNamesNoSessionAndLapsesWithItsTimeAlone() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        ConversationStore b = open(clock);
        String id = Lineages.newThreadId();
        // as a replica of the release before writes it during a rolling deploy: a token that is a UUID alone
        try (Connection c = DriverManager.getConnection(url); PreparedStatement s = c.prepareStatement(
                "INSERT INTO codex_store_lease (thread_id, holder, token, expires_at) VALUES (?, 'earlier-release', ?, ?)")) {
            s.setString(1, id);
            s.setString(2, UUID.randomUUID().toString());
            s.setObject(3, OffsetDateTime.ofInstant(clock.instant().plus(LONG), ZoneOffset.UTC));
            s.executeUpdate();
        }
        assertThatThrownBy(() -> b.lease(id, "host-b", LONG)).isInstanceOf(ConversationLeasedException.class);
        clock.advance(LONG.plusSeconds(1));
        assertThat(b.lease(id, "host-b", LONG).holder()).isEqualTo("host-b");
    }

    private ConversationStore open(Clock clock) {
        ConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).clock(clock).build();
        opened.add(store);
        return store;
    }

    /** A child JVM holding {@code id}'s lease for 10 minutes, once it says so. */
    private Process holdInAChild(String id) throws Exception {
        Process child = StoreChild.start("pg:" + url, "hold", id, Long.toString(LONG.toMillis()));
        children.add(child);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        // a child that fails says so on its standard error and exits: the line is then null, not awaited for good
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        }).get(120, TimeUnit.SECONDS)).isEqualTo("held");
        return child;
    }

    private static void signal(String signal, Process p) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor()).isZero();
    }

    /** Leases as {@code lease} does until it is granted: the event that frees the conversation is awaited, up to 60 s. */
    private static ConversationLease awaitLease(Supplier<ConversationLease> lease) throws InterruptedException {
        long end = System.nanoTime() + EVENT.toNanos();
        while (true) {
            try {
                return lease.get();
            } catch (ConversationLeasedException held) {
                if (System.nanoTime() - end > 0) {
                    throw held;
                }
                Thread.sleep(20);
            }
        }
    }
}
