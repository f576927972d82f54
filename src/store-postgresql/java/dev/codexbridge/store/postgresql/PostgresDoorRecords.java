package dev.codexbridge.store.postgresql;

import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.spi.DoorRecordChecks;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The door records of a {@link PostgresConversationStore} ({@link DoorRecords}; decision 0126): a
 * row per record in {@code codex_store_door_record} (schema 5), keyed by its kind and key, written
 * by one {@code INSERT … ON CONFLICT DO UPDATE} (last write wins); {@link #replace} by one
 * {@code UPDATE} whose condition names the value read (or, for none, one insert whose conflict
 * updates only a row past the window): a write that commits between the read and the update makes
 * the condition false once its row lock is let go, so the replace answers false instead of writing
 * over it. {@link #getAll} is one
 * statement ({@code = ANY(?)}). Every hundredth put of this store forgets the records past the
 * window and the least recently written beyond the count.
 */
final class PostgresDoorRecords implements DoorRecords {
    private static final int PRUNE_EVERY = 100;

    private final PostgresLeases.Transactions db;
    private final Clock clock;
    private final Duration window;
    private final int max;
    private final AtomicInteger puts = new AtomicInteger();
    private final java.util.function.BooleanSupplier down;

    PostgresDoorRecords(PostgresLeases.Transactions db, Clock clock, Duration window, int maxRecords, java.util.function.BooleanSupplier down) {
        DoorRecordChecks.bounds(window, maxRecords);
        this.down = down;
        this.db = db;
        this.clock = clock;
        this.window = window;
        this.max = maxRecords;
    }

    /** The store's outage gate is down: the last call that reached for the database could not. */
    @Override
    public boolean unreachable() {
        return down.getAsBoolean();
    }

    @Override
    public void put(String kind, String key, byte[] value) {
        DoorRecordChecks.name(kind, key);
        DoorRecordChecks.value(value);
        db.inTransaction(null, "keeping a door record in", c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO codex_store_door_record (kind, record_key, value, written_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (kind, record_key) DO UPDATE SET value = excluded.value, written_at = excluded.written_at""")) {
                s.setString(1, kind);
                s.setString(2, key);
                s.setBytes(3, value);
                s.setObject(4, PostgresRows.time(clock.instant()));
                return s.executeUpdate();
            }
        });
        if (puts.incrementAndGet() % PRUNE_EVERY == 0) {
            prune();
        }
    }

    @Override
    public boolean replace(String kind, String key, byte @Nullable [] expected, byte[] value) {
        DoorRecordChecks.name(kind, key);
        DoorRecordChecks.value(value);
        Instant now = clock.instant();
        Instant since = now.minus(window);
        int written = db.inTransaction(null, "replacing a door record in", c -> {
            if (expected == null) {
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO codex_store_door_record (kind, record_key, value, written_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (kind, record_key) DO UPDATE SET value = excluded.value, written_at = excluded.written_at
                        WHERE codex_store_door_record.written_at <= ?""")) {
                    s.setString(1, kind);
                    s.setString(2, key);
                    s.setBytes(3, value);
                    s.setObject(4, PostgresRows.time(now));
                    s.setObject(5, PostgresRows.time(since));
                    return s.executeUpdate();
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE codex_store_door_record SET value = ?, written_at = ? "
                    + "WHERE kind = ? AND record_key = ? AND written_at > ? AND value = ?")) {
                s.setBytes(1, value);
                s.setObject(2, PostgresRows.time(now));
                s.setString(3, kind);
                s.setString(4, key);
                s.setObject(5, PostgresRows.time(since));
                s.setBytes(6, expected);
                return s.executeUpdate();
            }
        });
        if (written == 1 && puts.incrementAndGet() % PRUNE_EVERY == 0) {
            prune();
        }
        return written == 1;
    }

    @Override
    public Optional<byte[]> get(String kind, String key) {
        return Optional.ofNullable(getAll(kind, java.util.List.of(key)).get(key));
    }

    @Override
    public Map<String, byte[]> getAll(String kind, Collection<String> keys) {
        DoorRecordChecks.keys(kind, keys);
        if (keys.isEmpty()) {
            return Map.of();
        }
        Instant since = clock.instant().minus(window);
        return db.inTransaction(null, "reading door records in", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT record_key, value FROM codex_store_door_record WHERE kind = ? AND record_key = ANY(?) AND written_at > ?")) {
                s.setString(1, kind);
                s.setArray(2, c.createArrayOf("text", keys.toArray()));
                s.setObject(3, PostgresRows.time(since));
                Map<String, byte[]> found = new HashMap<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getString(1), rs.getBytes(2));
                    }
                }
                return found;
            }
        });
    }

    @Override
    public boolean delete(String kind, String key) {
        DoorRecordChecks.name(kind, key);
        Instant since = clock.instant().minus(window);
        return db.inTransaction(null, "forgetting a door record in", c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_door_record WHERE kind = ? AND record_key = ? RETURNING written_at > ?")) {
                s.setString(1, kind);
                s.setString(2, key);
                s.setObject(3, PostgresRows.time(since));
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
    }

    /** Forgets the records past the window, then the least recently written beyond the count. */
    void prune() {
        Instant now = clock.instant();
        db.inTransaction(null, "forgetting old door records in", c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_door_record WHERE written_at <= ?")) {
                s.setObject(1, PostgresRows.time(now.minus(window)));
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_door_record WHERE (kind, record_key) IN "
                    + "(SELECT kind, record_key FROM codex_store_door_record ORDER BY written_at DESC, kind, record_key OFFSET ?)")) {
                s.setInt(1, max);
                s.executeUpdate();
            }
            return null;
        });
    }
}
