package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hand-over on PostgreSQL is said, not polled (decision 0118): an ask reaches the holder's store
 * as a notification on its session with the database, and the holder's release reaches the asking
 * store the same way; a store whose session ended listens again under its next one, and a release
 * nothing says is still found by the wait's own look. Every lease here lasts 10 minutes and nothing
 * renews it, so only the notification can tell the holder; the events are awaited (up to 60 s),
 * never timed.
 */
@ExtendWith(PostgresServer.Extension.class)
class PostgresHandOverTest {
    private static final Duration LONG = Duration.ofMinutes(10);
    private static final long EVENT_SECONDS = 60;
    private static String url;
    private final List<ConversationStore> opened = new ArrayList<>();

    @BeforeAll
    static void database(PostgresServer shared) throws SQLException {
        url = shared.newDatabase();
    }

    @AfterEach
    void closeEverything() {
        opened.forEach(ConversationStore::close);
    }

    @Test
    void anAskReachesTheListeningHolderAtOnceAndItsReleaseWakesTheAsker() throws Exception {
        ConversationStore a = open();
        ConversationStore b = open();
        String id = Lineages.newThreadId();
        ConversationLease held = a.lease(id, "host-a", LONG);
        CountDownLatch asked = new CountDownLatch(1);
        a.whenAsked(held, asked::countDown);

        assertThatThrownBy(() -> b.lease(id, "host-b", LONG)).isInstanceOf(ConversationLeasedException.class);
        // as a refused host does: the wait first, then the ask, so a release right after the ask is heard
        CompletableFuture<Void> released = b.whenReleased(id).toCompletableFuture();
        assertThat(b.askHandOver(id)).isTrue();

        assertThat(asked.await(EVENT_SECONDS, TimeUnit.SECONDS)).as("told by the notification: nothing renews here").isTrue();
        assertThat(a.leaseCounts().orElseThrow().asksHeard()).isEqualTo(1);
        assertThat(released).as("nothing given back yet").isNotDone();

        assertThat(a.release(held)).isTrue();
        released.get(EVENT_SECONDS, TimeUnit.SECONDS);
        assertThat(b.leaseCounts().orElseThrow().releasesHeard()).isEqualTo(1);
        assertThat(a.leaseCounts().orElseThrow().handedOver()).isEqualTo(1);
        assertThat(b.lease(id, "host-b", LONG).holder()).isEqualTo("host-b");
    }

    @Test
    void anAskIsToldToTheLeasesHolderAloneAndNoLongerOnceItsWatchEnded() throws Exception {
        ConversationStore a = open();
        ConversationStore b = open();
        String watched = Lineages.newThreadId();
        String unwatched = Lineages.newThreadId();
        ConversationLease first = a.lease(watched, "host-a", LONG);
        ConversationLease second = a.lease(unwatched, "host-a", LONG);
        List<String> told = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch heard = new CountDownLatch(1);
        a.whenAsked(first, () -> {
            told.add(watched);
            heard.countDown();
        });
        a.whenAsked(second, () -> told.add(unwatched)).run();      // its watch ended at once, as a lease given back ends it

        // the unwatched conversation first: its notification comes before the watched one's on the same session
        assertThat(b.askHandOver(unwatched)).isTrue();
        assertThat(b.askHandOver(watched)).isTrue();
        assertThat(heard.await(EVENT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(told).containsExactly(watched);
        assertThat(a.leaseCounts().orElseThrow().asksHeard()).as("an ask no lease here waits for is not counted").isEqualTo(1);
        // the renewal still carries the ask of a lease nobody listens for: the notification only saves the wait for it
        assertThat(b.askHandOver(unwatched)).isTrue();
        assertThat(a.renew(second, LONG).handOverAsked()).isTrue();
    }

    @Test
    void aStoreWhoseSessionWasEndedListensAgainUnderItsNextSession() throws Exception {
        ConversationStore a = open();
        ConversationStore b = open();
        // b's session, ended as a proxy's cut or an operator would end it: its listener gone with it
        ConversationLease before = b.lease(Lineages.newThreadId(), "host-b", LONG);
        CountDownLatch lost = new CountDownLatch(1);
        b.whenLost(before, why -> lost.countDown());
        assertThat(PostgresServer.endSessionOf(url, before)).isTrue();
        assertThat(lost.await(EVENT_SECONDS, TimeUnit.SECONDS)).isTrue();

        String id = Lineages.newThreadId();
        ConversationLease held = b.lease(id, "host-b", LONG);
        assertThat(PostgresServer.sessionKey(held)).as("under b's next session").isNotEqualTo(PostgresServer.sessionKey(before));
        CountDownLatch askedOfB = new CountDownLatch(1);
        b.whenAsked(held, askedOfB::countDown);
        assertThatThrownBy(() -> a.lease(id, "host-a", LONG)).isInstanceOf(ConversationLeasedException.class);
        CompletableFuture<Void> releasedToA = a.whenReleased(id).toCompletableFuture();
        assertThat(a.askHandOver(id)).isTrue();
        assertThat(askedOfB.await(EVENT_SECONDS, TimeUnit.SECONDS)).as("heard on b's next session").isTrue();
        assertThat(b.release(held)).isTrue();
        releasedToA.get(EVENT_SECONDS, TimeUnit.SECONDS);
        assertThat(a.lease(id, "host-a", LONG).holder()).isEqualTo("host-a");
    }

    @Test
    void aReleaseNothingSaysIsFoundByTheWaitsOwnLook() throws Exception {
        ConversationStore b = open();
        String id = Lineages.newThreadId();
        // held by a replica of the release before: its token names no session, so nothing hears an ask of it, and its
        // release says nothing; the asking host's wait still ends, at its next look
        try (Connection c = DriverManager.getConnection(url); PreparedStatement s = c.prepareStatement(
                "INSERT INTO codex_store_lease (thread_id, holder, token, expires_at) VALUES (?, 'earlier-release', ?, ?)")) {
            s.setString(1, id);
            s.setString(2, java.util.UUID.randomUUID().toString());
            s.setObject(3, OffsetDateTime.now(ZoneOffset.UTC).plus(LONG));
            s.executeUpdate();
        }
        CompletableFuture<ConversationLease> taken = CompletableFuture.supplyAsync(
                () -> LeaseWait.retrying(Duration.ofSeconds(EVENT_SECONDS), () -> leaseOrAsk(b, id, "host-b")));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(EVENT_SECONDS);
        while (!asked(id) && System.nanoTime() - end < 0) {
            Thread.sleep(20);
        }
        assertThat(asked(id)).as("b asked, and waits").isTrue();
        try (Connection c = DriverManager.getConnection(url); PreparedStatement s = c.prepareStatement(
                "DELETE FROM codex_store_lease WHERE thread_id = ?")) {
            s.setString(1, id);
            assertThat(s.executeUpdate()).isOne();
        }
        assertThat(taken.get(EVENT_SECONDS, TimeUnit.SECONDS).holder()).isEqualTo("host-b");
        assertThat(b.leaseCounts().orElseThrow().releasesHeard()).as("found by looking, not told").isZero();
    }

    @Test
    void theListeningThreadEndsWithTheStore() throws Exception {
        long before = sessionThreads();
        ConversationStore a = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).build();
        try {
            a.lease(Lineages.newThreadId(), "host-a", LONG);
            assertThat(sessionThreads()).as("the session, opened by the lease, reads its connection").isEqualTo(before + 1);
        } finally {
            a.close();
        }
        assertThat(sessionThreads()).as("joined by the store's close").isEqualTo(before);
    }

    /** Whether another host's ask is noted on {@code id}'s lease. */
    private static boolean asked(String id) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); PreparedStatement s = c.prepareStatement(
                "SELECT hand_over_asked_at IS NOT NULL FROM codex_store_lease WHERE thread_id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** A lease, or — as a session's refused hold does — an ask of its holder, the refusal carrying what says it was given back. */
    private static ConversationLease leaseOrAsk(ConversationStore store, String id, String holder) {
        try {
            return store.lease(id, holder, LONG);
        } catch (ConversationLeasedException refused) {
            java.util.concurrent.CompletionStage<Void> released = store.whenReleased(id);
            boolean asked = store.askHandOver(id);
            // read as a door's 6 s lease, which LeaseWait tries again on every 250 ms: the 10 minutes only keep expiry out of the test
            throw new ConversationLeasedException(id, refused.holder(), Instant.now().plusSeconds(6), asked, released);
        }
    }

    private ConversationStore open() {
        ConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).build();
        opened.add(store);
        return store;
    }

    private static long sessionThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("codex-bridge-store-session")).count();
    }
}
