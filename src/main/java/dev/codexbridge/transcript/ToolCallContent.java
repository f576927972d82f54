package dev.codexbridge.transcript;

import static dev.codexbridge.transcript.WireValues.orEmpty;
import static dev.codexbridge.transcript.WireValues.text;
import static dev.codexbridge.transcript.WireValues.wire;
import static dev.codexbridge.transcript.WireValues.wireJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CollabAgentState;
import dev.codexbridge.protocol.CommandExecutionStatus;
import dev.codexbridge.protocol.DynamicToolCallOutputContentItem;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.FileUpdateChange;
import dev.codexbridge.protocol.ImageGenerationFailure;
import dev.codexbridge.protocol.McpToolCallError;
import dev.codexbridge.protocol.McpToolCallResult;
import dev.codexbridge.protocol.PatchChangeKind;
import dev.codexbridge.protocol.ThreadItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What each tool-shaped item says as a call: its arguments (a JSON object, written as
 * {@link CanonicalJson} by the caller) and its result text, cut to the {@link ProjectorOptions}
 * limits. {@code incomplete} is an item the turn ended before it completed. Stateless beyond the
 * limits; the table in {@code docs/transcript.md} lists every kind.
 */
final class ToolCallContent {
    private final ProjectorOptions options;

    ToolCallContent(ProjectorOptions options) {
        this.options = options;
    }

    // ---------------------------------------------------------------- commandExecution

    JsonNode commandArgs(ThreadItem.CommandExecution item) {
        return Json.object().put("command", orEmpty(item.command())).put("cwd", orEmpty(item.cwd()));
    }

    String commandResult(ThreadItem.CommandExecution item, boolean incomplete) {
        CommandExecutionStatus status = item.status();
        String output = orEmpty(item.aggregatedOutput());
        StringBuilder sb = new StringBuilder();
        if (incomplete) {
            sb.append("[incomplete: the turn ended before the command finished]\n");
        } else if (status == CommandExecutionStatus.DECLINED) {
            sb.append("[declined: the command was not run]\n");
        } else if (item.exitCode() != null && item.exitCode() != 0) {
            sb.append("[exit ").append(item.exitCode()).append("]\n");
        } else if (status == CommandExecutionStatus.FAILED) {
            sb.append("[failed]\n");
        }
        String text = output.isEmpty() && sb.length() > 0 ? sb.substring(0, sb.length() - 1) : sb + output;
        return ProjectorOptions.truncate(text, options.maxToolOutputChars());
    }

    // ---------------------------------------------------------------- fileChange

    JsonNode fileChangeArgs(ThreadItem.FileChange item) {
        ObjectNode args = Json.object();
        ArrayNode changes = args.putArray("changes");
        for (FileUpdateChange c : changes(item)) {
            ObjectNode change = changes.addObject().put("kind", FileChanges.kind(c.kind())).put("path", orEmpty(c.path()));
            String move = movePath(c.kind());
            if (!move.isEmpty()) {
                change.put("move_path", move);
            }
        }
        return args;
    }

    String fileChangeResult(ThreadItem.FileChange item, boolean incomplete) {
        String status = incomplete ? "incomplete" : wire(item.status(), "unknown");
        String prefix = switch (status) {
            case "declined" -> "[declined: the patch was not applied] ";
            case "failed" -> "[failed] ";
            case "incomplete" -> "[incomplete: the turn ended before the patch was applied] ";
            default -> "";
        };
        return prefix + "apply_patch " + status + ": " + FileChanges.summary(changes(item));
    }

    /** A JSON null in the list is a change of unknown kind and path, as {@link FileChanges} counts it. */
    private static List<FileUpdateChange> changes(ThreadItem.FileChange item) {
        List<FileUpdateChange> out = new ArrayList<>();
        for (FileUpdateChange c : orEmpty(item.changes())) {
            out.add(c == null ? new FileUpdateChange(null, null, null) : c);
        }
        return out;
    }

    private static String movePath(PatchChangeKind kind) {
        if (kind instanceof PatchChangeKind.Update u) {
            return orEmpty(u.movePath());
        }
        return kind instanceof PatchChangeKind.Unknown u ? text(u.raw(), "move_path") : "";
    }

    // ---------------------------------------------------------------- mcpToolCall and dynamicToolCall

    /** Free-form tool arguments as an object: a JSON-object string is parsed, anything else wrapped. */
    JsonNode argsOf(JsonNode arguments) {
        if (arguments == null || arguments.isMissingNode() || arguments.isNull()) {
            return Json.object();
        }
        if (arguments.isObject()) {
            return arguments;
        }
        if (arguments.isTextual()) {
            try {
                JsonNode parsed = Json.parse(arguments.textValue());
                if (parsed.isObject()) {
                    return parsed;
                }
            } catch (RuntimeException notJson) {
                // fall through: wrap the raw value
            }
        }
        return Json.object().set("arguments", arguments);
    }

    String mcpResult(ThreadItem.McpToolCall item, boolean incomplete) {
        McpToolCallError error = item.error();
        if (error != null) {
            String message = error.message() != null ? error.message() : CanonicalJson.write(wireJson(error));
            return "[error] " + ProjectorOptions.truncate(message, options.maxErrorChars());
        }
        McpToolCallResult result = item.result();
        if (result == null) {
            return incomplete ? "[incomplete: the turn ended before the tool answered]" : "";
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode c : orEmpty(result.content())) {
            parts.add("text".equals(text(c, "type")) ? text(c, "text") : CanonicalJson.write(c));
        }
        JsonNode structured = result.structuredContent();
        if (parts.isEmpty() && structured != null && !structured.isNull()) {
            parts.add(CanonicalJson.write(structured));
        }
        String text = parts.isEmpty() ? CanonicalJson.write(wireJson(result)) : String.join("\n", parts);
        return ProjectorOptions.truncate(text, options.maxToolOutputChars());
    }

    String dynamicResult(ThreadItem.DynamicToolCall item, boolean incomplete) {
        if (incomplete) {
            return "[incomplete: the turn ended before the tool answered]";
        }
        List<String> parts = new ArrayList<>();
        for (DynamicToolCallOutputContentItem c : orEmpty(item.contentItems())) {
            if (c instanceof DynamicToolCallOutputContentItem.InputText t) {
                parts.add(orEmpty(t.text()));
            } else if (c instanceof DynamicToolCallOutputContentItem.InputImage) {
                parts.add("[image]");
            } else if (c instanceof DynamicToolCallOutputContentItem.InputAudio) {
                parts.add("[audio]");
            } else {
                parts.add(CanonicalJson.write(wireJson(c)));
            }
        }
        Boolean success = item.success();
        if (parts.isEmpty()) {
            return success == null ? "success=unknown" : "success=" + success;
        }
        String text = String.join("\n", parts);
        return ProjectorOptions.truncate(Boolean.FALSE.equals(success) ? "[failed]\n" + text : text, options.maxToolOutputChars());
    }

    // ---------------------------------------------------------------- webSearch

    JsonNode webSearchArgs(ThreadItem.WebSearch item) {
        ObjectNode args = Json.object().put("query", orEmpty(item.query()));
        if (item.action() != null) {
            args.set("action", wireJson(item.action()));
        }
        return args;
    }

    String webSearchResult(ThreadItem.WebSearch item, boolean incomplete) {
        if (incomplete) {
            return "[incomplete]";
        }
        List<JsonNode> results = item.results();
        if (results == null || results.isEmpty()) {
            return "searched: " + orEmpty(item.query());
        }
        return ProjectorOptions.truncate(CanonicalJson.write(Json.tree(results)), options.maxToolOutputChars());
    }

    // ---------------------------------------------------------------- imageView and imageGeneration

    JsonNode imageViewArgs(ThreadItem.ImageView item) {
        return Json.object().put("path", orEmpty(item.path()));
    }

    String imageViewResult(boolean incomplete) {
        return incomplete ? "[incomplete]" : "[image viewed]";
    }

    JsonNode imageGenerationArgs(ThreadItem.ImageGeneration item) {
        return Json.object().put("prompt", orEmpty(item.revisedPrompt()));
    }

    String imageGenerationResult(ThreadItem.ImageGeneration item, boolean incomplete) {
        if (incomplete) {
            return "[incomplete]";
        }
        ImageGenerationFailure failure = item.failure();
        if (failure != null) {
            JsonNode json = wireJson(failure);
            return "[failed] " + (json.isTextual() ? json.asText() : CanonicalJson.write(json));
        }
        String status = item.status() == null ? "unknown" : item.status();
        return "image_generation " + status + (item.savedPath() != null ? ": " + item.savedPath() : "");
    }

    // ---------------------------------------------------------------- collabAgentToolCall

    /** The call's fields that are present. */
    JsonNode collabArgs(ThreadItem.CollabAgentToolCall call) {
        ObjectNode args = Json.object();
        if (call.prompt() != null) {
            args.put("prompt", call.prompt());
        }
        if (call.model() != null) {
            args.put("model", call.model());
        }
        if (call.reasoningEffort() != null) {
            args.put("reasoningEffort", call.reasoningEffort());
        }
        if (call.receiverThreadIds() != null) {
            args.set("receiverThreadIds", Json.tree(call.receiverThreadIds()));
        }
        return args;
    }

    /** The status, then the agents' states as canonical JSON when there are any. */
    String collabResult(ThreadItem.CollabAgentToolCall call, boolean incomplete) {
        String status = incomplete ? "incomplete" : wire(call.status(), "unknown");
        Map<String, CollabAgentState> states = call.agentsStates();
        String detail = states == null || states.isEmpty() ? "" : " " + CanonicalJson.write(Json.tree(states));
        return ProjectorOptions.truncate(status + detail, options.maxToolOutputChars());
    }
}
