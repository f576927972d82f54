package dev.codexbridge.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One scripted answer of the {@link ScriptedModelServer} to one {@code POST /v1/responses}: an SSE
 * stream of Responses API events, or a plain HTTP error.
 */
public sealed interface ModelReply {

    /** An SSE body: {@code event: TYPE\ndata: JSON\n\n} per event. */
    record Stream(List<JsonNode> events) implements ModelReply {
        public Stream {
            events = List.copyOf(events);
        }

        /** The SSE wire bytes of this stream. */
        public byte[] body() {
            StringBuilder sb = new StringBuilder();
            for (JsonNode event : events) {
                sb.append("event: ").append(event.path("type").asText()).append('\n')
                        .append("data: ").append(Json.write(event)).append("\n\n");
            }
            return sb.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** A non-streaming HTTP error, e.g. 429 with {@code retry-after} or 500. */
    record HttpError(int status, Map<String, String> headers, String body) implements ModelReply {
        public HttpError {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(body, "body");
        }
    }

    static Builder builder() {
        return new Builder("resp-" + Builder.SEQUENCE.incrementAndGet());
    }

    static Builder builder(String responseId) {
        return new Builder(responseId);
    }

    /** A reply that is just an assistant message, streamed as deltas. */
    static ModelReply message(String text) {
        return builder().message(text).build();
    }

    static ModelReply httpError(int status, String message) {
        ObjectNode body = Json.object();
        body.putObject("error").put("message", message).put("type", "server_error");
        return new HttpError(status, Map.of("content-type", "application/json"), Json.write(body));
    }

    static ModelReply tooManyRequests(Duration retryAfter) {
        ObjectNode body = Json.object();
        body.putObject("error").put("message", "Rate limit reached").put("type", "rate_limit_exceeded");
        return new HttpError(429, Map.of("content-type", "application/json",
                "retry-after", Long.toString(Math.max(0, retryAfter.toSeconds()))), Json.write(body));
    }

    /**
     * Builds one model response out of output items, in order. Ends with
     * {@code response.completed} unless {@link #failed} or {@link #cutBeforeCompleted} is used.
     */
    final class Builder {
        static final AtomicLong SEQUENCE = new AtomicLong();
        /** Beyond this length of {@code mcp__<server>__<tool>} codex cuts the tool name and adds a hash. */
        private static final int MAX_MCP_QUALIFIED_NAME = 128;

        private final String responseId;
        private final List<JsonNode> events = new ArrayList<>();
        private int items;
        private JsonNode ending;
        private boolean cut;
        private long inputTokens = 10;
        private long outputTokens = 5;
        private boolean loginShell;

        private Builder(String responseId) {
            this.responseId = responseId;
            ObjectNode created = event("response.created");
            created.putObject("response").put("id", responseId);
            events.add(created);
        }

        /** An assistant message streamed in chunks of about {@code text.length()/3}. */
        public Builder message(String text) {
            int chunk = Math.max(1, (text.length() + 2) / 3);
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < text.length(); i += chunk) {
                parts.add(text.substring(i, Math.min(text.length(), i + chunk)));
            }
            return streamedMessage(parts);
        }

        /** An assistant message sent as the given deltas. */
        public Builder streamedMessage(List<String> deltas) {
            String id = "msg-" + responseId + "-" + (++items);
            ObjectNode added = event("response.output_item.added");
            added.set("item", messageItem(id, ""));
            events.add(added);
            StringBuilder full = new StringBuilder();
            for (String d : deltas) {
                ObjectNode delta = event("response.output_text.delta");
                delta.put("delta", d);
                delta.put("item_id", id);
                delta.put("output_index", items - 1);
                delta.put("content_index", 0);
                events.add(delta);
                full.append(d);
            }
            ObjectNode done = event("response.output_item.done");
            done.set("item", messageItem(id, full.toString()));
            events.add(done);
            return this;
        }

        /** An assistant message delivered whole, with no deltas. */
        public Builder wholeMessage(String text) {
            String id = "msg-" + responseId + "-" + (++items);
            ObjectNode done = event("response.output_item.done");
            done.set("item", messageItem(id, text));
            events.add(done);
            return this;
        }

        /**
         * A reasoning item with a summary and raw content, the summary streamed as one delta. The
         * item is announced before its delta, as the Responses API does: codex logs an ERROR for a
         * summary delta that arrives outside an item.
         */
        public Builder reasoning(String summary, @Nullable String content) {
            String id = "rs-" + responseId + "-" + (++items);
            ObjectNode added = event("response.output_item.added");
            ObjectNode opened = added.putObject("item").put("type", "reasoning").put("id", id);
            opened.putArray("summary");
            events.add(added);
            ObjectNode delta = event("response.reasoning_summary_text.delta");
            delta.put("delta", summary);
            delta.put("item_id", id);
            delta.put("summary_index", 0);
            events.add(delta);
            ObjectNode done = event("response.output_item.done");
            ObjectNode item = done.putObject("item");
            item.put("type", "reasoning").put("id", id);
            item.putArray("summary").addObject().put("type", "summary_text").put("text", summary);
            ArrayNode c = item.putArray("content");
            if (content != null) {
                c.addObject().put("type", "reasoning_text").put("text", content);
            }
            events.add(done);
            return this;
        }

        /**
         * Whether scripted commands run in a login shell ({@code bash -lc}, what a model that omits
         * {@code login} gets). Off by default so the user's dotfiles cannot slow or hang a run.
         */
        public Builder loginShell(boolean login) {
            this.loginShell = login;
            return this;
        }

        /** The model calls {@code exec_command} with {@code cmd}. */
        public Builder execCommand(String callId, String cmd) {
            return functionCall(callId, null, "exec_command", commandArgs(cmd));
        }

        /**
         * The model calls {@code exec_command} asking to run outside the sandbox, which makes codex
         * ask for approval under {@code on-request}.
         */
        public Builder execCommandEscalated(String callId, String cmd, String justification) {
            ObjectNode args = commandArgs(cmd)
                    .put("sandbox_permissions", "require_escalated")
                    .put("justification", justification);
            return functionCall(callId, null, "exec_command", args);
        }

        /** The model applies a patch ({@code *** Begin Patch … *** End Patch}) through exec_command. */
        public Builder applyPatch(String callId, String patch) {
            String body = patch.endsWith("\n") ? patch : patch + "\n";
            return execCommand(callId, "apply_patch <<'EOF'\n" + body + "EOF\n");
        }

        /**
         * The model calls tool {@code tool} of MCP server {@code server}, both as the server and
         * codex's config name them (e.g. server {@code my-tools}, tool {@code get-sum}). Codex shows
         * MCP tools to the model under other names — namespace {@code mcp__<server>}, function
         * {@code <tool>}, each character outside {@code [A-Za-z0-9_]} replaced by {@code _}
         * ({@code mcp__my_tools} / {@code get_sum}) — and answers a call under any other name with
         * {@code "unsupported call: …"}, so this sends the names codex shows ({@link #mcpModelName}).
         *
         * <p>Two tools whose mapped names collide (e.g. {@code get-sum} and {@code get_sum}), and tools
         * whose {@code mcp__<server>__<tool>} would exceed 128 characters, get a hash suffix from codex
         * that the test kit does not reproduce: script those with {@link #functionCall} and the name
         * from {@link RecordedRequest#body()}'s {@code tools}. The latter is refused here.
         */
        public Builder mcpCall(String callId, String server, String tool, JsonNode arguments) {
            String namespace = "mcp__" + mcpModelName(server);
            String name = mcpModelName(tool);
            if (namespace.length() + 2 + name.length() > MAX_MCP_QUALIFIED_NAME) {
                throw new IllegalArgumentException("codex shortens " + namespace + "__" + name + " with a hash suffix;"
                        + " script it with functionCall and the name from the recorded request's tools");
            }
            return functionCall(callId, namespace, name, arguments);
        }

        /** Codex's rule for an MCP server or tool name shown to the model: each code point outside {@code [A-Za-z0-9_]} becomes {@code _}. */
        public static String mcpModelName(String name) {
            StringBuilder sb = new StringBuilder();
            name.codePoints().forEach(c -> sb.append(c < 128 && (Character.isLetterOrDigit(c) || c == '_') ? (char) c : '_'));
            return sb.toString();
        }

        /** The model calls a dynamic tool registered at {@code thread/start}. */
        public Builder dynamicToolCall(String callId, String tool, JsonNode arguments) {
            return functionCall(callId, null, tool, arguments);
        }

        /** {@link #dynamicToolCall} with the arguments as JSON text, for a test without Jackson 2 in its own code. */
        public Builder dynamicToolCallJson(String callId, String tool, String arguments) {
            return dynamicToolCall(callId, tool, Json.parseHostJson(arguments, "arguments", true));
        }

        /** Any function call; {@code arguments} is sent as a JSON string, as the API does. */
        public Builder functionCall(String callId, @Nullable String namespace, String name, JsonNode arguments) {
            items++;
            ObjectNode done = event("response.output_item.done");
            ObjectNode item = done.putObject("item");
            item.put("type", "function_call").put("call_id", callId);
            if (namespace != null) {
                item.put("namespace", namespace);
            }
            item.put("name", name).put("arguments", Json.write(arguments));
            events.add(done);
            return this;
        }

        /** Any output item, sent as {@code response.output_item.done} (e.g. a {@code web_search_call}). */
        public Builder rawItem(JsonNode item) {
            items++;
            ObjectNode done = event("response.output_item.done");
            done.set("item", item);
            events.add(done);
            return this;
        }

        /** Token counts reported in {@code response.completed}. */
        public Builder usage(long input, long output) {
            this.inputTokens = input;
            this.outputTokens = output;
            return this;
        }

        /** Ends with {@code response.failed} (e.g. {@code context_length_exceeded}) instead of completing. */
        public Builder failed(String code, String message) {
            ObjectNode failed = event("response.failed");
            ObjectNode response = failed.putObject("response");
            response.put("id", responseId);
            response.putObject("error").put("code", code).put("message", message);
            this.ending = failed;
            return this;
        }

        /** Ends the stream without {@code response.completed}, as a dropped connection would. */
        public Builder cutBeforeCompleted() {
            this.cut = true;
            return this;
        }

        public ModelReply build() {
            List<JsonNode> all = new ArrayList<>(events);
            if (!cut) {
                all.add(ending != null ? ending : completed());
            }
            return new Stream(all);
        }

        private JsonNode completed() {
            ObjectNode completed = event("response.completed");
            ObjectNode response = completed.putObject("response");
            response.put("id", responseId);
            ObjectNode usage = response.putObject("usage");
            usage.put("input_tokens", inputTokens);
            usage.putNull("input_tokens_details");
            usage.put("output_tokens", outputTokens);
            usage.putNull("output_tokens_details");
            usage.put("total_tokens", inputTokens + outputTokens);
            return completed;
        }

        private ObjectNode commandArgs(String cmd) {
            ObjectNode args = Json.object().put("cmd", cmd);
            if (!loginShell) {
                args.put("login", false);
            }
            return args;
        }

        private static ObjectNode messageItem(String id, String text) {
            ObjectNode item = Json.object();
            item.put("type", "message").put("role", "assistant").put("id", id);
            item.putArray("content").addObject().put("type", "output_text").put("text", text);
            return item;
        }

        private static ObjectNode event(String type) {
            return Json.object().put("type", type);
        }
    }
}
