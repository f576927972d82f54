package dev.codexbridge.store.postgresql;

import dev.codexbridge.json.Json;
import dev.codexbridge.store.SendClaim;
import dev.codexbridge.store.SendKey;
import dev.codexbridge.store.SendRecord;
import dev.codexbridge.store.SendRecords;
import dev.codexbridge.store.spi.SendChecks;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The send records of a {@link PostgresConversationStore} ({@link SendRecords}; decision 0117):
 * a row per key in {@code codex_store_send} (schema 4), keyed by the key's digest
 * ({@link SendKey#digest}), its parts kept as a JSON array (a principal may hold what PostgreSQL's
 * text cannot). A claim is one {@code INSERT … ON CONFLICT DO UPDATE … WHERE} the record is past the
 * window, which the database grants to one of the hosts asking at once. A claim's token names the
 * store's session with the database, as a lease's does (decision 0113): a claim whose holder's
 * session ended while the server ran is lapsed at once, not at the end of its hold. Every hundredth
 * new claim of this store forgets the records past the window and the oldest beyond the count.
 */
final class PostgresSendRecords implements SendRecords {
    private static final String ROW = "SELECT parts, fingerprint, holder, token, created_at, held_until, outcome, "
            + "outcome IS NULL AND (held_until <= ? OR " + PostgresSession.ENDED_SQL + ") FROM codex_store_send l WHERE send_key = ?";
    private static final int PRUNE_EVERY = 100;

    private final PostgresLeases.Transactions db;
    private final Clock clock;
    private final Duration window;
    private final int max;
    private final AtomicInteger claims = new AtomicInteger();

    PostgresSendRecords(PostgresLeases.Transactions db, Clock clock, Duration window, int maxRecords) {
        SendChecks.bounds(window, maxRecords);
        this.db = db;
        this.clock = clock;
        this.window = window;
        this.max = maxRecords;
    }

    @Override
    public SendClaim claim(SendKey key, String fingerprint, String holder, Duration hold) {
        SendChecks.claim(key, fingerprint, holder, hold);
        // a claim names the session it was made under, as a lease does: its hold ends with that session
        String token = PostgresSession.token(StoreChecks.newToken(), db.session(null));
        for (int tries = 0; ; tries++) {
            Instant now = clock.instant();
            Instant until = StoreChecks.expiry(now, hold);
            Optional<SendClaim> claim = db.inTransaction(null, "claiming a send in", c -> {
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO codex_store_send AS l (send_key, parts, fingerprint, holder, token, created_at, held_until)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (send_key) DO UPDATE SET parts = excluded.parts, fingerprint = excluded.fingerprint,
                          holder = excluded.holder, token = excluded.token, created_at = excluded.created_at,
                          held_until = excluded.held_until, outcome = NULL
                        WHERE l.created_at <= ?""")) {
                    s.setString(1, key.digest());
                    s.setString(2, parts(key));
                    s.setString(3, fingerprint);
                    s.setString(4, holder);
                    s.setString(5, token);
                    s.setObject(6, PostgresRows.time(now));
                    s.setObject(7, PostgresRows.time(until));
                    s.setObject(8, PostgresRows.time(now.minus(window)));
                    if (s.executeUpdate() == 1) {
                        return Optional.of(new SendClaim.Claimed(token, until));
                    }
                }
                return read(c, key, now).map(SendClaim.Found::new);
            });
            if (claim.isPresent()) {
                if (claim.get() instanceof SendClaim.Claimed && claims.incrementAndGet() % PRUNE_EVERY == 0) {
                    prune();
                }
                return claim.get();
            }
            if (tries == 3) {
                throw new dev.codexbridge.store.ConversationStoreException(null, "claiming a send raced with other hosts four times", null);
            }
        }
    }

    @Override
    public boolean renew(SendKey key, String token, Duration hold) {
        StoreChecks.ttl(hold);
        Instant until = StoreChecks.expiry(clock.instant(), hold);
        return update("renewing a send's hold in", "UPDATE codex_store_send SET held_until = ? WHERE send_key = ? AND token = ? AND outcome IS NULL",
                PostgresRows.time(until), key.digest(), token) == 1;
    }

    @Override
    public boolean settle(SendKey key, String token, String outcome) {
        SendChecks.outcome(outcome);
        return update("answering a send in", "UPDATE codex_store_send SET outcome = ? WHERE send_key = ? AND token = ? AND outcome IS NULL",
                outcome, key.digest(), token) == 1;
    }

    @Override
    public void release(SendKey key, String token) {
        update("releasing a send in", "DELETE FROM codex_store_send WHERE send_key = ? AND token = ? AND outcome IS NULL", key.digest(), token);
    }

    @Override
    public Optional<SendRecord> find(SendKey key) {
        return db.inTransaction(null, "reading a send in", c -> read(c, key, clock.instant()));
    }

    /** The key's record within the window, and whether it lapsed, read in the transaction of {@code c}. */
    private Optional<SendRecord> read(Connection c, SendKey key, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(ROW + " AND created_at > ?")) {
            s.setObject(1, PostgresRows.time(now));
            s.setString(2, key.digest());
            s.setObject(3, PostgresRows.time(now.minus(window)));
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next() || !parts(key).equals(rs.getString(1))) {
                    return Optional.empty();
                }
                return Optional.of(new SendRecord(key, rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getString(7),
                        rs.getBoolean(8)));
            }
        }
    }

    /** Forgets the records past the window, then the oldest beyond the count. */
    void prune() {
        Instant now = clock.instant();
        db.inTransaction(null, "forgetting old sends in", c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_send WHERE created_at <= ?")) {
                s.setObject(1, PostgresRows.time(now.minus(window)));
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_send WHERE send_key IN "
                    + "(SELECT send_key FROM codex_store_send ORDER BY created_at DESC, send_key OFFSET ?)")) {
                s.setInt(1, max);
                s.executeUpdate();
            }
            return null;
        });
    }

    private int update(String doing, String sql, Object... params) {
        return db.inTransaction(null, doing, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    s.setObject(i + 1, params[i]);
                }
                return s.executeUpdate();
            }
        });
    }

    /** The key's parts as the row keeps them: a JSON array, which escapes what text cannot hold. */
    private static String parts(SendKey key) {
        return Json.write(Json.mapper().createArrayNode().add(key.scope()).add(key.principal()).add(key.key()));
    }
}
