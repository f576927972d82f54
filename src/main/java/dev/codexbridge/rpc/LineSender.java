package dev.codexbridge.rpc;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** The stdio framing's outbound side: each message followed by {@code \n}, flushed at once. */
final class LineSender implements MessageSender {
    private final OutputStream out;

    LineSender(OutputStream out) {
        this.out = out instanceof BufferedOutputStream ? out : new BufferedOutputStream(out, 16 * 1024);
    }

    @Override
    public void send(byte[] message) throws IOException {
        out.write(message);
        out.write('\n');
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
