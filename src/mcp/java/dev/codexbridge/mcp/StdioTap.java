package dev.codexbridge.mcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stdio client's messages, one per line, passed through {@link CancelTap} on their way to the
 * SDK's stdio transport. Only JSON-RPC messages reach the SDK, whose stdio transport stops reading
 * after one line it cannot parse: a line that is not JSON is answered with a parse error
 * ({@code -32700}), a batch, a line that is no JSON-RPC 2.0 message or one longer than the limit
 * with an invalid-request error ({@code -32600}), each with {@code id: null}, and the next line is
 * served; an empty line is skipped. A line over the limit is not held, so memory stays bounded.
 */
final class StdioTap {
    private static final Logger LOG = LoggerFactory.getLogger(StdioTap.class);

    private StdioTap() {
    }

    static InputStream tapped(InputStream client, CancelTap tap, String channel, int maxLineBytes, PendingElicitations.Outlet errors,
            Runnable onEnd) throws IOException {
        PipedInputStream sdkSide = new PipedInputStream(64 * 1024);
        PipedOutputStream ours = new PipedOutputStream(sdkSide);
        Thread t = new Thread(() -> {
            try {
                pump(client, ours, tap, channel, maxLineBytes, errors);
            } finally {
                onEnd.run();
            }
        }, "codex-bridge-mcp-stdin");
        t.setDaemon(true);
        t.start();
        return sdkSide;
    }

    private static void pump(InputStream in, PipedOutputStream out, CancelTap tap, String channel, int max, PendingElicitations.Outlet errors) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean tooLong = false;
        try (out) {
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    if (tooLong) {
                        errors.send(error(-32600, "the message is longer than " + max + " bytes"));
                    } else {
                        String text = line.toString(StandardCharsets.UTF_8);
                        String refusal = text.isBlank() ? null : refusal(text);
                        if (refusal != null) {
                            errors.send(refusal);
                        } else if (!text.isBlank()) {
                            out.write(tap.onMessage(text, channel).getBytes(StandardCharsets.UTF_8));
                            out.write('\n');
                            out.flush();
                        }
                    }
                    line.reset();
                    tooLong = false;
                } else if (!tooLong) {
                    line.write(b);
                    if (line.size() > max) {
                        LOG.warn("refusing a message of more than {} bytes from the MCP client", max);
                        line.reset();
                        tooLong = true;
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("stdin of the MCP server ended: {}", e.toString());
        }
    }

    /** The error answer for a line the SDK must not see, or null when it is a JSON-RPC 2.0 message. */
    static @Nullable String refusal(String text) {
        JsonNode m;
        try {
            m = Json.mapper().readTree(text);
        } catch (IOException | RuntimeException e) {
            return error(-32700, "parse error: the line is not JSON");
        }
        if (m != null && m.isArray()) {
            return error(-32600, "batches are not part of this MCP version: send one message per line");
        }
        boolean message = m != null && m.isObject() && "2.0".equals(m.path("jsonrpc").asText(null))
                && (m.path("method").isTextual() || m.has("result") || m.has("error"));
        return message ? null : error(-32600, "invalid request: not a JSON-RPC 2.0 message");
    }

    private static String error(int code, String message) {
        ObjectNode n = Json.mapper().createObjectNode().put("jsonrpc", "2.0").putNull("id");
        n.putObject("error").put("code", code).put("message", message);
        return Json.write(n);
    }
}
