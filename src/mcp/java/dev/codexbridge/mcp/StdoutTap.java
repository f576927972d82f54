package dev.codexbridge.mcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The stdio server's output, one message per line, passed through {@link PendingElicitations} on
 * its way to the client; a cancellation it adds is written as a line of its own between the SDK's
 * lines, never inside one.
 */
final class StdoutTap extends OutputStream {
    private final OutputStream out;
    private final PendingElicitations elicitations;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    StdoutTap(OutputStream out, PendingElicitations elicitations) {
        this.out = out;
        this.elicitations = elicitations;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            out.write(elicitations.onOutgoing(text, this::add).getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    /** Writes {@code message} as a line of its own, between the SDK's lines. */
    synchronized void add(String message) {
        try {
            out.write((message + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
