package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CommandExecutionStatus;
import dev.codexbridge.protocol.DynamicToolCallOutputContentItem;
import dev.codexbridge.protocol.PatchApplyStatus;
import dev.codexbridge.protocol.ThreadItem;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Codex's items as Responses API output items, in the closest types the API has (decision 0112):
 * an agent message is a {@code message} with one {@code output_text} part, reasoning a
 * {@code reasoning} item with its summary, and what codex ran itself — a command, a file change,
 * an MCP or host tool call — an {@code mcp_call}, the API's item for a tool the server ran (on
 * server label {@code codex} for codex's own commands and patches). {@code shell_call} and
 * {@code apply_patch_call} would name them more closely, but in the API those ask the client to
 * run something: an SDK would run the command again on the caller's machine, or fail for want of
 * the tool. A web search is a {@code web_search_call}. Codex's other items (plans, compaction,
 * the user's own message) are not output.
 */
final class OutputItems {
    /** The server label of codex's own commands and file changes. */
    static final String CODEX = "codex";

    private OutputItems() {
    }

    /** The item id for codex's item {@code codexId}, with the API's prefix for its type. */
    static String id(String prefix, String codexId) {
        return codexId.startsWith(prefix) ? codexId : prefix + codexId;
    }

    static ObjectNode message(String id, String text, String status) {
        ObjectNode m = Json.object();
        m.put("id", id).put("type", "message").put("status", status).put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (text != null) {
            content.add(textPart(text));
        }
        return m;
    }

    static ObjectNode textPart(String text) {
        ObjectNode part = Json.object().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    static ObjectNode reasoning(ThreadItem.Reasoning r, String status) {
        ObjectNode item = Json.object().put("id", id("rs_", r.id())).put("type", "reasoning");
        ArrayNode summary = item.putArray("summary");
        for (String s : orEmpty(r.summary())) {
            summary.addObject().put("type", "summary_text").put("text", s);
        }
        if (!orEmpty(r.content()).isEmpty()) {
            ArrayNode content = item.putArray("content");
            r.content().forEach(c -> content.addObject().put("type", "reasoning_text").put("text", c));
        }
        item.put("status", status);
        return item;
    }

    /** The item codex's {@code item} becomes while it runs or once done ({@code done}); null when it is no output. */
    static @Nullable ObjectNode tool(ThreadItem item, boolean done) {
        if (item instanceof ThreadItem.CommandExecution c) {
            ObjectNode args = Json.object().put("command", c.command()).put("cwd", c.cwd());
            boolean failed = c.status() == CommandExecutionStatus.FAILED || c.status() == CommandExecutionStatus.DECLINED
                    || c.exitCode() != null && c.exitCode() != 0;
            String error = !done || !failed ? null : c.status() == CommandExecutionStatus.DECLINED ? "declined by the approval policy"
                    : "exit code " + c.exitCode();
            return mcpCall(id("mcp_", c.id()), CODEX, "exec_command", args, done ? nonNull(c.aggregatedOutput()) : null, error, done);
        }
        if (item instanceof ThreadItem.FileChange f) {
            ObjectNode args = Json.object();
            args.set("changes", Json.tree(f.changes() == null ? List.of() : f.changes()));
            boolean failed = f.status() == PatchApplyStatus.FAILED || f.status() == PatchApplyStatus.DECLINED;
            String error = done && failed ? (f.status() == PatchApplyStatus.DECLINED ? "declined by the approval policy" : "not applied")
                    : null;
            return mcpCall(id("mcp_", f.id()), CODEX, "apply_patch", args, done && !failed ? "applied" : null, error, done);
        }
        if (item instanceof ThreadItem.McpToolCall m) {
            String output = null;
            if (done && m.result() != null) {
                output = texts(m.result().content());
            }
            return mcpCall(id("mcp_", m.id()), nonNull(m.server()), nonNull(m.tool()), m.arguments(), output,
                    done && m.error() != null ? m.error().message() : null, done);
        }
        if (item instanceof ThreadItem.DynamicToolCall d) {
            StringBuilder out = new StringBuilder();
            if (d.contentItems() != null) {
                d.contentItems().stream().filter(ci -> ci instanceof DynamicToolCallOutputContentItem.InputText)
                        .forEach(ci -> out.append(((DynamicToolCallOutputContentItem.InputText) ci).text()));
            }
            String error = done && Boolean.FALSE.equals(d.success()) ? "the tool failed" : null;
            return mcpCall(id("mcp_", d.id()), d.namespace() == null ? "host" : d.namespace(), nonNull(d.tool()), d.arguments(),
                    done ? out.toString() : null, error, done);
        }
        if (item instanceof ThreadItem.WebSearch w) {
            ObjectNode search = Json.object().put("id", id("ws_", w.id())).put("type", "web_search_call")
                    .put("status", done ? "completed" : "in_progress");
            search.putObject("action").put("type", "search").put("query", nonNull(w.query()));
            return search;
        }
        return null;
    }

    /** A call of the caller's function tool: codex waits for its output in the caller's next request. */
    static ObjectNode functionCall(HeldTurn.Call c, String status, String arguments) {
        return Json.object().put("id", id("fc_", c.id())).put("type", "function_call").put("status", status).put("call_id", c.id())
                .put("name", c.name()).put("arguments", arguments);
    }

    /**
     * Codex's approval request as the API's {@code mcp_approval_request} on server label
     * {@code codex}: named for what codex asks ({@code exec_command}, {@code apply_patch},
     * {@code request_permissions}, an MCP tool's name), its {@code arguments} a JSON string
     * describing it.
     */
    static ObjectNode approvalRequest(HeldTurn.Approval a) {
        ApprovalRequest r = a.request();
        String name = switch (r.kind()) {
            case COMMAND, LEGACY_COMMAND -> "exec_command";
            case FILE_CHANGE, LEGACY_PATCH -> "apply_patch";
            case PERMISSIONS -> "request_permissions";
            case MCP_TOOL_CALL -> r.toolName() == null ? "mcp_tool_call" : r.toolName();
            default -> "approval";
        };
        ObjectNode args = Json.object().put("title", r.title()).put("description", r.description());
        if (r.command() != null) {
            args.put("command", r.command());
        }
        if (r.cwd() != null) {
            args.put("cwd", r.cwd());
        }
        if (r.reason() != null) {
            args.put("reason", r.reason());
        }
        if (r.serverName() != null) {
            args.put("server", r.serverName());
        }
        return Json.object().put("id", a.id()).put("type", "mcp_approval_request").put("server_label", CODEX).put("name", name)
                .put("arguments", Json.write(args));
    }

    private static ObjectNode mcpCall(String id, String server, String name, @Nullable JsonNode arguments, @Nullable String output,
            @Nullable String error, boolean done) {
        ObjectNode call = Json.object().put("id", id).put("type", "mcp_call").put("server_label", server).put("name", name)
                // a JSON string, as the API gives every call's arguments
                .put("arguments", arguments == null || arguments.isNull() ? "{}" : Json.write(arguments));
        if (done) {
            call.put("output", output);
            call.put("error", error);
        }
        call.put("status", !done ? "in_progress" : error != null ? "failed" : "completed");
        return call;
    }

    private static String texts(@Nullable List<JsonNode> content) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : orEmpty(content)) {
            if (c.path("type").asText().equals("text")) {
                sb.append(c.path("text").asText());
            }
        }
        return sb.toString();
    }

    private static <T> List<T> orEmpty(@Nullable List<T> list) {
        return list == null ? List.of() : list;
    }

    private static String nonNull(@Nullable String s) {
        return s == null ? "" : s;
    }
}
