package dev.codexbridge.store;

import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * How a reader finds the newest whole manifest of a {@link DiskLog} in time bounded by the store's
 * caps, whatever the file holds (issue 73), and what a log this store wrote can hold at most.
 *
 * <p>A put appends only while the log's dead bytes (every record header, every manifest but the
 * newest, rollout bytes no version needs) stay within {@link #maxDeadBytes}; a log written whole
 * has one header per rollout. So a log under caps {@code limits} has at most
 * {@link #maxLogBytes} bytes and {@link #maxRecords} records, a put in progress included, and the
 * bytes before its newest manifest are its rollouts and at most {@link #maxDeadBytes} more. A log
 * past any of these was not written by this store under these caps: it is refused before it is
 * read further. The walk from the start reads the file through a window of {@link #WINDOW} bytes,
 * not one read per record.
 */
final class DiskLogScan {
    /** The bytes the walk reads at once: records and manifests this small are taken from memory. */
    private static final int WINDOW = 64 << 10;
    private static final int MAGIC = 8;

    private DiskLogScan() {
    }

    /**
     * The most bytes a log holds that no version needs, for a newest version of {@code live} bytes
     * (its rollouts and the file's first 8) in {@code files} rollouts: what an append leaves (a
     * sixteenth of the live bytes, or {@link DiskLogPut#SLACK}), or a header per rollout in a log
     * written whole.
     */
    static long maxDeadBytes(long live, long files) {
        return Math.max(DiskLogPut.SLACK, Math.max(live / 16, DiskLog.HEADER * files));
    }

    /** The most bytes a log under {@code limits} has: the largest version, the most dead bytes, the largest manifest. */
    static long maxLogBytes(StoreLimits limits) {
        long live = MAGIC + limits.maxLineageBytes();
        return live + maxDeadBytes(live, limits.maxFiles()) + DiskLog.HEADER + DiskLog.maxManifestBytes(limits) + DiskLog.TRAILER;
    }

    /**
     * The most records a log under {@code limits} has: each but the newest whole manifest and the
     * manifest of a put in progress costs a header of dead bytes at least.
     */
    static long maxRecords(StoreLimits limits) {
        return maxDeadBytes(MAGIC + limits.maxLineageBytes(), limits.maxFiles()) / DiskLog.HEADER + 2;
    }

    /** Where the manifest record ending at {@code end} starts and ends; null when the bytes before {@code end} are not a whole one. */
    static long @Nullable [] manifestEndingAt(FileChannel channel, long end, long maxManifest) throws IOException {
        if (end < MAGIC + DiskLog.HEADER + DiskLog.TRAILER) {
            return null;
        }
        ByteBuffer trailer = ByteBuffer.wrap(DiskLog.readFully(channel, end - DiskLog.TRAILER, DiskLog.TRAILER));
        long length = trailer.getLong(32);
        if (!DiskLog.isEndMark(trailer, 40) || length < 0 || length > maxManifest || length > end - MAGIC - DiskLog.HEADER - DiskLog.TRAILER) {
            return null;
        }
        long start = end - DiskLog.TRAILER - length - DiskLog.HEADER;
        ByteBuffer record = ByteBuffer.wrap(DiskLog.readFully(channel, start, (int) (DiskLog.HEADER + length + DiskLog.TRAILER)));
        return isWholeManifest(record, length, Sha256.digest()) ? new long[] {start, end} : null;
    }

    /**
     * The last whole manifest walking the records from the start (the end is a put in progress or
     * one a crash cut short); a log of more than {@code maxRecords} records is refused.
     */
    static long @Nullable [] lastWholeManifest(String threadId, String name, FileChannel channel, long size, long maxManifest,
                                               long maxRecords) throws IOException {
        Window window = new Window(channel, size);
        MessageDigest sha256 = Sha256.digest();
        long[] last = null;
        long records = 0;
        try {
            long at = MAGIC;
            while (at + DiskLog.HEADER <= size) {
                if (++records > maxRecords) {
                    throw new CorruptConversationException(threadId, "the record " + name + " has more than " + maxRecords
                            + " records, more than a log under this store's caps holds");
                }
                ByteBuffer header = window.bytes(at, DiskLog.HEADER);
                byte kind = header.get();
                long length = header.getLong();
                if (length < 0 || length > size - at - DiskLog.HEADER) {
                    break;
                }
                if (kind == DiskLog.DATA) {
                    at += DiskLog.HEADER + length;
                } else if (kind == DiskLog.MANIFEST && length <= maxManifest && length <= size - at - DiskLog.HEADER - DiskLog.TRAILER) {
                    int bytes = (int) (DiskLog.HEADER + length + DiskLog.TRAILER);
                    ByteBuffer record = bytes <= WINDOW ? window.bytes(at, bytes) : ByteBuffer.wrap(DiskLog.readFully(channel, at, bytes));
                    if (!isWholeManifest(record, length, sha256)) {
                        break;
                    }
                    last = new long[] {at, at + bytes};
                    at += bytes;
                } else {
                    break;
                }
            }
        } catch (DiskLog.EndOfLog cut) {
            // the end a crash left was cut by the next put while this walked it: what was whole before stays whole
        }
        return last;
    }

    /** Whether {@code record} (from its first byte, {@code length} the manifest's) is a whole manifest record: kind, lengths, hash, end mark. */
    private static boolean isWholeManifest(ByteBuffer record, long length, MessageDigest sha256) {
        ByteBuffer r = record.slice();
        if (r.remaining() != DiskLog.HEADER + length + DiskLog.TRAILER || r.get() != DiskLog.MANIFEST || r.getLong() != length) {
            return false;
        }
        int manifestEnd = (int) (DiskLog.HEADER + length);
        if (r.getLong(manifestEnd + 32) != length || !DiskLog.isEndMark(r, manifestEnd + 40)) {
            return false;
        }
        sha256.reset();
        sha256.update(r.duplicate().position(DiskLog.HEADER).limit(manifestEnd));
        byte[] hash = new byte[32];
        r.get(manifestEnd, hash);
        return Arrays.equals(sha256.digest(), hash);
    }

    /** Bytes of the log read {@link #WINDOW} at a time, for a walk that goes forward. */
    private static final class Window {
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer buffer = ByteBuffer.allocate(WINDOW);
        /** Where in the file the buffer's bytes start; -1 before the first read. */
        private long start = -1;

        Window(FileChannel channel, long size) {
            this.channel = channel;
            this.size = size;
        }

        /** The {@code length} bytes at {@code at} (at most {@link #WINDOW}, within the size the log had when opened). */
        ByteBuffer bytes(long at, int length) throws IOException {
            if (start < 0 || at < start || at + length > start + buffer.limit()) {
                buffer.clear().limit((int) Math.min(WINDOW, size - at));
                long position = at;
                while (buffer.hasRemaining()) {
                    int n = channel.read(buffer, position);
                    if (n < 0) {
                        throw new DiskLog.EndOfLog("the log ends at " + position + ", before the " + length + " bytes at " + at + " (cut short)");
                    }
                    position += n;
                }
                buffer.flip();
                start = at;
            }
            int from = (int) (at - start);
            return buffer.duplicate().position(from).limit(from + length).slice();
        }
    }
}
