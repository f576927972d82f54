package dev.codexbridge.transcript;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.codexbridge.json.Json;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message in the OpenAI chat shape, ready to splice into a host's history or send to any
 * chat-completions API: {@code role}, {@code content} (always present, null for an assistant
 * message that only calls a tool), {@code tool_calls}, {@code tool_call_id}, {@code reasoning}.
 *
 * @param incomplete the item never completed (interrupt, failure); not part of the chat shape
 */
@JsonSerialize(using = TranscriptMessageSerializer.class)
@JsonPropertyOrder({"role", "content", "tool_calls", "tool_call_id", "reasoning"})
public record TranscriptMessage(
        Role role,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String content,
        @JsonProperty("tool_calls") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<ToolCall> toolCalls,
        @JsonProperty("tool_call_id") @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String toolCallId,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String reasoning,
        @JsonIgnore boolean incomplete) {

    public enum Role {
        USER, ASSISTANT, TOOL;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code {id, type: "function", function: {name, arguments}}}; {@code arguments} is canonical JSON
     * text, {@code name} a valid OpenAI function name ({@link ToolNames}).
     *
     * @param source which codex tool this call is, under codex's own names; not part of the chat JSON
     *               ({@code null} for a call not built by the projector)
     */
    @JsonPropertyOrder({"id", "type", "function"})
    public record ToolCall(String id, String type, Function function, @JsonIgnore @Nullable Source source) {
        public ToolCall {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(function, "function");
        }

        public ToolCall(String id, String type, Function function) {
            this(id, type, function, null);
        }

        public static ToolCall function(String id, String name, String arguments) {
            return new ToolCall(id, "function", new Function(name, arguments), null);
        }

        public static ToolCall function(String id, String name, String arguments, @Nullable Source source) {
            return new ToolCall(id, "function", new Function(name, arguments), source);
        }
    }

    /**
     * A tool call as codex names it, for a host that needs codex's names back (the function name is
     * cleaned, {@link ToolNames}).
     *
     * @param itemType  the codex item type, e.g. {@code mcpToolCall}, {@code dynamicToolCall},
     *                  {@code commandExecution}
     * @param server    the MCP server as configured in codex ({@code mcpToolCall} only, else null)
     * @param namespace the dynamic tool's namespace ({@code dynamicToolCall} only; null when none)
     * @param tool      the tool as codex reports it: the MCP server's own tool name, the dynamic tool's
     *                  name, the sub-agent tool, or the built-in's name ({@code exec_command}, …)
     * @param itemId    the codex item id ("" when the item had none)
     */
    public record Source(String itemType, @Nullable String server, @Nullable String namespace, String tool, String itemId) {
    }

    @JsonPropertyOrder({"name", "arguments"})
    public record Function(String name, String arguments) {
    }

    public TranscriptMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
    }

    public static TranscriptMessage user(String content) {
        return new TranscriptMessage(Role.USER, content, null, null, null, false);
    }

    public static TranscriptMessage assistant(@Nullable String content, @Nullable String reasoning) {
        return new TranscriptMessage(Role.ASSISTANT, content, null, null, reasoning, false);
    }

    public static TranscriptMessage toolCall(ToolCall call, @Nullable String reasoning, boolean incomplete) {
        return new TranscriptMessage(Role.ASSISTANT, null, List.of(call), null, reasoning, incomplete);
    }

    public static TranscriptMessage toolResult(String callId, String content, boolean incomplete) {
        return new TranscriptMessage(Role.TOOL, content, null, callId, null, incomplete);
    }

    /** The chat-shape JSON of this message. */
    public String toJson() {
        return Json.write(this);
    }
}
