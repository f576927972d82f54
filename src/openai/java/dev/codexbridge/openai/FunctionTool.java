package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One of the caller's function tools, read from either API's {@code tools}: it becomes a codex
 * dynamic tool of the conversation's thread. Its name, description and parameters are the caller's
 * words, sent to codex as a dynamic tool's spec and nothing else: no sandbox, approval policy or
 * setting of codex's is in reach of them.
 *
 * @param parameters the arguments' JSON Schema (an object)
 */
record FunctionTool(String name, String description, JsonNode parameters) {
    /** The names the API allows. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /**
     * Names of codex's own tools (those codex 0.171.0 offers its model, and the ones other
     * configurations add): a caller's tool of the same name would be shadowed by codex's, never
     * called, so it is refused.
     */
    static final Set<String> CODEX_OWN = Set.of("exec_command", "write_stdin", "shell", "shell_command", "local_shell", "apply_patch",
            "update_plan", "view_image", "web_search", "image_generation", "request_user_input", "read_file", "list_dir", "grep_files",
            "multi_agent_v1", "spawn_agent", "send_input", "close_agent", "get_goal", "create_goal", "update_goal");
    /** {@code tool_choice} values codex can honour: it decides itself whether to call a tool, and the door can forbid every call. */
    static final Set<String> CHOICES = Set.of("auto", "none");

    /** The Responses API's {@code tools}: {@code {type: "function", name, description, parameters, strict}}. */
    static List<FunctionTool> ofResponses(JsonNode body) {
        return read(body, false);
    }

    /** Chat Completions' {@code tools}: {@code {type: "function", function: {name, description, parameters}}}. */
    static List<FunctionTool> ofChat(JsonNode body) {
        return read(body, true);
    }

    private static List<FunctionTool> read(JsonNode body, boolean nested) {
        JsonNode tools = body.get("tools");
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw OpenAiError.invalid("tools", "tools must be a list");
        }
        List<FunctionTool> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            String param = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            String type = t.path("type").asText("");
            if (!nested && type.equals("mcp")) {
                if (!t.path("server_label").asText("").equals(OutputItems.CODEX)) {
                    throw OpenAiError.unsupported(param + ".server_label", "this server connects no MCP server for a caller: an mcp "
                            + "tool can only be server_label \"codex\", which says the caller answers codex's approvals");
                }
                continue;
            }
            if (!type.equals("function")) {
                throw OpenAiError.unsupported(param + ".type", "tools of type '" + type + "' are not supported by this server: codex "
                        + "runs its own tools (commands, file changes, web search, MCP) by the host's configuration; give function tools");
            }
            JsonNode f = nested ? t.path("function") : t;
            String at = nested ? param + ".function" : param;
            String name = f.path("name").asText("");
            if (!NAME.matcher(name).matches()) {
                throw OpenAiError.invalid(at + ".name", "a function's name is 1 to 64 letters, digits, '_' or '-'");
            }
            if (CODEX_OWN.contains(name)) {
                throw OpenAiError.invalid(at + ".name", "'" + name + "' is the name of one of codex's own tools: codex would call its own, "
                        + "never this one; name it otherwise");
            }
            if (out.stream().anyMatch(o -> o.name().equals(name))) {
                throw OpenAiError.invalid(at + ".name", "two tools are named '" + name + "'");
            }
            JsonNode description = f.get("description");
            JsonNode parameters = f.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                throw OpenAiError.invalid(at + ".parameters", "a function's parameters are a JSON Schema object");
            }
            out.add(new FunctionTool(name, description == null || description.isNull() ? "" : description.asText(),
                    parameters == null || parameters.isNull() ? Json.object().put("type", "object") : parameters));
        }
        return List.copyOf(out);
    }

    /**
     * Whether the request declares that its caller answers codex's approvals: an {@code mcp} tool on
     * server label {@code codex} (the OpenAI Agents SDK's {@code hostedMcpTool({serverLabel: "codex"})},
     * whose approval flow then answers each {@code mcp_approval_request}).
     */
    static boolean answersApprovals(JsonNode body) {
        for (JsonNode t : body.path("tools")) {
            if (t.path("type").asText("").equals("mcp") && t.path("server_label").asText("").equals(OutputItems.CODEX)) {
                return true;
            }
        }
        return false;
    }

    /** {@code tool_choice}: {@code auto} (default) or {@code none}; {@code required} or a named function is refused. */
    static String choice(JsonNode body) {
        JsonNode choice = body.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return "auto";
        }
        if (choice.isTextual() && CHOICES.contains(choice.asText())) {
            return choice.asText();
        }
        throw OpenAiError.unsupported("tool_choice", "tool_choice can be auto or none: codex decides itself whether to call a tool, "
                + "and cannot be made to call one");
    }

    /** The names of {@code tools}, for comparing a request's tools with those of its conversation's thread. */
    static List<String> names(@Nullable List<FunctionTool> tools) {
        return tools == null ? List.of() : tools.stream().map(FunctionTool::name).sorted().toList();
    }
}
