package dev.codexbridge.mcp;

import dev.codexbridge.session.TurnResult;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A turn's end as a tool result. Completed: codex's final message as text, and
 * {@code structuredContent} {@code {threadId, content}} as {@code codex mcp-server} gave it.
 * Every other ending is {@code isError} with a text that says what happened and whether sending
 * the prompt again is safe; the structured part still names the thread, so the conversation can
 * go on.
 */
final class ToolResults {
    private ToolResults() {
    }

    static McpSchema.CallToolResult of(TurnResult r, String threadId, @Nullable Object structured) {
        String text = r.finalText() == null ? "" : r.finalText();
        return switch (r.status()) {
            case COMPLETED -> result(text, threadId, text, structured, false);
            case INTERRUPTED -> result("codex's turn was interrupted before it finished (the request was cancelled, or the host stopped it)"
                    + partial(text), threadId, text, null, true);
            case FAILED -> result("codex's turn failed: " + (r.error() != null ? r.error().message() + " (" + r.error().category() + ")"
                    : "no reason given") + partial(text), threadId, text, null, true);
            case TIMED_OUT -> result("codex's turn ran out of time and was stopped; it may have done part of the work" + partial(text),
                    threadId, text, null, true);
            case NOT_RECEIVED -> result("codex never received this prompt: nothing was done, and sending it again is safe"
                    + (r.error() != null ? " (" + r.error().message() + ")" : ""), threadId, "", null, true);
            case UNKNOWN -> result("whether codex ran this prompt is unknown (the connection to codex was lost and its record could not "
                    + "tell); read the conversation (codex-transcript) before sending it again", threadId, text, null, true);
        };
    }

    static McpSchema.CallToolResult refused(String why) {
        return McpSchema.CallToolResult.builder().content(List.of(new McpSchema.TextContent(why))).isError(true).build();
    }

    private static McpSchema.CallToolResult result(String text, String threadId, String content, @Nullable Object structured,
            boolean error) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("threadId", threadId);
        s.put("content", content);
        if (structured != null) {
            s.put("output", structured);
        }
        return McpSchema.CallToolResult.builder().content(List.of(new McpSchema.TextContent(text))).structuredContent(s)
                .isError(error).build();
    }

    private static String partial(String text) {
        return text.isBlank() ? "" : ". What it had said: " + text;
    }
}
