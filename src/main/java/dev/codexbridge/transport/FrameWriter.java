package dev.codexbridge.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;

/**
 * Writes client-to-server WebSocket frames (RFC 6455 §5): always masked, as a client must. Data
 * and control frames share one lock, so a pong or close sent from the reader thread never lands
 * inside another frame.
 */
final class FrameWriter {
    static final int TEXT = 0x1;
    static final int CONTINUATION = 0x0;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    private final OutputStream out;
    private final Random random;
    private boolean closeSent;

    /** {@code random} draws the masks; null writes unmasked frames, as a server does (test servers). */
    FrameWriter(OutputStream out, Random random) {
        this.out = out;
        this.random = random;
    }

    /** One text message, in fragments of at most {@code fragment} bytes. */
    synchronized void text(byte[] payload, int length, int fragment) throws IOException {
        if (closeSent) {
            throw new IOException("the WebSocket is closing");
        }
        int from = 0;
        do {
            int n = Math.min(fragment, length - from);
            boolean last = from + n == length;
            frame(from == 0 ? TEXT : CONTINUATION, last, payload, from, n);
            from += n;
        } while (from < length);
        out.flush();
    }

    synchronized void pong(byte[] payload) throws IOException {
        if (!closeSent) {
            frame(PONG, true, payload, 0, payload.length);
            out.flush();
        }
    }

    /** An empty ping (keep-alive); nothing once a close frame was sent. */
    synchronized void ping() throws IOException {
        if (!closeSent) {
            frame(PING, true, new byte[0], 0, 0);
            out.flush();
        }
    }

    /** Sends a close frame once; later calls do nothing. */
    synchronized void close(int code) throws IOException {
        if (closeSent) {
            return;
        }
        closeSent = true;
        frame(CLOSE, true, new byte[] {(byte) (code >> 8), (byte) code}, 0, 2);
        out.flush();
    }

    /** One frame of any kind as it is (tests drive a peer with pings, binary and odd fragments). */
    synchronized void frame(int opcode, boolean fin, byte[] payload) throws IOException {
        frame(opcode, fin, payload, 0, payload.length);
        out.flush();
    }

    private void frame(int opcode, boolean fin, byte[] payload, int off, int len) throws IOException {
        byte[] head = new byte[14];
        int h = 0;
        int maskBit = random == null ? 0 : 0x80;
        head[h++] = (byte) ((fin ? 0x80 : 0) | opcode);
        if (len < 126) {
            head[h++] = (byte) (maskBit | len);
        } else if (len <= 0xFFFF) {
            head[h++] = (byte) (maskBit | 126);
            head[h++] = (byte) (len >> 8);
            head[h++] = (byte) len;
        } else {
            head[h++] = (byte) (maskBit | 127);
            long l = len;
            for (int shift = 56; shift >= 0; shift -= 8) {
                head[h++] = (byte) (l >> shift);
            }
        }
        byte[] mask = new byte[4];
        if (random != null) {
            random.nextBytes(mask);
            System.arraycopy(mask, 0, head, h, 4);
            h += 4;
        }
        out.write(head, 0, h);
        byte[] chunk = new byte[Math.min(len, 64 * 1024)];
        for (int done = 0; done < len; ) {
            int n = Math.min(chunk.length, len - done);
            for (int i = 0; i < n; i++) {
                chunk[i] = (byte) (payload[off + done + i] ^ mask[(done + i) & 3]);
            }
            out.write(chunk, 0, n);
            done += n;
        }
    }
}
