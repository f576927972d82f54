package dev.codexbridge.mcp;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.transcript.TranscriptMessage;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn's items as MCP progress notifications, one per completed item, in codex's order: the
 * agent's text for its messages, a line for a command, a file change or a tool call. Sent only
 * when the client gave a {@code progressToken}; a notification that cannot be sent is dropped
 * (the turn goes on). The user's own message is not reported back.
 */
final class ProgressReporter implements TurnListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
    static final int MAX_MESSAGE_CHARS = 4000;

    private final McpSyncServerExchange exchange;
    private final Object token;
    private int progress;

    private ProgressReporter(McpSyncServerExchange exchange, Object token) {
        this.exchange = exchange;
        this.token = token;
    }

    /** The reporter for a call, or a listener that reports nothing when the client asked for no progress. */
    static TurnListener forCall(McpSyncServerExchange exchange, @Nullable Map<String, Object> meta) {
        Object token = meta == null ? null : meta.get("progressToken");
        return token == null ? new TurnListener() { } : new ProgressReporter(exchange, token);
    }

    @Override
    public synchronized void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
        if (item instanceof ThreadItem.UserMessage) {
            return;
        }
        String text = describe(item);
        if (text == null) {
            return;
        }
        progress++;
        try {
            exchange.progressNotification(new McpSchema.ProgressNotification(token, (double) progress, null, text,
                    Map.of("codex_item_type", type(item))));
        } catch (RuntimeException e) {
            LOG.debug("progress notification not sent: {}", e.toString());
        }
    }

    static @Nullable String describe(ThreadItem item) {
        String text;
        if (item instanceof ThreadItem.AgentMessage m) {
            text = m.text();
        } else if (item instanceof ThreadItem.CommandExecution c) {
            text = "ran `" + c.command() + "`" + (c.exitCode() != null ? " (exit " + c.exitCode() + ")" : "")
                    + (c.status() != null ? ": " + Json.tree(c.status()).asText() : "");
        } else if (item instanceof ThreadItem.FileChange f) {
            text = "file changes: " + (f.changes() == null ? 0 : f.changes().size()) + " file(s)"
                    + (f.status() != null ? ", " + Json.tree(f.status()).asText() : "");
        } else if (item instanceof ThreadItem.McpToolCall) {
            text = "called an MCP tool: " + Json.tree(item).path("server").asText() + "." + Json.tree(item).path("tool").asText();
        } else if (item instanceof ThreadItem.Reasoning) {
            return null;
        } else {
            text = type(item);
        }
        if (text == null || text.isBlank()) {
            return null;
        }
        return text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) + "…" : text;
    }

    private static String type(ThreadItem item) {
        return Json.tree(item).path("type").asText("item");
    }
}
