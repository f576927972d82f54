package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.store.spi.CheckedInput;
import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * How a put writes a version into a {@link DiskLog}: appended to the conversation's log with one
 * forced write where that keeps the log near its live bytes, or written whole into a new log.
 * A rollout unchanged since the stored version keeps its extents, an appended one gets its tail
 * as one more extent, any other is written whole.
 */
final class DiskLogPut {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    /** Dead bytes a log may hold (replaced rollouts, older manifests) before a put writes it again whole, at least. */
    static final long SLACK = 64 << 10;
    private static final int COPY_BUFFER = 64 << 10;

    private DiskLogPut() {
    }

    /** A run of a rollout's bytes: in the current log at {@code offset} when {@code source} is null, else read from it. */
    private record Piece(long offset, long length, @Nullable RolloutFile source) {
    }

    /**
     * One rollout of the new version and where its bytes come from; {@code base} is the stored
     * rollout it starts with (kept or appended to), whose hash a whole write checks as it copies it.
     */
    record Planned(RolloutFile file, List<Piece> pieces, DiskLog.@Nullable Entry base) {
    }

    /** Where each rollout of {@code record} comes from; an append whose base is not the stored file is refused before anything is written. */
    static List<Planned> plan(String threadId, DiskLog.@Nullable Opened current, StoredConversation record, Map<String, RolloutAppend> appends) {
        List<Planned> plan = new ArrayList<>(record.lineage().size());
        for (RolloutFile f : record.lineage()) {
            RolloutAppend append = appends.get(f.relativePath());
            DiskLog.Entry stored = current == null ? null : current.file(f.relativePath());
            if (append != null) {
                if (stored == null) {
                    throw new StaleAppendException(threadId, append.relativePath(), current == null
                            ? "the stored version is not in a log (none stored, or one an earlier release wrote)" : "the stored version has no file at that path");
                }
                if (stored.size() != append.baseSize() || !stored.sha256().equals(append.baseSha256())) {
                    throw new StaleAppendException(threadId, append.relativePath(), "the store holds " + stored.size() + " bytes of SHA-256 "
                            + stored.sha256() + ", the append starts from " + append.baseSize() + " bytes of " + append.baseSha256());
                }
                List<Piece> pieces = extents(threadId, current, stored);
                if (append.tailSize() > 0) {
                    pieces.add(new Piece(-1, append.tailSize(), append.tailFile()));
                }
                plan.add(new Planned(f, pieces, stored));
            } else if (stored != null && stored.size() == f.size() && stored.sha256().equals(f.sha256())) {
                plan.add(new Planned(f, extents(threadId, current, stored), stored));
            } else {
                plan.add(new Planned(f, new ArrayList<>(List.of(new Piece(-1, f.size(), f))), null));
            }
        }
        return plan;
    }

    private static List<Piece> extents(String threadId, DiskLog.Opened current, DiskLog.Entry stored) {
        List<Piece> pieces = new ArrayList<>(stored.extents() + 1);
        for (int k = 0; k < stored.extents(); k++) {
            if (stored.offsets()[k] < 8 || stored.offsets()[k] > current.manifestStart - stored.lengths()[k]) {
                throw new CorruptConversationException(threadId, "rollout " + stored.path() + "'s bytes are missing: an extent runs outside the log");
            }
            pieces.add(new Piece(stored.offsets()[k], stored.lengths()[k], null));
        }
        return pieces;
    }

    /**
     * Whether the put appends {@code plan} to {@code current}: the log is the store's alone, and
     * appending fits ({@link #fitsAppend}). A log that has another name besides its own (a hard
     * link, maybe outside the store) is written whole into a new file instead, so that nothing is
     * appended to what others read under that name (issue 73).
     */
    static boolean appendable(String threadId, DiskFolder dir, DiskLog.Opened current, List<Planned> plan) throws IOException {
        if (dir.links(current.name) > 1) {
            LOG.warn("the log of stored conversation {} has another name besides its own (a hard link): its next version is written to a"
                    + " new file, nothing appended to that one", threadId);
            return false;
        }
        return fitsAppend(current, plan);
    }

    /**
     * Whether appending {@code plan} to {@code current} keeps every rollout within
     * {@link DiskLog#MAX_EXTENTS} and the log's dead bytes within a sixteenth of its live ones (or
     * {@link #SLACK}); otherwise the put writes a new log.
     */
    static boolean fitsAppend(DiskLog.Opened current, List<Planned> plan) {
        long written = 0;
        long live = 8;
        for (Planned p : plan) {
            if (p.pieces().size() > DiskLog.MAX_EXTENTS) {
                return false;
            }
            live += p.file().size();
            for (Piece piece : p.pieces()) {
                if (piece.source() != null) {
                    written += DiskLog.HEADER + piece.length();
                }
            }
        }
        // after the append the new manifest is live; everything else before it that is not a rollout's byte is dead
        long dead = current.end + written - live;
        return dead <= Math.max(SLACK, live / 16);
    }

    /**
     * Appends the new version to {@code current} (opened under the conversation's lock), with one
     * forced write. What a put a crash cut short left after the newest version goes first;
     * {@code beforeManifest} runs between the rollouts and the manifest (the lease still in force);
     * on any failure the log is cut back to the version before.
     */
    static void append(String threadId, DiskLog.Opened current, StoredConversation record, Instant storedAt, List<Planned> plan,
                       Check beforeManifest) throws IOException {
        FileChannel log = current.channel;
        if (current.size != current.end) {
            log.truncate(current.end);
        }
        try {
            long at = current.end;
            List<DiskLog.Entry> entries = new ArrayList<>(plan.size());
            for (Planned p : plan) {
                long[] offsets = new long[p.pieces().size()];
                long[] lengths = new long[offsets.length];
                int k = 0;
                for (Piece piece : p.pieces()) {
                    if (piece.source() == null) {
                        offsets[k] = piece.offset();
                    } else {
                        write(log, DiskLog.header(DiskLog.DATA, piece.length()), at);
                        offsets[k] = at + DiskLog.HEADER;
                        at = copy(threadId, piece.source(), log, offsets[k], null);
                    }
                    lengths[k++] = piece.length();
                }
                entries.add(new DiskLog.Entry(p.file().relativePath(), p.file().size(), p.file().sha256(), offsets, lengths));
            }
            beforeManifest.run();
            write(log, DiskLog.manifestRecord(DiskLog.manifestBytes(record, storedAt, entries)), at);
            log.force(false);
        } catch (IOException | RuntimeException e) {
            try {
                log.truncate(current.end);
            } catch (IOException cut) {
                e.addSuppressed(cut);   // the next put cuts it: no reader takes what follows the last whole manifest
            }
            throw e;
        }
    }

    /**
     * Writes the new version whole into the new, empty file {@code out}, each rollout as one run of
     * bytes, and forces it. A rollout copied from {@code current} is checked against its stored hash
     * on the way, and the whole of it against the lineage's.
     */
    static void writeWhole(String threadId, FileChannel out, DiskLog.@Nullable Opened current, StoredConversation record, Instant storedAt,
                           List<Planned> plan) throws IOException {
        write(out, DiskLog.magic(), 0);
        long at = 8;
        List<DiskLog.Entry> entries = new ArrayList<>(plan.size());
        for (Planned p : plan) {
            RolloutFile f = p.file();
            write(out, DiskLog.header(DiskLog.DATA, f.size()), at);
            long start = at + DiskLog.HEADER;
            at = start;
            MessageDigest whole = Sha256.digest();
            long copied = 0;
            for (Piece piece : p.pieces()) {
                if (piece.source() == null) {
                    at = copyFromLog(current, piece, out, at, whole);
                    copied += piece.length();
                    if (p.base() != null && copied == p.base().size() && !hex((MessageDigest) clone(whole)).equals(p.base().sha256())) {
                        throw new CorruptConversationException(threadId, "rollout " + f.relativePath() + ": its SHA-256 does not match the record");
                    }
                } else {
                    at = copy(threadId, piece.source(), out, at, whole);
                }
            }
            if (!hex(whole).equals(f.sha256())) {
                throw CheckedInput.failed(threadId, f, new IOException("the stored file and the appended bytes are not the declared SHA-256"));
            }
            entries.add(new DiskLog.Entry(f.relativePath(), f.size(), f.sha256(), new long[] {start}, new long[] {f.size()}));
        }
        write(out, DiskLog.manifestRecord(DiskLog.manifestBytes(record, storedAt, entries)), at);
        out.force(true);
    }

    /** Something a put checks before its version appears. */
    @FunctionalInterface
    interface Check {
        void run() throws IOException;
    }

    /** Copies {@code file}'s source, checked against its size and hash, into {@code out} at {@code at}; returns where it ended. */
    private static long copy(String threadId, RolloutFile file, FileChannel out, long at, @Nullable MessageDigest also) throws IOException {
        long position = at;
        CheckedInput in = CheckedInput.open(threadId, file);
        try {
            byte[] buffer = new byte[(int) Math.min(COPY_BUFFER, Math.max(1, file.size()))];
            long left = file.size();
            while (left > 0) {
                int n;
                try {
                    n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                } catch (IOException e) {
                    throw CheckedInput.failed(threadId, file, e);
                }
                if (n < 0) {
                    break;      // fewer bytes than declared: verify says so
                }
                // a failure to write is the log's, not the source's: it goes up as it is
                write(out, ByteBuffer.wrap(buffer, 0, n), position);
                if (also != null) {
                    also.update(buffer, 0, n);
                }
                position += n;
                left -= n;
            }
            in.verify();
        } finally {
            try {
                in.close();
            } catch (IOException ignored) {
                // the source was read whole and checked, or the put fails already
            }
        }
        return position;
    }

    private static long copyFromLog(DiskLog.@Nullable Opened current, Piece piece, FileChannel out, long at, MessageDigest digest) throws IOException {
        if (current == null) {
            throw new IllegalStateException("a piece of a log with no log open");
        }
        long position = at;
        long from = piece.offset();
        long left = piece.length();
        while (left > 0) {
            byte[] bytes = DiskLog.readFully(current.channel, from, (int) Math.min(COPY_BUFFER, left));
            write(out, ByteBuffer.wrap(bytes), position);
            digest.update(bytes);
            position += bytes.length;
            from += bytes.length;
            left -= bytes.length;
        }
        return position;
    }

    private static void write(FileChannel out, ByteBuffer bytes, long at) throws IOException {
        long position = at;
        while (bytes.hasRemaining()) {
            position += out.write(bytes, position);
        }
    }

    private static Object clone(MessageDigest digest) {
        try {
            return digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 that cannot be cloned", e);
        }
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }
}
