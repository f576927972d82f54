package dev.codexbridge.store.postgresql;

import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoreLimits;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.spi.CheckedInput;
import dev.codexbridge.store.spi.StoreChecks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A conversation's rows: written inside the put's transaction, read back and checked inside the get's. */
final class PostgresRows {
    private PostgresRows() {
    }

    /** The conversation row of {@code stored} (its new version), inserted for a new conversation, else updated. */
    static void writeConversation(Connection c, StoredConversation stored, boolean isNew, int format, OffsetDateTime storedAt)
            throws SQLException {
        String sql = isNew
                ? """
                  INSERT INTO codex_store_conversation (version, format, owner_principal, owner_tenant, name, goal, settings,
                    last_completed_turn_id, files, lineage_bytes, stored_at, thread_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
                : """
                  UPDATE codex_store_conversation SET version = ?, format = ?, owner_principal = ?, owner_tenant = ?, name = ?, goal = ?,
                    settings = ?, last_completed_turn_id = ?, files = ?, lineage_bytes = ?, stored_at = ? WHERE thread_id = ?""";
        ConversationOwner owner = stored.owner();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, stored.version());
            s.setInt(2, format);
            s.setString(3, owner == null ? null : owner.principal());
            s.setString(4, owner == null ? null : owner.tenant());
            s.setString(5, stored.name());
            s.setString(6, stored.goal());
            s.setString(7, stored.settings());
            s.setString(8, stored.lastCompletedTurnId());
            s.setInt(9, stored.lineage().size());
            s.setLong(10, stored.lineageBytes());
            s.setObject(11, storedAt);
            s.setString(12, stored.threadId());
            s.executeUpdate();
        }
        if (!isNew) {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_rollout WHERE thread_id = ?")) {
                s.setString(1, stored.threadId());
                s.executeUpdate();
            }
        }
    }

    /** One row per rollout, each streamed from its source and checked against its declared size and hash. */
    static void writeLineage(Connection c, StoredConversation stored) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO codex_store_rollout (thread_id, position, relative_path, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?)")) {
            List<RolloutFile> lineage = stored.lineage();
            for (int i = 0; i < lineage.size(); i++) {
                RolloutFile f = lineage.get(i);
                try (CheckedInput in = CheckedInput.open(stored.threadId(), f)) {
                    s.setString(1, stored.threadId());
                    s.setInt(2, i);
                    s.setString(3, f.relativePath());
                    s.setLong(4, f.size());
                    s.setString(5, f.sha256());
                    s.setBinaryStream(6, in, f.size());
                    try {
                        s.executeUpdate();
                    } catch (SQLException e) {
                        // the driver reports a source that failed or ended early as its own error
                        if (e.getCause() instanceof java.io.IOException source) {
                            throw CheckedInput.failed(stored.threadId(), f, source);
                        }
                        throw e;
                    }
                    in.verify();
                } catch (java.io.IOException e) {
                    throw CheckedInput.failed(stored.threadId(), f, e);
                }
            }
        }
    }

    /** The conversation as stored, every rollout checked; empty when there is no row. */
    static Optional<StoredConversation> read(Connection c, String threadId, StoreLimits limits, int format) throws SQLException {
        Row row;
        try (PreparedStatement s = c.prepareStatement("""
                SELECT version, format, owner_principal, owner_tenant, name, goal, settings, last_completed_turn_id, files, lineage_bytes
                FROM codex_store_conversation WHERE thread_id = ?""")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                if (rs.getInt(2) != format) {
                    throw new CorruptConversationException(threadId, "the record is in format " + rs.getInt(2)
                            + ", which this library does not read (it reads format " + format + ")");
                }
                row = new Row(rs.getLong(1), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                        rs.getString(8), rs.getInt(9));
                StoreChecks.withinLimits(limits, threadId, row.files(), rs.getLong(10));
            }
        }
        int files = row.files();
        List<RolloutFile> lineage = new ArrayList<>(files);
        try (PreparedStatement s = c.prepareStatement(
                "SELECT position, relative_path, size, sha256, content FROM codex_store_rollout WHERE thread_id = ? ORDER BY position")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int position = rs.getInt(1);
                    if (position != lineage.size()) {
                        throw new CorruptConversationException(threadId, "rollout " + lineage.size() + " of " + files + " is missing from the record");
                    }
                    lineage.add(StoreChecks.readBack(threadId, rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBytes(5)));
                }
            }
        }
        if (lineage.size() != files) {
            throw new CorruptConversationException(threadId, "the record has " + lineage.size() + " of its " + files + " rollouts");
        }
        return Optional.of(StoreChecks.record(threadId, () -> new StoredConversation(threadId, lineage,
                row.principal() == null ? null : new ConversationOwner(row.principal(), row.tenant()),
                row.name(), row.goal(), row.settings(), row.lastCompletedTurnId(), row.version())));
    }

    /** The conversation row as read, before its rollouts. */
    private record Row(long version, @Nullable String principal, @Nullable String tenant, @Nullable String name, @Nullable String goal,
                       @Nullable String settings, @Nullable String lastCompletedTurnId, int files) {
    }
}
