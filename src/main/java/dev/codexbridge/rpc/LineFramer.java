package dev.codexbridge.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The stdio framing: a {@link MessageSource} of {@code \n}-terminated lines of bytes, one message
 * per line, with a hard cap on a line's length. An over-long line is consumed and reported as
 * {@link #OVERSIZED} without ever holding more than the cap in memory. A trailing {@code \r} is
 * dropped. Not thread-safe: one reader thread owns it.
 */
final class LineFramer implements MessageSource {
    private static final int CHUNK = 64 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int INITIAL_LINE = 8 * 1024;
    /** After a huge line, give the memory back instead of keeping it for the session's lifetime. */
    private static final int SHRINK_ABOVE = 1024 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[CHUNK];
    private int pos;
    private int limit;
    private byte[] line = new byte[INITIAL_LINE];
    private int lineLength;
    /** Where the last line is: in the read buffer itself when it lay whole inside one read, else in {@link #line}. */
    private byte[] current = line;
    private int currentOffset;

    LineFramer(InputStream in, int maxLineBytes) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Reads the next line and returns its length, or {@link #END}, or {@link #OVERSIZED} for a
     * line longer than the cap (already skipped). A last line without a newline is returned as a
     * line. {@code beforeWait} runs before every read from the stream, that is whenever the lines
     * read so far have all been returned.
     */
    @Override
    public int next(Runnable beforeWait) throws IOException {
        if (line.length > SHRINK_ABOVE) {
            line = new byte[INITIAL_LINE];
        }
        lineLength = 0;
        boolean discarding = false;
        boolean sawBytes = false;
        while (true) {
            if (pos == limit) {
                beforeWait.run();
                int n = in.read(chunk, 0, CHUNK);
                if (n < 0) {
                    if (discarding) {
                        return OVERSIZED;
                    }
                    return sawBytes ? assembled() : END;
                }
                pos = 0;
                limit = n;
                continue;
            }
            int newline = indexOfNewline(pos, limit);
            if (newline >= 0 && lineLength == 0 && !discarding && newline - pos <= maxLineBytes) {
                // the common case: the whole line lies in what was read, and is returned where it is
                current = chunk;
                currentOffset = pos;
                lineLength = newline - pos;
                pos = newline + 1;
                return stripCr();
            }
            int end = newline < 0 ? limit : newline;
            int n = end - pos;
            sawBytes = true;
            if (!discarding) {
                if ((long) lineLength + n > maxLineBytes) {
                    discarding = true;
                    lineLength = 0;
                } else {
                    append(pos, n);
                }
            }
            pos = newline < 0 ? limit : newline + 1;
            if (newline >= 0) {
                return discarding ? OVERSIZED : assembled();
            }
        }
    }

    /** The array holding the last line returned by {@link #next}, from {@link #offset()}; valid until the next call. */
    @Override
    public byte[] buffer() {
        return current;
    }

    /** Where the last line starts in {@link #buffer()}. */
    @Override
    public int offset() {
        return currentOffset;
    }

    /** The line put together in {@link #line} (it spanned reads, or was long). */
    private int assembled() {
        current = line;
        currentOffset = 0;
        return stripCr();
    }

    private int stripCr() {
        if (lineLength > 0 && current[currentOffset + lineLength - 1] == '\r') {
            lineLength--;
        }
        return lineLength;
    }

    /**
     * Eight bytes at a time: the byte-by-byte loop was a tenth of the reader thread's time on a
     * fast stream, and this is three times faster without the optimizing compiler (the launcher
     * runs C1 only). {@code (x - 0x01..) & ~x & 0x80..} marks the bytes of {@code x} that are zero;
     * the lowest mark is exact, so the first newline is found.
     */
    private int indexOfNewline(int from, int to) {
        byte[] c = chunk;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(c, i) ^ 0x0a0a0a0a0a0a0a0aL;
            long zeros = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (c[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void append(int from, int n) {
        int needed = lineLength + n;
        if (needed > line.length) {
            // doubling while small; past 1 MiB grow by half, so a huge line costs ~1.5x, not ~2x, its size
            long grown = Math.max(line.length < SHRINK_ABOVE ? (long) line.length * 2 : line.length + (long) (line.length >> 1), needed);
            byte[] bigger = new byte[(int) Math.min(grown, (long) maxLineBytes + 1)];
            System.arraycopy(line, 0, bigger, 0, lineLength);
            line = bigger;
        }
        System.arraycopy(chunk, from, line, lineLength, n);
        lineLength = needed;
    }
}
