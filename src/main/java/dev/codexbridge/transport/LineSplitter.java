package dev.codexbridge.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The peer's outbound side: it writes each message followed by {@code \n}; every complete line
 * leaves as one WebSocket message. The peer writes under its own lock, so calls never overlap.
 */
final class LineSplitter extends OutputStream {
    /** Sends one message; blocks until the socket took it. */
    interface MessageSender {
        void send(byte[] message, int length) throws IOException;
    }

    private static final int SHRINK_ABOVE = 1024 * 1024;

    private final MessageSender sender;
    private final Runnable onClose;
    private byte[] buffer = new byte[8 * 1024];
    private int length;
    private boolean closed;

    LineSplitter(MessageSender sender, Runnable onClose) {
        this.sender = sender;
        this.onClose = onClose;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the connection is closed");
        }
        int end = off + len;
        int start = off;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                append(b, start, i - start);
                if (length > 0) {
                    sender.send(buffer, length);
                }
                length = 0;
                if (buffer.length > SHRINK_ABOVE) {
                    buffer = new byte[8 * 1024];
                }
                start = i + 1;
            }
        }
        append(b, start, end - start);
    }

    private void append(byte[] b, int off, int len) {
        if (len == 0) {
            return;
        }
        if (length + len > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + len));
        }
        System.arraycopy(b, off, buffer, length, len);
        length += len;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.run();
        }
    }
}
