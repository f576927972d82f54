package dev.codexbridge.store.postgresql;

import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.store.spi.JdbcTransactions;
import dev.codexbridge.store.spi.LeaseCounts;
import dev.codexbridge.store.spi.StoreChecks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The leases of {@link PostgresConversationStore}: a row per leased conversation in
 * {@code codex_store_lease} — holder, token, expiry, and (schema 3) when another host last asked
 * for the conversation ({@link ConversationStore#askHandOver}). A lease is taken by one
 * {@code INSERT … ON CONFLICT DO UPDATE … WHERE} the lease in force lapsed, which the database
 * grants to exactly one of the hosts asking at once; a new lease starts with no ask. A lease lapses
 * at its expiry or as soon as the session of its holder's store with the database ends while the
 * server runs: its token names that session's advisory lock and the server's start
 * ({@link PostgresSession}), and a lock another transaction can take is one no session holds
 * (decision 0113). It counts what its leases go through ({@link LeaseCounts}).
 */
final class PostgresLeases {
    /** One transaction of the store's ({@code PostgresConversationStore#inTransaction}): retried, gated, failures its own. */
    interface Transactions {
        <T> T inTransaction(@Nullable String threadId, String doing, JdbcTransactions.Work<T> work);

        /** The store's live session with the database ({@link PostgresSession#id}), gated as a transaction is. */
        PostgresSession.Id session(String threadId);
    }

    /** Whether the session a lease row's token names ended while the server ran, in SQL ({@link PostgresSession#ENDED_SQL}). */
    private static final String SESSION_ENDED = PostgresSession.ENDED_SQL;

    private final Transactions db;
    private final PostgresSession session;
    private final Clock clock;
    private final LeaseCounts counts;

    PostgresLeases(Transactions db, PostgresSession session, Clock clock, LeaseCounts counts) {
        this.db = db;
        this.session = session;
        this.clock = clock;
        this.counts = counts;
    }

    /** The lease in force for one conversation, its row locked, and whether its holder's session has ended. */
    record Held(ConversationLease lease, boolean sessionEnded) {
    }

    ConversationLease lease(String threadId, String holder, Duration ttl) {
        StoreChecks.lease(threadId, holder, ttl);
        // a lease released between the refused insert and the look at its holder: try again
        for (int tries = 0; ; tries++) {
            // before a connection is taken for the lease: opening the session takes one of the same pool
            PostgresSession.Id session = db.session(threadId);
            Instant now = clock.instant();
            ConversationLease lease = new ConversationLease(threadId, holder, PostgresSession.token(StoreChecks.newToken(), session),
                    StoreChecks.expiry(now, ttl));
            Attempt attempt = db.inTransaction(threadId, "leasing", c -> {
                // the row before, read in the statement's snapshot: a lapsed lease replaced is a failover
                try (PreparedStatement s = c.prepareStatement("""
                        WITH before AS (SELECT 1 FROM codex_store_lease WHERE thread_id = ?)
                        INSERT INTO codex_store_lease AS l (thread_id, holder, token, expires_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (thread_id) DO UPDATE SET holder = excluded.holder, token = excluded.token,
                          expires_at = excluded.expires_at, hand_over_asked_at = NULL
                        WHERE l.expires_at <= ? OR %s
                        RETURNING (SELECT count(*) FROM before)""".formatted(SESSION_ENDED))) {
                    s.setString(1, threadId);
                    s.setString(2, threadId);
                    s.setString(3, holder);
                    s.setString(4, lease.token());
                    s.setObject(5, PostgresRows.time(lease.expiresAt()));
                    s.setObject(6, PostgresRows.time(now));
                    try (ResultSet rs = s.executeQuery()) {
                        if (rs.next()) {
                            return new Attempt(true, rs.getLong(1) > 0, Optional.empty());
                        }
                    }
                }
                return new Attempt(false, false, current(c, threadId, now));
            });
            if (attempt.granted()) {
                if (attempt.tookOver()) {
                    counts.countTakenOver();
                }
                return lease;
            }
            if (attempt.holder().isPresent()) {
                counts.countRefused();
                throw new ConversationLeasedException(threadId, attempt.holder().get().holder(), attempt.holder().get().expiresAt());
            }
            if (tries == 3) {
                throw new ConversationStoreException(threadId, "leasing conversation " + threadId + " raced with other hosts four times", null);
            }
        }
    }

    ConversationLease renew(ConversationLease lease, Duration ttl) {
        StoreChecks.ttl(ttl);
        String threadId = StoreChecks.threadId(lease.threadId());
        refuseIfSessionEnded(lease);
        return db.inTransaction(threadId, "renewing the lease on", c -> {
            Instant now = clock.instant();
            Optional<Held> held = held(c, threadId, now);
            inForce(lease, held, now);
            ConversationLease renewed = new ConversationLease(threadId, lease.holder(), lease.token(), StoreChecks.expiry(now, ttl),
                    held.get().lease().handOverAsked());
            try (PreparedStatement s = c.prepareStatement("UPDATE codex_store_lease SET expires_at = ? WHERE thread_id = ?")) {
                s.setObject(1, PostgresRows.time(renewed.expiresAt()));
                s.setString(2, threadId);
                s.executeUpdate();
            }
            return renewed;
        });
    }

    boolean release(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return db.inTransaction(threadId, "releasing the lease on", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM codex_store_lease WHERE thread_id = ? AND token = ? RETURNING hand_over_asked_at")) {
                s.setString(1, threadId);
                s.setString(2, lease.token());
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    if (StoreChecks.handOverAsked(instant(rs.getObject(1, OffsetDateTime.class)), clock.instant())) {
                        counts.countHandedOver();
                        // the asking host's wait ends at the commit, not at its next look (decision 0118)
                        PostgresHandOvers.notifyReleased(c, threadId);
                    }
                    return true;
                }
            }
        });
    }

    /**
     * The same however often it runs: the ask's time moves on, on a lease in force only, and the
     * holder's session is told at the commit (decision 0118), so it need not wait for its renewal.
     */
    boolean askHandOver(String threadId) {
        StoreChecks.threadId(threadId);
        boolean asked = db.inTransaction(threadId, "asking for", c -> {
            Instant now = clock.instant();
            String token;
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE codex_store_lease SET hand_over_asked_at = ? WHERE thread_id = ? AND expires_at > ? RETURNING token")) {
                s.setObject(1, PostgresRows.time(now));
                s.setString(2, threadId);
                s.setObject(3, PostgresRows.time(now));
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    token = rs.getString(1);
                }
            }
            PostgresHandOvers.notifyAsked(c, token, threadId);
            return true;
        });
        if (asked) {
            counts.countAsked();
        }
        return asked;
    }

    LeaseCounts counts() {
        return counts;
    }

    /**
     * The lease in force for {@code threadId}, its row locked for this transaction, with whether the
     * session its token names has ended: what a renewal, a put and a delete check under.
     */
    static Optional<Held> held(Connection c, String threadId, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT holder, token, expires_at, hand_over_asked_at, " + SESSION_ENDED
                + " FROM codex_store_lease l WHERE thread_id = ? FOR UPDATE")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(new Held(lease(threadId, rs, now), rs.getBoolean(5))) : Optional.empty();
            }
        }
    }

    /**
     * Checks that {@code lease} is the lease in force ({@code held}, read under its row's lock) and
     * that the session it was granted under is live, by the database's word and by this store's.
     *
     * @throws LeaseLostException naming why not
     */
    void inForce(ConversationLease lease, Optional<Held> held, Instant now) {
        StoreChecks.inForce(lease, held.map(Held::lease), now);
        if (held.get().sessionEnded()) {
            throw sessionEnded(lease);
        }
        refuseIfSessionEnded(lease);
    }

    /** Refuses, without asking the database, a lease granted under a session of this store's that has ended. */
    void refuseIfSessionEnded(ConversationLease lease) {
        if (session.endedUnder(lease.token())) {
            throw sessionEnded(lease);
        }
    }

    static LeaseLostException sessionEnded(ConversationLease lease) {
        return new LeaseLostException(lease, "the session of this host's store with the database ended, and with it every lease "
                + "granted under it: another host may have the conversation now");
    }

    /**
     * The lease the database holds for {@code threadId}, as a refusal names it; asked for when
     * another host asked within {@link ConversationStore#HAND_OVER_ASK_FRESH} of {@code now}.
     */
    private static Optional<ConversationLease> current(Connection c, String threadId, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT holder, token, expires_at, hand_over_asked_at FROM codex_store_lease "
                + "WHERE thread_id = ?")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(lease(threadId, rs, now)) : Optional.empty();
            }
        }
    }

    /** The lease the row {@code rs} is on gives: holder, token, expiry, asked for (the first four columns). */
    private static ConversationLease lease(String threadId, ResultSet rs, Instant now) throws SQLException {
        boolean fresh = StoreChecks.handOverAsked(instant(rs.getObject(4, OffsetDateTime.class)), now);
        return new ConversationLease(threadId, rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(), fresh);
    }

    private static @Nullable Instant instant(@Nullable OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    /** A lease asked for: granted, or refused because of the lease in force (none: it went meanwhile). */
    private record Attempt(boolean granted, boolean tookOver, Optional<ConversationLease> holder) {
    }
}
