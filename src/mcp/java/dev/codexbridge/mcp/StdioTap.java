package dev.codexbridge.mcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stdio client's messages, one per line, passed through {@link CancelTap} on their way to the
 * SDK's stdio transport. A line longer than the limit is dropped (with a log line) rather than
 * held: the client's request then gets no answer, and the server's memory stays bounded.
 */
final class StdioTap {
    private static final Logger LOG = LoggerFactory.getLogger(StdioTap.class);

    private StdioTap() {
    }

    static InputStream tapped(InputStream client, CancelTap tap, String channel, int maxLineBytes, Runnable onEnd) throws IOException {
        PipedInputStream sdkSide = new PipedInputStream(64 * 1024);
        PipedOutputStream ours = new PipedOutputStream(sdkSide);
        Thread t = new Thread(() -> {
            try {
                pump(client, ours, tap, channel, maxLineBytes);
            } finally {
                onEnd.run();
            }
        }, "codex-bridge-mcp-stdin");
        t.setDaemon(true);
        t.start();
        return sdkSide;
    }

    private static void pump(InputStream in, PipedOutputStream out, CancelTap tap, String channel, int max) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean tooLong = false;
        try (out) {
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    if (!tooLong) {
                        String text = line.toString(StandardCharsets.UTF_8);
                        out.write((text.isBlank() ? text : tap.onMessage(text, channel)).getBytes(StandardCharsets.UTF_8));
                        out.write('\n');
                        out.flush();
                    }
                    line.reset();
                    tooLong = false;
                } else if (!tooLong) {
                    line.write(b);
                    if (line.size() > max) {
                        LOG.warn("dropping a message of more than {} bytes from the MCP client", max);
                        line.reset();
                        tooLong = true;
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("stdin of the MCP server ended: {}", e.toString());
        }
    }
}
