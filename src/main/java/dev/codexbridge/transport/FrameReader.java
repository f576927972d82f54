package dev.codexbridge.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads server-to-client WebSocket frames and hands the peer's reader the text messages as lines,
 * streamed: a message's payload passes through as it arrives, and a {@code \n} follows its last
 * fragment (raw newlines inside, which JSON allows only as whitespace, become spaces). Pings are
 * answered with pongs, a close frame with a close frame and end of stream; binary messages are
 * skipped. Runs on the peer's reader thread only.
 */
final class FrameReader extends InputStream {
    private static final Logger LOG = LoggerFactory.getLogger(FrameReader.class);

    private final InputStream raw;
    private final byte[] leftover;
    private int leftoverPos;
    private final FrameWriter replies;
    private final Consumer<String> onEnd;

    private long remaining;
    private boolean frameFin;
    private boolean masked;
    private final byte[] mask = new byte[4];
    private long maskOffset;
    private boolean inText;
    private boolean skipping;
    private boolean newlinePending;
    private boolean eof;

    /** {@code onEnd} hears why the stream ended (close code, dropped connection). */
    FrameReader(InputStream raw, byte[] leftover, FrameWriter replies, Consumer<String> onEnd) {
        this.raw = raw;
        this.leftover = leftover == null ? new byte[0] : leftover;
        this.replies = replies;
        this.onEnd = onEnd;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (newlinePending) {
                newlinePending = false;
                b[off] = '\n';
                return 1;
            }
            if (eof) {
                return -1;
            }
            if (remaining > 0) {
                int n = source(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    return endOfStream("the connection dropped in the middle of a message");
                }
                unmask(b, off, n);
                remaining -= n;
                boolean messageDone = remaining == 0 && frameFin;
                if (skipping) {
                    if (messageDone) {
                        skipping = false;
                    }
                    continue;
                }
                for (int i = off; i < off + n; i++) {
                    if (b[i] == '\n' || b[i] == '\r') {
                        b[i] = ' ';
                    }
                }
                if (messageDone) {
                    inText = false;
                    newlinePending = true;
                }
                return n;
            }
            if (!nextFrame()) {
                return -1;
            }
        }
    }

    /** Reads one frame header; handles control frames whole. False at end of stream. */
    private boolean nextFrame() throws IOException {
        int b0 = source();
        if (b0 < 0) {
            endOfStream("the connection dropped without a close frame");
            return false;
        }
        int b1 = sourceExactly();
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        if (length == 126) {
            length = ((long) sourceExactly() << 8) | sourceExactly();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | sourceExactly();
            }
            if (length < 0) {
                throw new IOException("a WebSocket frame declared a negative length");
            }
        }
        if (masked) {
            for (int i = 0; i < 4; i++) {
                mask[i] = (byte) sourceExactly();
            }
        }
        maskOffset = 0;
        if (opcode >= 0x8) {
            if (length > 125 || !fin) {
                throw new IOException("a malformed WebSocket control frame (opcode " + opcode + ", length " + length + (fin ? "" : ", not final") + ")");
            }
            byte[] payload = new byte[(int) length];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) sourceExactly();
            }
            unmask(payload, 0, payload.length);
            return control(opcode, payload);
        }
        switch (opcode) {
            case FrameWriter.TEXT -> {
                inText = true;
                skipping = false;
            }
            case 0x2 -> {
                LOG.warn("ignored a binary WebSocket message: codex sends JSON-RPC as text");
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
        if (length == 0 && fin) {
            if (skipping) {
                skipping = false;
            } else {
                inText = false;
                newlinePending = true;
            }
        }
        return true;
    }

    private boolean control(int opcode, byte[] payload) throws IOException {
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
                endOfStream("codex app-server closed the WebSocket (code " + code + (reason.isEmpty() ? "" : ", " + reason) + ")");
                return false;
            }
            default -> throw new IOException("an unknown WebSocket control opcode " + opcode);
        }
        return true;
    }

    private int endOfStream(String why) {
        if (!eof) {
            eof = true;
            onEnd.accept(why);
        }
        return -1;
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

    private int source() throws IOException {
        if (leftoverPos < leftover.length) {
            return leftover[leftoverPos++] & 0xff;
        }
        return raw.read();
    }

    private int sourceExactly() throws IOException {
        int b = source();
        if (b < 0) {
            endOfStream("the connection dropped in the middle of a frame");
            throw new EOFException("the connection dropped in the middle of a WebSocket frame");
        }
        return b;
    }

    private int source(byte[] b, int off, int len) throws IOException {
        if (leftoverPos < leftover.length) {
            int n = Math.min(len, leftover.length - leftoverPos);
            System.arraycopy(leftover, leftoverPos, b, off, n);
            leftoverPos += n;
            return n;
        }
        return raw.read(b, off, len);
    }
}
