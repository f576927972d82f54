package dev.codexbridge.transport;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.MessageSource;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Reads server-to-client WebSocket frames and hands the peer's reader each text message whole, as
 * a {@link MessageSource}: a message whose one frame lies inside what was read is returned where it
 * lies; one in fragments, or spanning reads, is put together in a buffer of its own; one longer
 * than the limit is skipped without being held. Raw newlines inside a message, which JSON allows
 * only as whitespace, become spaces, so a message is one line wherever it is written down (a wire
 * tap's recording). Pings are answered with pongs, a close frame with a close frame and the end;
 * binary messages are skipped. Runs on the peer's reader thread only.
 */
final class FrameReader implements MessageSource {
    private static final Logger LOG = SafeLogger.getLogger(FrameReader.class);
    private static final int CHUNK = 64 * 1024;
    private static final int INITIAL_MESSAGE = 8 * 1024;
    /** After a huge message, give the memory back instead of keeping it for the connection's lifetime. */
    private static final int SHRINK_ABOVE = 1024 * 1024;

    private final InputStream raw;
    private final FrameWriter replies;
    private final Consumer<String> onEnd;
    private final int maxMessageBytes;

    /** What was read from {@code raw} and not yet consumed: {@code chunk[pos..limit)}. */
    private final byte[] chunk;
    private int pos;
    private int limit;
    /** The hook of the {@link #next} call under way: runs before every read from {@code raw}. */
    private Runnable beforeWait = () -> { };

    /** Payload bytes of the current data frame not yet consumed. */
    private long remaining;
    private boolean inFrame;
    private boolean frameFin;
    private boolean masked;
    private final byte[] mask = new byte[4];
    private long maskOffset;
    private boolean inText;
    private boolean skipping;
    private boolean eof;

    /** Whether the reader is blocked reading from the server (else it is busy with what it read). */
    private volatile boolean waiting;
    /** Runs after every read from {@code raw}, on the reader thread: the server was heard. */
    private volatile Runnable onBytes = () -> { };

    /** A message put together from fragments or from several reads. */
    private byte[] message = new byte[INITIAL_MESSAGE];
    private byte[] current = message;
    private int currentOffset;

    /**
     * {@code leftover} are bytes read past the upgrade answer (the first frames); {@code onEnd}
     * hears why the stream ended (close code, dropped connection).
     */
    FrameReader(InputStream raw, byte[] leftover, FrameWriter replies, Consumer<String> onEnd, int maxMessageBytes) {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive");
        }
        this.raw = raw;
        this.replies = replies;
        this.onEnd = onEnd;
        this.maxMessageBytes = maxMessageBytes;
        int left = leftover == null ? 0 : leftover.length;
        this.chunk = new byte[Math.max(CHUNK, left)];
        if (left > 0) {
            System.arraycopy(leftover, 0, chunk, 0, left);
            limit = left;
        }
    }

    /** The next text message, {@link #OVERSIZED} for one over the limit, {@link #END} once the connection ended. */
    @Override
    public int next(Runnable beforeWait) throws IOException {
        this.beforeWait = beforeWait;
        if (message.length > SHRINK_ABOVE) {
            message = new byte[INITIAL_MESSAGE];
        }
        int length = 0;
        boolean oversized = false;
        while (true) {
            if (!inFrame) {
                if (eof || !dataFrame()) {
                    if (eof) {
                        return END;     // a message cut short by the end is no message
                    }
                    continue;           // a control frame, handled
                }
                if (inText && length == 0 && !oversized && frameFin && remaining <= limit - pos
                        && remaining <= maxMessageBytes) {
                    // the common case: a message in one frame that lies whole in what was read
                    int n = (int) remaining;
                    unmask(chunk, pos, n);
                    spaces(chunk, pos, n);
                    current = chunk;
                    currentOffset = pos;
                    pos += n;
                    remaining = 0;
                    inText = false;
                    return n;
                }
                if (inText && !oversized && length + remaining > maxMessageBytes) {
                    oversized = true;   // what was put together so far is dropped with the rest
                }
                inFrame = true;
            }
            if (remaining > 0) {
                if (pos == limit && !fill()) {
                    endOfStream("the connection dropped in the middle of a message");
                    return END;
                }
                int n = (int) Math.min(remaining, limit - pos);
                if (inText && !oversized) {
                    append(length, n);
                    length += n;
                }
                pos += n;
                remaining -= n;
                continue;
            }
            inFrame = false;
            if (frameFin) {
                if (skipping) {
                    skipping = false;
                    continue;
                }
                inText = false;
                if (oversized) {
                    return OVERSIZED;
                }
                current = message;
                currentOffset = 0;
                return length;
            }
        }
    }

    /**
     * Whether the reader waits for the server now; when it does not, it is busy with what it
     * read, and silence from the server is this side's doing.
     */
    boolean waitingForServer() {
        return waiting;
    }

    /** {@code heard} runs after every read from the server (keep-alive). */
    void onBytes(Runnable heard) {
        this.onBytes = heard;
    }

    @Override
    public byte[] buffer() {
        return current;
    }

    @Override
    public int offset() {
        return currentOffset;
    }

    /** Closes the stream read from; the connection owning the socket closes that. */
    @Override
    public void close() throws IOException {
        raw.close();
    }

    /**
     * Reads one frame header: a data frame's payload is then due (true); a control frame is
     * handled whole (false); false also at the end of the stream, with {@link #eof} set.
     */
    private boolean dataFrame() throws IOException {
        int b0 = read1();
        if (b0 < 0) {
            endOfStream("the connection dropped without a close frame");
            return false;
        }
        int b1 = read1Exactly();
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        if (length == 126) {
            length = ((long) read1Exactly() << 8) | read1Exactly();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | read1Exactly();
            }
            if (length < 0) {
                throw new IOException("a WebSocket frame declared a negative length");
            }
        }
        if (masked) {
            for (int i = 0; i < 4; i++) {
                mask[i] = (byte) read1Exactly();
            }
        }
        maskOffset = 0;
        if (opcode >= 0x8) {
            if (length > 125 || !fin) {
                throw new IOException("a malformed WebSocket control frame (opcode " + opcode + ", length " + length + (fin ? "" : ", not final") + ")");
            }
            byte[] payload = new byte[(int) length];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) read1Exactly();
            }
            unmask(payload, 0, payload.length);
            control(opcode, payload);
            return false;
        }
        switch (opcode) {
            case FrameWriter.TEXT -> {
                inText = true;
                skipping = false;
            }
            case 0x2 -> {
                LOG.warn("ignored a binary WebSocket message: codex sends JSON-RPC as text");
                inText = false;
                skipping = true;
            }
            case FrameWriter.CONTINUATION -> {
                if (!inText && !skipping) {
                    throw new IOException("a WebSocket continuation frame without a message to continue");
                }
            }
            default -> throw new IOException("an unknown WebSocket opcode " + opcode);
        }
        frameFin = fin;
        remaining = length;
        return true;
    }

    private void control(int opcode, byte[] payload) throws IOException {
        switch (opcode) {
            case FrameWriter.PING -> replies.pong(payload);
            case FrameWriter.PONG -> {
                // an answer to a ping this client never sends: nothing to do
            }
            case FrameWriter.CLOSE -> {
                int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                try {
                    replies.close(code == 1005 ? 1000 : code);
                } catch (IOException e) {
                    // the server may already have gone; its close frame said everything
                }
                endOfStream("codex app-server closed the WebSocket (code " + code + (reason.isEmpty() ? "" : ", " + UntrustedText.of(reason)) + ")");
            }
            default -> throw new IOException("an unknown WebSocket control opcode " + opcode);
        }
    }

    private void endOfStream(String why) {
        if (!eof) {
            eof = true;
            onEnd.accept(why);
        }
    }

    /** Copies {@code n} payload bytes from the read buffer to {@code message[at..]}, unmasked, newlines as spaces. */
    private void append(int at, int n) {
        int needed = at + n;
        if (needed > message.length) {
            // doubling while small; past 1 MiB grow by half, so a huge message costs ~1.5x, not ~2x, its size
            long grown = Math.max(message.length < SHRINK_ABOVE ? (long) message.length * 2
                    : message.length + (long) (message.length >> 1), needed);
            byte[] bigger = new byte[(int) Math.min(grown, maxMessageBytes)];
            System.arraycopy(message, 0, bigger, 0, at);
            message = bigger;
        }
        System.arraycopy(chunk, pos, message, at, n);
        unmask(message, at, n);
        spaces(message, at, n);
    }

    private void unmask(byte[] b, int off, int n) {
        if (!masked) {
            return;
        }
        for (int i = 0; i < n; i++) {
            b[off + i] ^= mask[(int) ((maskOffset + i) & 3)];
        }
        maskOffset += n;
    }

    private static void spaces(byte[] b, int off, int n) {
        for (int i = off; i < off + n; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                b[i] = ' ';
            }
        }
    }

    /** Reads more into the empty read buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        beforeWait.run();
        int n;
        waiting = true;
        try {
            do {
                n = raw.read(chunk, 0, chunk.length);
            } while (n == 0);
        } catch (IOException e) {
            endOfStream("the connection dropped: " + CodexEndpoint.describe(e));
            throw e;
        } finally {
            waiting = false;
        }
        onBytes.run();
        if (n < 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private int read1() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return chunk[pos++] & 0xff;
    }

    private int read1Exactly() throws IOException {
        int b = read1();
        if (b < 0) {
            endOfStream("the connection dropped in the middle of a frame");
            throw new EOFException("the connection dropped in the middle of a WebSocket frame");
        }
        return b;
    }
}
