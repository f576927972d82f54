package dev.codexbridge.store.postgresql;

import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StaleAppendException;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.spi.CheckedInput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rollouts appended to ({@link dev.codexbridge.store.ConversationStore#putAppending}): a rollout's
 * row keeps its first bytes and the whole file's size and hash; each append of a tail adds a row
 * to {@code codex_store_chunk} (schema 2) and updates the rollout row's size and hash, so no stored
 * byte is written again and no dead copy of a rollout is left per turn. A whole put deletes a
 * rollout's row and, by cascade, its chunks.
 */
final class PostgresChunks {
    private PostgresChunks() {
    }

    /** A rollout row as stored: where it is in the lineage, its whole size and hash. */
    private record Stored(int position, long size, String sha256) {
    }

    /**
     * Writes {@code stored}'s lineage over the version before it: each file of {@code appends} as
     * the stored file plus its tail (the base checked first, for all of them, before anything is
     * written), every other file whole; rows of files no longer in the lineage are deleted.
     */
    static void write(Connection c, StoredConversation stored, Map<String, RolloutAppend> appends) throws SQLException {
        String threadId = stored.threadId();
        Map<String, Stored> rows = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT relative_path, position, size, sha256 FROM codex_store_rollout WHERE thread_id = ?")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new Stored(rs.getInt(2), rs.getLong(3), rs.getString(4)));
                }
            }
        }
        for (RolloutAppend a : appends.values()) {
            Stored row = rows.get(a.relativePath());
            if (row == null) {
                throw new StaleAppendException(threadId, a.relativePath(), "the stored version has no file at that path");
            }
            if (row.size() != a.baseSize() || !row.sha256().equals(a.baseSha256())) {
                throw new StaleAppendException(threadId, a.relativePath(), "the store holds " + row.size() + " bytes of SHA-256 " + row.sha256()
                        + ", the append starts from " + a.baseSize() + " bytes of " + a.baseSha256());
            }
        }
        List<RolloutFile> lineage = stored.lineage();
        // rows that are no longer the same file, and rows whose place in the lineage changes (moved out of the way first: the key)
        try (PreparedStatement drop = c.prepareStatement("DELETE FROM codex_store_rollout WHERE thread_id = ? AND relative_path = ?");
             PreparedStatement aside = c.prepareStatement("UPDATE codex_store_rollout SET position = -1 - position WHERE thread_id = ? AND relative_path = ?")) {
            for (String path : rows.keySet()) {
                int position = position(lineage, path);
                PreparedStatement s = !appends.containsKey(path) ? drop : position != rows.get(path).position() ? aside : null;
                if (s != null) {
                    s.setString(1, threadId);
                    s.setString(2, path);
                    s.executeUpdate();
                }
            }
        }
        List<RolloutFile> whole = new ArrayList<>();
        for (int i = 0; i < lineage.size(); i++) {
            RolloutFile f = lineage.get(i);
            RolloutAppend a = appends.get(f.relativePath());
            if (a == null) {
                whole.add(f);
            } else if (a.tailSize() > 0 || rows.get(f.relativePath()).position() != i) {
                appendTo(c, threadId, i, f, a);
            }
        }
        PostgresRows.writeLineage(c, threadId, lineage, whole);
    }

    private static int position(List<RolloutFile> lineage, String path) {
        for (int i = 0; i < lineage.size(); i++) {
            if (lineage.get(i).relativePath().equals(path)) {
                return i;
            }
        }
        return -1;
    }

    /** The tail as the file's next chunk, and the rollout row's size, hash and place updated: one statement, one round trip. */
    private static void appendTo(Connection c, String threadId, int position, RolloutFile file, RolloutAppend a) throws SQLException {
        if (a.tailSize() == 0) {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE codex_store_rollout SET position = ?, size = ?, sha256 = ? WHERE thread_id = ? AND relative_path = ?")) {
                setRollout(s, 1, threadId, position, file, a);
                s.executeUpdate();
            }
            return;
        }
        RolloutFile tail = a.tailFile();
        try (CheckedInput in = CheckedInput.open(threadId, tail);
             PreparedStatement s = c.prepareStatement("""
                     WITH chunk AS (INSERT INTO codex_store_chunk (thread_id, relative_path, seq, content)
                       SELECT ?, ?, coalesce(max(seq), 0) + 1, ? FROM codex_store_chunk WHERE thread_id = ? AND relative_path = ?)
                     UPDATE codex_store_rollout SET position = ?, size = ?, sha256 = ? WHERE thread_id = ? AND relative_path = ?""")) {
            s.setString(1, threadId);
            s.setString(2, a.relativePath());
            s.setBytes(3, in.readAllBytes());
            s.setString(4, threadId);
            s.setString(5, a.relativePath());
            setRollout(s, 6, threadId, position, file, a);
            in.verify();
            s.executeUpdate();
        } catch (IOException e) {
            throw CheckedInput.failed(threadId, tail, e);
        }
    }

    private static void setRollout(PreparedStatement s, int first, String threadId, int position, RolloutFile file, RolloutAppend a) throws SQLException {
        s.setInt(first, position);
        s.setLong(first + 1, file.size());
        s.setString(first + 2, file.sha256());
        s.setString(first + 3, threadId);
        s.setString(first + 4, a.relativePath());
    }

    /** The bytes of every chunk row of the conversation, by path, as one array each after its rollout row's; checked by the caller. */
    static Map<String, byte[]> tails(Connection c, String threadId) throws SQLException {
        Map<String, ByteArrayOutputStream> tails = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT relative_path, content FROM codex_store_chunk WHERE thread_id = ? ORDER BY relative_path, seq")) {
            s.setString(1, threadId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tails.computeIfAbsent(rs.getString(1), p -> new ByteArrayOutputStream()).writeBytes(rs.getBytes(2));
                }
            }
        }
        Map<String, byte[]> bytes = new HashMap<>();
        tails.forEach((path, out) -> bytes.put(path, out.toByteArray()));
        return bytes;
    }

    /** A rollout's bytes: its row's and its chunks', which the sizes checked before add up to {@code size}. */
    static byte[] whole(String path, byte[] first, Map<String, byte[]> tails) {
        byte[] tail = tails.remove(path);
        if (tail == null) {
            return first;
        }
        byte[] all = new byte[first.length + tail.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(tail, 0, all, first.length, tail.length);
        return all;
    }

    /** Chunks left over for a path the record has no rollout of: not what the store wrote. */
    static void noneLeft(String threadId, Map<String, byte[]> tails) {
        if (!tails.isEmpty()) {
            throw new CorruptConversationException(threadId, "the record has appended bytes of a rollout it does not list");
        }
    }
}
