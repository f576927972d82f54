package dev.codexbridge.store.postgresql;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.store.spi.LeaseCounts;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;

/**
 * A hand-over said by PostgreSQL's {@code LISTEN}/{@code NOTIFY} instead of found by a renewal or a
 * poll (decision 0118). A host that asks for a conversation notifies the holder's session — the
 * channel {@code codex_bridge_ask_<key>}, the key its lease's token names ({@link PostgresSession}),
 * the thread id the payload — in the ask's own transaction; the holder's session listens there and
 * tells whoever holds that conversation's lease in this store ({@link #whenAsked}). A holder that
 * gives back a lease another host asked for notifies {@code codex_bridge_released} in the release's
 * transaction, and every store in the database waiting for that conversation ({@link #whenReleased})
 * tries again at once. A notification is delivered at its transaction's commit, to the sessions
 * listening then; one missed (a session ended, a restart) costs the renewal or the poll it saves,
 * never a lease: the rows stay what decides.
 */
final class PostgresHandOvers {
    private static final Logger LOG = SafeLogger.getLogger(PostgresConversationStore.class);
    /** The channel of asks for the leases granted under one session: {@code codex_bridge_ask_<key>}. */
    private static final String ASK = "codex_bridge_ask_";
    /** The channel of leases given back while asked for; the payload the thread id. */
    static final String RELEASED = "codex_bridge_released";
    /** How long a wait for a release is kept unheard: longer than any one wait between two tries (a poll's, 250 ms). */
    private static final long WAIT_KEPT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    /** What to tell, by thread id, when another host asks for a lease this store holds on it. */
    private final Map<String, List<Runnable>> asked = new ConcurrentHashMap<>();
    /** Who waits for a thread's lease to be given back, by thread id. */
    private final Map<String, Waiting> released = new ConcurrentHashMap<>();
    /** The store's lease counts, where what is heard is counted. */
    private final LeaseCounts counts;

    PostgresHandOvers(LeaseCounts counts) {
        this.counts = counts;
    }

    private record Waiting(CompletableFuture<Void> future, long since) {
    }

    /** The {@code LISTEN} statement for asks of the leases granted under session {@code key}. */
    static String listenForAsks(long key) {
        return "LISTEN " + ASK + key;
    }

    /** Tells {@code action} each time an ask for {@code threadId} is heard, until the returned stop runs. */
    Runnable whenAsked(String threadId, Runnable action) {
        asked.computeIfAbsent(threadId, t -> new CopyOnWriteArrayList<>()).add(action);
        return () -> asked.computeIfPresent(threadId, (t, actions) -> {
            actions.remove(action);
            return actions.isEmpty() ? null : actions;
        });
    }

    /** Completes when a release of {@code threadId}'s lease is heard; callers waiting at once share one. */
    CompletionStage<Void> whenReleased(String threadId) {
        long now = System.nanoTime();
        // a wait nobody answered (its word missed, or the holder kept the conversation) is dropped in time
        released.values().removeIf(w -> now - w.since() > WAIT_KEPT_NANOS);
        Waiting w = released.computeIfAbsent(threadId, t -> new Waiting(new CompletableFuture<>(), now));
        return w.future().minimalCompletionStage();
    }

    /** A notification heard on the store's session: an ask of this store's, or a release some store waits for. */
    void heard(String channel, String threadId) {
        if (RELEASED.equals(channel)) {
            Waiting w = released.remove(threadId);
            if (w != null) {
                counts.countReleaseHeard();
                w.future().complete(null);
            }
            return;
        }
        if (!channel.startsWith(ASK)) {
            return;
        }
        List<Runnable> actions = asked.get(threadId);
        if (actions == null) {
            return;     // given back already, or a lease of a session before that another host has now
        }
        counts.countAskHeard();
        for (Runnable a : actions) {
            try {
                a.run();
            } catch (RuntimeException e) {
                LOG.warn("acting on another host's ask for conversation {} failed", threadId, e);
            }
        }
    }

    /** Notifies the session {@code token} was granted under of an ask for {@code threadId}, at {@code c}'s commit; nothing for a token of no session. */
    static void notifyAsked(Connection c, String token, String threadId) throws SQLException {
        OptionalLong key = PostgresSession.keyOf(token);
        if (key.isPresent()) {
            notify(c, ASK + key.getAsLong(), threadId);
        }
    }

    /** Notifies every listening store that {@code threadId}'s lease was given back while asked for, at {@code c}'s commit. */
    static void notifyReleased(Connection c, String threadId) throws SQLException {
        notify(c, RELEASED, threadId);
    }

    private static void notify(Connection c, String channel, String payload) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            s.setString(1, channel);
            s.setString(2, payload);
            s.execute();
        }
    }

    /** The keys whose asks a session listens for: its own, and those of sessions before whose leases it kept. */
    static Set<Long> keys(long key, Set<Long> kept) {
        Set<Long> all = new java.util.TreeSet<>(kept);
        all.add(key);
        return all;
    }
}
