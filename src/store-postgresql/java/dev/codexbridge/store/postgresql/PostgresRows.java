package dev.codexbridge.store.postgresql;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationSummary;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A conversation's rows: written inside the put's transaction, read back and checked inside the
 * get's; a rollout appended to has rows in {@code codex_store_chunk} after its own ({@link PostgresChunks}). Nothing in them is trusted (decision 0062): the file count, each rollout's size against
 * the bytes it has, and the lineage's bytes as they are against the cap, all before any rollout is
 * read.
 *
 * <p>Record formats: 1 keeps the text fields as they are; 2, written only when one of them holds
 * U+0000 (which PostgreSQL's {@code text} cannot), keeps each as a JSON string. A library that
 * reads only format 1 refuses such a record instead of reading it wrong.
 */
final class PostgresRows {
    /** The store's logger: a row left out of a list is the store's to say. */
    private static final org.slf4j.Logger LIST_LOG = dev.codexbridge.internal.SafeLogger.getLogger(PostgresConversationStore.class);
    /** Text fields as they are. */
    static final int PLAIN = 1;
    /** Text fields as JSON strings: one of them holds U+0000. */
    static final int JSON_TEXT = 2;

    private PostgresRows() {
    }

    /** {@code instant} as the store's {@code timestamptz} columns take it: in UTC. */
    static OffsetDateTime time(java.time.Instant instant) {
        return OffsetDateTime.ofInstant(instant, java.time.ZoneOffset.UTC);
    }

    /**
     * The conversation row of {@code stored} (its new version), inserted for a new conversation, else
     * updated; with {@code replaceLineage} the rollout rows of the version before are deleted (their
     * chunks with them).
     */
    static void writeConversation(Connection c, StoredConversation stored, boolean isNew, boolean replaceLineage, OffsetDateTime storedAt)
            throws SQLException {
        String sql = isNew
                ? """
                  INSERT INTO codex_store_conversation (version, format, owner_principal, owner_tenant, name, goal, settings,
                    last_completed_turn_id, files, lineage_bytes, stored_at, thread_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
                : """
                  UPDATE codex_store_conversation SET version = ?, format = ?, owner_principal = ?, owner_tenant = ?, name = ?, goal = ?,
                    settings = ?, last_completed_turn_id = ?, files = ?, lineage_bytes = ?, stored_at = ? WHERE thread_id = ?""";
        ConversationOwner owner = stored.owner();
        List<@Nullable String> texts = Arrays.asList(owner == null ? null : owner.principal(), owner == null ? null : owner.tenant(),
                stored.name(), stored.goal(), stored.settings(), stored.lastCompletedTurnId());
        int format = texts.stream().anyMatch(t -> t != null && t.indexOf('\0') >= 0) ? JSON_TEXT : PLAIN;
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, stored.version());
            s.setInt(2, format);
            for (int i = 0; i < texts.size(); i++) {
                s.setString(3 + i, encode(texts.get(i), format));
            }
            s.setInt(9, stored.lineage().size());
            s.setLong(10, stored.lineageBytes());
            s.setObject(11, storedAt);
            s.setString(12, stored.threadId());
            s.executeUpdate();
        }
        if (!isNew && replaceLineage) {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM codex_store_rollout WHERE thread_id = ?")) {
                s.setString(1, stored.threadId());
                s.executeUpdate();
            }
        }
    }

    /** One row per rollout, each streamed from its source and checked against its declared size and hash. */
    static void writeLineage(Connection c, StoredConversation stored) throws SQLException {
        writeLineage(c, stored.threadId(), stored.lineage(), stored.lineage());
    }

    /** A row for each file of {@code files}, at its place in {@code lineage}. */
    static void writeLineage(Connection c, String threadId, List<RolloutFile> lineage, List<RolloutFile> files) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO codex_store_rollout (thread_id, position, relative_path, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (RolloutFile f : files) {
                try (CheckedInput in = CheckedInput.open(threadId, f)) {
                    s.setString(1, threadId);
                    s.setInt(2, lineage.indexOf(f));
                    s.setString(3, f.relativePath());
                    s.setLong(4, f.size());
                    s.setString(5, f.sha256());
                    s.setBinaryStream(6, in, f.size());
                    try {
                        s.executeUpdate();
                    } catch (SQLException e) {
                        // the driver reports a source that failed or ended early as its own error
                        if (e.getCause() instanceof java.io.IOException source) {
                            throw CheckedInput.failed(threadId, f, source);
                        }
                        throw e;
                    }
                    in.verify();
                } catch (java.io.IOException e) {
                    throw CheckedInput.failed(threadId, f, e);
                }
            }
        }
    }

    /**
     * The conversation as stored, every rollout checked; empty when there is no row. The rows are
     * checked before any rollout's bytes are read: the file count, each rollout's recorded size
     * against the bytes it has ({@code octet_length}, which PostgreSQL knows without reading
     * them), the sum of those bytes against the cap and against the row's {@code lineage_bytes}.
     */
    static Optional<StoredConversation> read(Connection c, String threadId, StoreLimits limits) throws SQLException {
        Row row;
        try (PreparedStatement s = c.prepareStatement("""
                SELECT version, format, owner_principal, owner_tenant, name, goal, settings, last_completed_turn_id, files, lineage_bytes
                FROM codex_store_conversation WHERE thread_id = ?""")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int format = format(threadId, rs.getInt(2));
                row = new Row(rs.getLong(1), decode(threadId, rs.getString(3), format), decode(threadId, rs.getString(4), format),
                        decode(threadId, rs.getString(5), format), decode(threadId, rs.getString(6), format),
                        decode(threadId, rs.getString(7), format), decode(threadId, rs.getString(8), format), rs.getLong(9), rs.getLong(10));
            }
        }
        if (row.files() < 0) {
            throw new CorruptConversationException(threadId, "the record says it has " + row.files() + " rollouts");
        }
        StoreChecks.withinLimits(limits, threadId, row.files(), 0);
        List<Entry> entries = new ArrayList<>((int) row.files());
        long total = 0;
        try (PreparedStatement s = c.prepareStatement("""
                SELECT r.position, r.relative_path, r.size, r.sha256, octet_length(r.content) + coalesce((SELECT sum(octet_length(k.content))
                  FROM codex_store_chunk k WHERE k.thread_id = r.thread_id AND k.relative_path = r.relative_path), 0)
                FROM codex_store_rollout r WHERE r.thread_id = ? ORDER BY r.position""")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (rs.getInt(1) != entries.size()) {
                        throw new CorruptConversationException(threadId, "rollout " + entries.size() + " of " + row.files()
                                + " is missing from the record");
                    }
                    String path = StoreChecks.rolloutPath(threadId, rs.getString(2));
                    long size = StoreChecks.recordedSize(limits.maxLineageBytes(), threadId, path, rs.getLong(3));
                    long actual = rs.getLong(5);
                    if (actual != size) {
                        throw StoreChecks.sizeMismatch(threadId, path, actual, size);
                    }
                    entries.add(new Entry(path, size, rs.getString(4)));
                    total += size;
                    StoreChecks.withinLimits(limits, threadId, entries.size(), total);
                }
            }
        }
        if (entries.size() != row.files()) {
            throw new CorruptConversationException(threadId, "the record has " + entries.size() + " of its " + row.files() + " rollouts");
        }
        if (total != row.lineageBytes()) {
            throw new CorruptConversationException(threadId, "the record says its rollouts have " + row.lineageBytes()
                    + " bytes, they have " + total);
        }
        List<RolloutFile> lineage = new ArrayList<>(entries.size());
        Map<String, byte[]> tails = PostgresChunks.tails(c, threadId);
        try (PreparedStatement s = c.prepareStatement("SELECT content FROM codex_store_rollout WHERE thread_id = ? ORDER BY position")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next() && lineage.size() < entries.size()) {
                    Entry e = entries.get(lineage.size());
                    lineage.add(StoreChecks.readBack(threadId, e.path(), e.size(), e.sha256(), PostgresChunks.whole(e.path(), rs.getBytes(1), tails)));
                }
            }
        }
        PostgresChunks.noneLeft(threadId, tails);
        if (lineage.size() != entries.size()) {
            // one snapshot for both reads: only a transaction that is not repeatable-read gets here
            throw new CorruptConversationException(threadId, "the record's rollouts changed while they were read");
        }
        return Optional.of(StoreChecks.record(threadId, () -> new StoredConversation(threadId, lineage,
                row.principal() == null ? null : new ConversationOwner(row.principal(), row.tenant()),
                row.name(), row.goal(), row.settings(), row.lastCompletedTurnId(), row.version())));
    }

    /** {@code format}, when this library reads it. */
    static int format(String threadId, int format) {
        if (format != PLAIN && format != JSON_TEXT) {
            throw new CorruptConversationException(threadId, "the record is in format " + format
                    + ", which this library does not read (it reads formats " + PLAIN + " and " + JSON_TEXT + ")");
        }
        return format;
    }

    /** A text field as a row of {@code format} keeps it. */
    private static @Nullable String encode(@Nullable String text, int format) {
        return text == null || format == PLAIN ? text : Json.write(Json.nodes().textNode(text));
    }

    /** A text field read from a row of {@code format}. */
    static @Nullable String decode(String threadId, @Nullable String stored, int format) {
        if (stored == null || format == PLAIN) {
            return stored;
        }
        try {
            JsonNode text = Json.mapper().readTree(stored);
            if (text != null && text.isTextual()) {
                return text.textValue();
            }
        } catch (java.io.IOException e) {
            // refused below
        }
        throw new CorruptConversationException(threadId, "a text field of the record is not a JSON string, as its format " + format + " keeps them");
    }

    /** The conversation row as read, before its rollouts. */
    private record Row(long version, @Nullable String principal, @Nullable String tenant, @Nullable String name, @Nullable String goal,
                       @Nullable String settings, @Nullable String lastCompletedTurnId, long files, long lineageBytes) {
    }

    /** A rollout's row, checked, before its bytes are read. */
    private record Entry(String path, long size, String sha256) {
    }

    /** What a list shows of the conversation row {@code rs} is on; a row that does not hold together is refused. */
    /**
     * Up to {@code limit} summaries in thread-id order after {@code afterThreadId}: a row that
     * cannot be read is left out and logged, so one bad record does not hide the others.
     */
    static List<ConversationSummary> page(Connection c, @Nullable String afterThreadId, int limit) throws SQLException {
        List<ConversationSummary> page = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT thread_id, owner_principal, owner_tenant, name, version, files, lineage_bytes, stored_at, format
                FROM codex_store_conversation WHERE thread_id > ? ORDER BY thread_id LIMIT ?""")) {
            s.setString(1, afterThreadId == null ? "" : afterThreadId);
            s.setInt(2, limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    try {
                        page.add(summary(id, rs));
                    } catch (IllegalArgumentException | dev.codexbridge.store.ConversationStoreException e) {
                        LIST_LOG.warn("stored conversation {} left out of the list: {}", id, e.toString());
                    }
                }
            }
        }
        return page;
    }

    static ConversationSummary summary(String id, ResultSet rs) throws SQLException {
        int format = format(id, rs.getInt(9));
        long files = rs.getLong(6);
        long bytes = rs.getLong(7);
        if (files < 0 || files > Integer.MAX_VALUE || bytes < 0) {
            throw new CorruptConversationException(id, "the record says it has " + files + " rollouts of " + bytes + " bytes");
        }
        String principal = decode(id, rs.getString(2), format);
        ConversationOwner owner = principal == null ? null : new ConversationOwner(principal, decode(id, rs.getString(3), format));
        return new ConversationSummary(id, owner, decode(id, rs.getString(4), format), rs.getLong(5), (int) files, bytes,
                rs.getObject(8, OffsetDateTime.class).toInstant());
    }
}
