package dev.codexbridge.transcript;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.Methods;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one turn's item notifications into {@link TranscriptMessage}s. One projector per turn; not
 * thread-safe (the turn's thread feeds it, in arrival order).
 *
 * <ul>
 *   <li>Only {@code item/completed} produces messages. {@code item/started} and agent-message
 *       deltas are only remembered, so that {@link #finish()} can close what never completed
 *       (interrupt, failure) with messages marked incomplete: the transcript never holds a tool
 *       call without its result.</li>
 *   <li>A tool-shaped item gives exactly one assistant message with one tool call, then one tool
 *       message with the same id. Ids are deterministic from the item (its id, or a hash of its
 *       content when it has none) and unique within the turn.</li>
 *   <li>Reasoning is attached to the next assistant message. Arguments are {@link CanonicalJson}.</li>
 * </ul>
 * The projection of every item type is tabulated in {@code docs/transcript.md}.
 */
public final class ItemProjector {
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern UNSAFE_CHARS = Pattern.compile("[^A-Za-z0-9_-]");
    private static final int MAX_PARTIAL_CHARS = 1 << 20;

    private final ProjectorOptions options;
    private final List<TranscriptMessage> messages = new ArrayList<>();
    private final List<String> pendingReasoning = new ArrayList<>();
    private final Map<String, JsonNode> open = new LinkedHashMap<>();
    private final Map<String, StringBuilder> partialText = new HashMap<>();
    private final Set<String> issuedIds = new HashSet<>();
    private int toolIterations;
    private String finalText;
    private boolean finalIsAnswer;

    public ItemProjector() {
        this(ProjectorOptions.DEFAULT);
    }

    public ItemProjector(ProjectorOptions options) {
        this.options = options;
    }

    /** Feeds one notification; returns the messages it produced (usually none or two). */
    public List<TranscriptMessage> onNotification(String method, JsonNode params) {
        switch (method) {
            case Methods.ITEM_STARTED -> {
                started(params.path("item"));
                return List.of();
            }
            case Methods.ITEM_COMPLETED -> {
                return completed(params.path("item"));
            }
            case Methods.AGENT_MESSAGE_DELTA -> {
                delta(params.path("itemId").asText(""), params.path("delta").asText(""));
                return List.of();
            }
            default -> {
                return List.of();
            }
        }
    }

    /** Remembers an item that started, in case it never completes. */
    public void started(JsonNode item) {
        String id = item.path("id").asText("");
        if (!id.isEmpty()) {
            open.put(id, item);
        }
    }

    /** Remembers streamed agent text, used only if the message never completes. */
    public void delta(String itemId, String delta) {
        if (itemId.isEmpty()) {
            return;
        }
        StringBuilder sb = partialText.computeIfAbsent(itemId, k -> new StringBuilder());
        if (sb.length() < MAX_PARTIAL_CHARS) {
            sb.append(delta, 0, Math.min(delta.length(), MAX_PARTIAL_CHARS - sb.length()));
        }
    }

    /** Projects a completed item. */
    public List<TranscriptMessage> completed(JsonNode item) {
        String id = item.path("id").asText("");
        open.remove(id);
        partialText.remove(id);
        return project(item, false);
    }

    /**
     * Ends the turn: items that started but never completed are projected now, marked incomplete
     * (an agent message with the text streamed so far). Returns those messages.
     */
    public List<TranscriptMessage> finish() {
        List<TranscriptMessage> out = new ArrayList<>();
        for (JsonNode item : new ArrayList<>(open.values())) {
            String id = item.path("id").asText("");
            JsonNode closing = item;
            StringBuilder partial = partialText.remove(id);
            if ("agentMessage".equals(item.path("type").asText()) && partial != null && item.path("text").asText("").isEmpty()) {
                closing = ((ObjectNode) item.deepCopy()).put("text", partial.toString());
            }
            out.addAll(project(closing, true));
        }
        open.clear();
        return out;
    }

    /** Every message so far, in order. */
    public List<TranscriptMessage> messages() {
        return List.copyOf(messages);
    }

    /** Tool-shaped items seen (commands, file changes, MCP, dynamic tools, web searches, …). */
    public int toolIterations() {
        return toolIterations;
    }

    /** The turn's answer: the last agent message marked {@code final_answer}, else the last agent message. */
    public String finalText() {
        return finalText;
    }

    private List<TranscriptMessage> project(JsonNode item, boolean incomplete) {
        String type = item.path("type").asText("");
        List<TranscriptMessage> out = switch (type) {
            case "userMessage" -> List.of(TranscriptMessage.user(userText(item.path("content"))));
            case "hookPrompt" -> List.of(TranscriptMessage.user("[hook] " + joinTexts(item.path("fragments"))));
            case "agentMessage" -> agentMessage(item, incomplete);
            case "reasoning" -> {
                addAll(pendingReasoning, item.path("summary"));
                addAll(pendingReasoning, item.path("content"));
                yield List.of();
            }
            case "contextCompaction" -> List.of();
            case "commandExecution" -> tool(item, "exec", "exec_command", commandArgs(item), commandResult(item, incomplete), incomplete);
            case "fileChange" -> tool(item, "apply_patch", "apply_patch", fileChangeArgs(item), fileChangeResult(item, incomplete), incomplete);
            case "mcpToolCall" -> tool(item, "mcp_" + safe(item.path("server").asText("mcp")) + "_" + safe(item.path("tool").asText("unknown")),
                    "mcp." + item.path("server").asText("mcp") + "." + item.path("tool").asText("unknown"),
                    argsOf(item.path("arguments")), mcpResult(item, incomplete), incomplete);
            case "dynamicToolCall" -> tool(item, "dyn_" + safe(item.path("tool").asText("unknown")), dynamicName(item),
                    argsOf(item.path("arguments")), dynamicResult(item, incomplete), incomplete);
            case "webSearch" -> tool(item, "web_search", "web_search", webSearchArgs(item), webSearchResult(item, incomplete), incomplete);
            case "imageView" -> tool(item, "view_image", "view_image", Json.object().put("path", item.path("path").asText("")),
                    incomplete ? "[incomplete]" : "[image viewed]", incomplete);
            case "imageGeneration" -> tool(item, "image_gen", "image_generation", imageGenerationArgs(item),
                    imageGenerationResult(item, incomplete), incomplete);
            case "collabAgentToolCall", "collabToolCall" -> tool(item, "collab", "collab." + item.path("tool").asText("unknown"),
                    collabArgs(item), collabResult(item, incomplete), incomplete);
            case "plan" -> note("[codex plan] " + item.path("text").asText(""));
            case "enteredReviewMode" -> note("[codex review started] " + item.path("review").asText(""));
            case "exitedReviewMode" -> note("[codex review finished] " + item.path("review").asText(""));
            case "subAgentActivity" -> note("[codex sub-agent " + item.path("kind").asText("activity") + "] "
                    + item.path("agentPath").asText(item.path("agentThreadId").asText("")));
            case "sleep" -> note("[codex sleep] " + item.path("durationMs").asText("?") + " ms");
            default -> note("[codex " + type + "] " + CanonicalJson.write(item));
        };
        messages.addAll(out);
        return out;
    }

    private List<TranscriptMessage> agentMessage(JsonNode item, boolean incomplete) {
        String text = item.path("text").asText("");
        boolean answer = "final_answer".equals(item.path("phase").asText(""));
        if (answer || !finalIsAnswer) {
            finalText = text;
            finalIsAnswer = answer;
        }
        return List.of(new TranscriptMessage(TranscriptMessage.Role.ASSISTANT, text, null, null, takeReasoning(), incomplete));
    }

    private List<TranscriptMessage> tool(JsonNode item, String kind, String name, JsonNode args, String result, boolean incomplete) {
        toolIterations++;
        String id = callId(kind, item);
        TranscriptMessage.ToolCall call = TranscriptMessage.ToolCall.function(id, name, CanonicalJson.write(args));
        return List.of(TranscriptMessage.toolCall(call, takeReasoning(), incomplete),
                TranscriptMessage.toolResult(id, result, incomplete));
    }

    private List<TranscriptMessage> note(String text) {
        return List.of(TranscriptMessage.assistant(ProjectorOptions.truncate(text, options.maxNoteChars()), null));
    }

    private String takeReasoning() {
        if (pendingReasoning.isEmpty()) {
            return null;
        }
        String r = String.join("\n", pendingReasoning);
        pendingReasoning.clear();
        return r;
    }

    // ---------------------------------------------------------------- ids

    /**
     * {@code codex_<kind>_<item id>}; an id with characters some chat APIs refuse is cleaned and
     * suffixed with its hash; an item without id gets a hash of its content. A repeat within the
     * turn gets {@code _2}, {@code _3}, … so ids stay unique and still replay identically.
     */
    String callId(String kind, JsonNode item) {
        String itemId = item.path("id").asText("");
        String base;
        if (itemId.isEmpty()) {
            ObjectNode content = ((ObjectNode) item.deepCopy());
            content.remove(List.of("startedAtMs", "completedAtMs", "durationMs"));
            base = "codex_" + kind + "_" + sha256(CanonicalJson.write(content)).substring(0, 16);
        } else {
            base = "codex_" + kind + "_" + safe(itemId);
        }
        String id = base;
        for (int n = 2; !issuedIds.add(id); n++) {
            id = base + "_" + n;
        }
        return id;
    }

    private static String safe(String s) {
        if (SAFE_ID.matcher(s).matches()) {
            return s;
        }
        return UNSAFE_CHARS.matcher(s).replaceAll("_") + "_" + sha256(s).substring(0, 8);
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(64);
            for (byte b : d) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    // ---------------------------------------------------------------- per-type content

    private static String userText(JsonNode content) {
        List<String> parts = new ArrayList<>();
        for (JsonNode part : content) {
            String t = part.path("type").asText("");
            switch (t) {
                case "text" -> parts.add(part.path("text").asText(""));
                case "image" -> parts.add("[image]");
                case "localImage" -> parts.add("[image: " + part.path("path").asText("") + "]");
                case "audio" -> parts.add("[audio]");
                case "localAudio" -> parts.add("[audio: " + part.path("path").asText("") + "]");
                case "skill" -> parts.add("[skill: " + part.path("name").asText("") + "]");
                case "mention" -> parts.add("[mention: " + part.path("name").asText("") + "]");
                default -> parts.add(part.has("text") ? part.path("text").asText("") : "[" + t + "]");
            }
        }
        return String.join("\n", parts);
    }

    private static String joinTexts(JsonNode fragments) {
        List<String> parts = new ArrayList<>();
        for (JsonNode f : fragments) {
            parts.add(f.isTextual() ? f.asText() : f.path("text").asText(""));
        }
        return String.join("\n", parts);
    }

    private static JsonNode commandArgs(JsonNode item) {
        return Json.object().put("command", item.path("command").asText("")).put("cwd", item.path("cwd").asText(""));
    }

    private String commandResult(JsonNode item, boolean incomplete) {
        String status = item.path("status").asText("");
        String output = item.path("aggregatedOutput").asText("");
        StringBuilder sb = new StringBuilder();
        if (incomplete) {
            sb.append("[incomplete: the turn ended before the command finished]\n");
        } else if ("declined".equals(status)) {
            sb.append("[declined: the command was not run]\n");
        } else if (item.hasNonNull("exitCode") && item.path("exitCode").asInt() != 0) {
            sb.append("[exit ").append(item.path("exitCode").asInt()).append("]\n");
        } else if ("failed".equals(status)) {
            sb.append("[failed]\n");
        }
        String text = output.isEmpty() && sb.length() > 0 ? sb.substring(0, sb.length() - 1) : sb + output;
        return ProjectorOptions.truncate(text, options.maxToolOutputChars());
    }

    private static JsonNode fileChangeArgs(JsonNode item) {
        ObjectNode args = Json.object();
        ArrayNode changes = args.putArray("changes");
        for (JsonNode c : item.path("changes")) {
            ObjectNode change = changes.addObject().put("kind", FileChangeSummary.kindOf(c)).put("path", c.path("path").asText(""));
            String move = c.path("kind").path("move_path").asText("");
            if (!move.isEmpty()) {
                change.put("move_path", move);
            }
        }
        return args;
    }

    private static String fileChangeResult(JsonNode item, boolean incomplete) {
        String status = incomplete ? "incomplete" : item.path("status").asText("unknown");
        String prefix = switch (status) {
            case "declined" -> "[declined: the patch was not applied] ";
            case "failed" -> "[failed] ";
            case "incomplete" -> "[incomplete: the turn ended before the patch was applied] ";
            default -> "";
        };
        return prefix + "apply_patch " + status + ": " + FileChangeSummary.of(item.path("changes"));
    }

    private static JsonNode argsOf(JsonNode arguments) {
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

    private String mcpResult(JsonNode item, boolean incomplete) {
        JsonNode error = item.path("error");
        if (!error.isMissingNode() && !error.isNull()) {
            String message = error.has("message") ? error.path("message").asText() : CanonicalJson.write(error);
            return "[error] " + ProjectorOptions.truncate(message, options.maxErrorChars());
        }
        JsonNode result = item.path("result");
        if (result.isMissingNode() || result.isNull()) {
            return incomplete ? "[incomplete: the turn ended before the tool answered]" : "";
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode c : result.path("content")) {
            parts.add("text".equals(c.path("type").asText()) ? c.path("text").asText("") : CanonicalJson.write(c));
        }
        if (parts.isEmpty() && result.hasNonNull("structuredContent")) {
            parts.add(CanonicalJson.write(result.get("structuredContent")));
        }
        String text = parts.isEmpty() ? CanonicalJson.write(result) : String.join("\n", parts);
        return ProjectorOptions.truncate(text, options.maxToolOutputChars());
    }

    private static String dynamicName(JsonNode item) {
        String tool = item.path("tool").asText("unknown");
        String ns = item.path("namespace").asText("");
        return ns.isEmpty() ? tool : ns + "." + tool;
    }

    private String dynamicResult(JsonNode item, boolean incomplete) {
        List<String> parts = new ArrayList<>();
        for (JsonNode c : item.path("contentItems")) {
            switch (c.path("type").asText("")) {
                case "inputText" -> parts.add(c.path("text").asText(""));
                case "inputImage" -> parts.add("[image]");
                case "inputAudio" -> parts.add("[audio]");
                default -> parts.add(CanonicalJson.write(c));
            }
        }
        JsonNode success = item.path("success");
        String outcome = success.isBoolean() ? "success=" + success.booleanValue() : "success=unknown";
        if (incomplete) {
            return "[incomplete: the turn ended before the tool answered]";
        }
        if (parts.isEmpty()) {
            return outcome;
        }
        String text = String.join("\n", parts);
        return ProjectorOptions.truncate(success.isBoolean() && !success.booleanValue() ? "[failed]\n" + text : text,
                options.maxToolOutputChars());
    }

    private static JsonNode webSearchArgs(JsonNode item) {
        ObjectNode args = Json.object().put("query", item.path("query").asText(""));
        if (item.hasNonNull("action")) {
            args.set("action", item.get("action"));
        }
        return args;
    }

    private String webSearchResult(JsonNode item, boolean incomplete) {
        if (incomplete) {
            return "[incomplete]";
        }
        JsonNode results = item.path("results");
        if (results.isMissingNode() || results.isNull() || results.isEmpty()) {
            return "searched: " + item.path("query").asText("");
        }
        return ProjectorOptions.truncate(CanonicalJson.write(results), options.maxToolOutputChars());
    }

    private static JsonNode imageGenerationArgs(JsonNode item) {
        return Json.object().put("prompt", item.path("revisedPrompt").asText(""));
    }

    private static String imageGenerationResult(JsonNode item, boolean incomplete) {
        if (incomplete) {
            return "[incomplete]";
        }
        String status = item.path("status").asText("unknown");
        if (item.hasNonNull("failure")) {
            return "[failed] " + (item.get("failure").isTextual() ? item.get("failure").asText() : CanonicalJson.write(item.get("failure")));
        }
        return "image_generation " + status + (item.hasNonNull("savedPath") ? ": " + item.get("savedPath").asText() : "");
    }

    private static JsonNode collabArgs(JsonNode item) {
        ObjectNode args = Json.object();
        for (String key : List.of("prompt", "model", "reasoningEffort", "receiverThreadIds")) {
            if (item.hasNonNull(key)) {
                args.set(key, item.get(key));
            }
        }
        return args;
    }

    private String collabResult(JsonNode item, boolean incomplete) {
        String status = incomplete ? "incomplete" : item.path("status").asText("unknown");
        JsonNode states = item.path("agentsStates");
        String detail = states.isMissingNode() || states.isNull() || states.isEmpty() ? "" : " " + CanonicalJson.write(states);
        return ProjectorOptions.truncate(status + detail, options.maxToolOutputChars());
    }

    private static void addAll(List<String> into, JsonNode texts) {
        for (JsonNode t : texts) {
            String s = t.isTextual() ? t.asText() : t.path("text").asText("");
            if (!s.isEmpty()) {
                into.add(s);
            }
        }
    }
}
