package dev.codexbridge.transcript;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.protocol.AgentMessageDeltaNotification;
import dev.codexbridge.protocol.CollabAgentState;
import dev.codexbridge.protocol.CommandExecutionStatus;
import dev.codexbridge.protocol.DynamicToolCallOutputContentItem;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.FileUpdateChange;
import dev.codexbridge.protocol.HookPromptFragment;
import dev.codexbridge.protocol.ImageGenerationFailure;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ItemStartedNotification;
import dev.codexbridge.protocol.McpToolCallError;
import dev.codexbridge.protocol.McpToolCallResult;
import dev.codexbridge.protocol.MessagePhase;
import dev.codexbridge.protocol.PatchChangeKind;
import dev.codexbridge.protocol.ProtocolDecoder;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.UserInput;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    private static final int MAX_PARTIAL_CHARS = 1 << 20;
    /** The only notifications the projector reads; the JSON entry point decodes nothing else. */
    private static final Set<String> PROJECTED_METHODS = Set.of(ServerNotifications.ITEM_STARTED.method(),
            ServerNotifications.ITEM_COMPLETED.method(), ServerNotifications.ITEM_AGENT_MESSAGE_DELTA.method());
    /** The name older codex releases gave {@code collabAgentToolCall}; the schema no longer has it. */
    private static final String LEGACY_COLLAB_TYPE = "collabToolCall";
    private static final List<String> TIMESTAMPS = List.of("startedAtMs", "completedAtMs", "durationMs");
    private static final Map<Enum<?>, String> WIRE_NAMES = new ConcurrentHashMap<>();

    private final ProjectorOptions options;
    /** Null when the owner takes each projection as it comes and nothing is kept here. */
    private final List<TranscriptMessage> messages;
    private final List<String> pendingReasoning = new ArrayList<>();
    private final Map<String, ThreadItem> open = new LinkedHashMap<>();
    private final Map<String, StringBuilder> partialText = new HashMap<>();
    private final Set<String> issuedIds = new HashSet<>();
    private int toolIterations;
    private String finalText;
    private boolean finalIsAnswer;

    public ItemProjector() {
        this(ProjectorOptions.DEFAULT);
    }

    public ItemProjector(ProjectorOptions options) {
        this(options, true);
    }

    /**
     * @param keepMessages whether {@link #messages()} keeps every message; without it the projector
     *                     holds only the items still open, and the caller keeps what it is handed
     */
    public ItemProjector(ProjectorOptions options, boolean keepMessages) {
        this.options = options;
        this.messages = keepMessages ? new ArrayList<>() : null;
    }

    /**
     * Feeds one decoded notification; returns the messages it produced (usually none or two). Each
     * notification the projector reads has a params type of its own, so the type routes it.
     */
    public List<TranscriptMessage> onNotification(ServerNotification notification) {
        if (notification instanceof ItemStartedNotification n) {
            started(orMissing(n.item()));
        } else if (notification instanceof ItemCompletedNotification n) {
            return completed(orMissing(n.item()));
        } else if (notification instanceof AgentMessageDeltaNotification n) {
            delta(orEmpty(n.itemId()), orEmpty(n.delta()));
        }
        return List.of();
    }

    /**
     * Feeds one notification as JSON, decoded as the client decodes it: params that do not fit the
     * schema, and methods the projector does not read, become {@link ServerNotification.Unknown}.
     */
    public List<TranscriptMessage> onNotification(String method, JsonNode params) {
        return onNotification(decode(method, params));
    }

    private static ServerNotification decode(String method, JsonNode params) {
        // only what the projector reads is worth decoding
        return params != null && PROJECTED_METHODS.contains(method)
                ? ProtocolDecoder.notification(method, params) : new ServerNotification.Unknown(method, params);
    }

    /** Remembers an item that started, in case it never completes. */
    public void started(ThreadItem item) {
        String id = idOf(item);
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
    public List<TranscriptMessage> completed(ThreadItem item) {
        String id = idOf(item);
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
        for (ThreadItem item : new ArrayList<>(open.values())) {
            ThreadItem closing = item;
            StringBuilder partial = partialText.remove(idOf(item));
            if (item instanceof ThreadItem.AgentMessage message && partial != null && orEmpty(message.text()).isEmpty()) {
                closing = message.toBuilder().text(partial.toString()).build();
            }
            out.addAll(project(closing, true));
        }
        open.clear();
        return out;
    }

    /** Every message so far, in order; empty when the projector was made not to keep them. */
    public List<TranscriptMessage> messages() {
        return messages == null ? List.of() : List.copyOf(messages);
    }

    /** Tool-shaped items seen (commands, file changes, MCP, dynamic tools, web searches, …). */
    public int toolIterations() {
        return toolIterations;
    }

    /** The turn's answer: the last agent message marked {@code final_answer}, else the last agent message. */
    public String finalText() {
        return finalText;
    }

    private List<TranscriptMessage> project(ThreadItem item, boolean incomplete) {
        List<TranscriptMessage> out = projection(item, incomplete);
        if (messages != null) {
            messages.addAll(out);
        }
        return out;
    }

    private List<TranscriptMessage> projection(ThreadItem item, boolean incomplete) {
        if (item instanceof ThreadItem.UserMessage m) {
            return List.of(TranscriptMessage.user(userText(m.content())));
        }
        if (item instanceof ThreadItem.HookPrompt h) {
            return List.of(TranscriptMessage.user("[hook] " + joinTexts(h.fragments())));
        }
        if (item instanceof ThreadItem.AgentMessage m) {
            return agentMessage(m, incomplete);
        }
        if (item instanceof ThreadItem.Reasoning r) {
            addAll(pendingReasoning, r.summary());
            addAll(pendingReasoning, r.content());
            return List.of();
        }
        if (item instanceof ThreadItem.ContextCompaction) {
            return List.of();
        }
        if (item instanceof ThreadItem.CommandExecution c) {
            return tool(item, "exec", builtIn("commandExecution", "exec_command", item), commandArgs(c),
                    commandResult(c, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.FileChange f) {
            return tool(item, "apply_patch", builtIn("fileChange", "apply_patch", item), fileChangeArgs(f),
                    fileChangeResult(f, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.McpToolCall m) {
            String server = m.server() == null ? "mcp" : m.server();
            String name = m.tool() == null ? "unknown" : m.tool();
            return tool(item, "mcp_" + safe(server) + "_" + safe(name),
                    new TranscriptMessage.Source("mcpToolCall", server, null, name, idOf(item)),
                    argsOf(m.arguments()), mcpResult(m, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.DynamicToolCall d) {
            String name = d.tool() == null ? "unknown" : d.tool();
            String ns = orEmpty(d.namespace()).isEmpty() ? null : d.namespace();
            return tool(item, "dyn_" + safe(name), new TranscriptMessage.Source("dynamicToolCall", null, ns, name, idOf(item)),
                    argsOf(d.arguments()), dynamicResult(d, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.WebSearch w) {
            return tool(item, "web_search", builtIn("webSearch", "web_search", item), webSearchArgs(w),
                    webSearchResult(w, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.ImageView v) {
            return tool(item, "view_image", builtIn("imageView", "view_image", item),
                    Json.object().put("path", orEmpty(v.path())), incomplete ? "[incomplete]" : "[image viewed]", incomplete);
        }
        if (item instanceof ThreadItem.ImageGeneration g) {
            return tool(item, "image_gen", builtIn("imageGeneration", "image_generation", item),
                    Json.object().put("prompt", orEmpty(g.revisedPrompt())), imageGenerationResult(g, incomplete), incomplete);
        }
        if (item instanceof ThreadItem.CollabAgentToolCall c) {
            return collab(item, c, incomplete);
        }
        if (item instanceof ThreadItem.Plan p) {
            return note("[codex plan] " + orEmpty(p.text()));
        }
        if (item instanceof ThreadItem.EnteredReviewMode r) {
            return note("[codex review started] " + orEmpty(r.review()));
        }
        if (item instanceof ThreadItem.ExitedReviewMode r) {
            return note("[codex review finished] " + orEmpty(r.review()));
        }
        if (item instanceof ThreadItem.SubAgentActivity s) {
            return note("[codex sub-agent " + wire(s.kind(), "activity") + "] "
                    + (s.agentPath() != null ? s.agentPath() : orEmpty(s.agentThreadId())));
        }
        if (item instanceof ThreadItem.Sleep s) {
            return note("[codex sleep] " + (s.durationMs() == null ? "?" : s.durationMs().toString()) + " ms");
        }
        if (item instanceof ThreadItem.Unknown u && LEGACY_COLLAB_TYPE.equals(text(u.raw(), "type"))) {
            try {
                return collab(item, Json.convert(u.raw(), ThreadItem.CollabAgentToolCall.class), incomplete);
            } catch (JsonFormatException doesNotFit) {
                // projected as an opaque note below, like any item that does not fit its type
            }
        }
        // functionCallOutput, and every item this version does not know: shown, never a tool call
        JsonNode json = wireJson(item);
        return note("[codex " + text(json, "type") + "] " + CanonicalJson.write(json));
    }

    private List<TranscriptMessage> agentMessage(ThreadItem.AgentMessage item, boolean incomplete) {
        String text = orEmpty(item.text());
        boolean answer = item.phase() == MessagePhase.FINAL_ANSWER;
        if (answer || !finalIsAnswer) {
            finalText = text;
            finalIsAnswer = answer;
        }
        return List.of(new TranscriptMessage(TranscriptMessage.Role.ASSISTANT, text, null, null, takeReasoning(), incomplete));
    }

    private static TranscriptMessage.Source builtIn(String itemType, String tool, ThreadItem item) {
        return new TranscriptMessage.Source(itemType, null, null, tool, idOf(item));
    }

    /** The function name of a call: codex's built-in names as they are, the others through {@link ToolNames}. */
    private static String functionName(TranscriptMessage.Source source) {
        return switch (source.itemType()) {
            case "mcpToolCall" -> ToolNames.mcp(source.server(), source.tool());
            case "dynamicToolCall" -> ToolNames.dynamic(source.namespace(), source.tool());
            case "collabAgentToolCall" -> ToolNames.collab(source.tool());
            default -> source.tool();
        };
    }

    private List<TranscriptMessage> tool(ThreadItem item, String kind, TranscriptMessage.Source source, JsonNode args,
                                         String result, boolean incomplete) {
        toolIterations++;
        String id = callId(kind, item);
        TranscriptMessage.ToolCall call = TranscriptMessage.ToolCall.function(id, functionName(source),
                CanonicalJson.write(args), source);
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
    String callId(String kind, ThreadItem item) {
        String itemId = idOf(item);
        String base;
        if (itemId.isEmpty()) {
            JsonNode content = wireJson(item).deepCopy();
            if (content instanceof ObjectNode object) {
                object.remove(TIMESTAMPS);
            }
            base = "codex_" + kind + "_" + sha256(CanonicalJson.write(content)).substring(0, 16);
        } else {
            base = "codex_" + kind + "_" + safe(itemId);
        }
        String id = fit(base);
        for (int n = 2; !issuedIds.add(id); n++) {
            id = fit(base + "_" + n);
        }
        return id;
    }

    /** An id longer than 64 characters (OpenAI's limit) is cut and suffixed with a hash of the whole. */
    private static String fit(String id) {
        if (id.length() <= ToolNames.MAX_LENGTH) {
            return id;
        }
        return id.substring(0, ToolNames.MAX_LENGTH - 9) + "_" + sha256(id).substring(0, 8);
    }

    /** The item's id, "" when it has none; the union has no common accessor, hence one arm per variant. */
    static String idOf(ThreadItem item) {
        String id;
        if (item instanceof ThreadItem.UserMessage i) {
            id = i.id();
        } else if (item instanceof ThreadItem.HookPrompt i) {
            id = i.id();
        } else if (item instanceof ThreadItem.AgentMessage i) {
            id = i.id();
        } else if (item instanceof ThreadItem.FunctionCallOutput i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Plan i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Reasoning i) {
            id = i.id();
        } else if (item instanceof ThreadItem.CommandExecution i) {
            id = i.id();
        } else if (item instanceof ThreadItem.FileChange i) {
            id = i.id();
        } else if (item instanceof ThreadItem.McpToolCall i) {
            id = i.id();
        } else if (item instanceof ThreadItem.DynamicToolCall i) {
            id = i.id();
        } else if (item instanceof ThreadItem.CollabAgentToolCall i) {
            id = i.id();
        } else if (item instanceof ThreadItem.SubAgentActivity i) {
            id = i.id();
        } else if (item instanceof ThreadItem.WebSearch i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ImageView i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Sleep i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ImageGeneration i) {
            id = i.id();
        } else if (item instanceof ThreadItem.EnteredReviewMode i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ExitedReviewMode i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ContextCompaction i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Unknown i) {
            id = text(i.raw(), "id");
        } else {
            id = null;
        }
        return orEmpty(id);
    }

    private static String safe(String s) {
        if (isSafe(s)) {
            return s;
        }
        return ToolNames.UNSAFE.matcher(s).replaceAll("_") + "_" + sha256(s).substring(0, 8);
    }

    /** {@code [A-Za-z0-9_-]+}, without a regular expression: every tool call's id is checked. */
    private static boolean isSafe(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static String sha256(String s) {
        return ToolNames.sha256(s);
    }

    // ---------------------------------------------------------------- per-type content

    private static String userText(List<UserInput> content) {
        List<String> parts = new ArrayList<>();
        for (UserInput part : orEmpty(content)) {
            if (part instanceof UserInput.Text t) {
                parts.add(orEmpty(t.text()));
            } else if (part instanceof UserInput.Image) {
                parts.add("[image]");
            } else if (part instanceof UserInput.LocalImage i) {
                parts.add("[image: " + orEmpty(i.path()) + "]");
            } else if (part instanceof UserInput.Audio) {
                parts.add("[audio]");
            } else if (part instanceof UserInput.LocalAudio a) {
                parts.add("[audio: " + orEmpty(a.path()) + "]");
            } else if (part instanceof UserInput.Skill s) {
                parts.add("[skill: " + orEmpty(s.name()) + "]");
            } else if (part instanceof UserInput.Mention m) {
                parts.add("[mention: " + orEmpty(m.name()) + "]");
            } else {
                JsonNode raw = wireJson(part);
                parts.add(raw.has("text") ? text(raw, "text") : "[" + text(raw, "type") + "]");
            }
        }
        return String.join("\n", parts);
    }

    private static String joinTexts(List<HookPromptFragment> fragments) {
        List<String> parts = new ArrayList<>();
        for (HookPromptFragment f : orEmpty(fragments)) {
            parts.add(f == null ? "" : orEmpty(f.text()));
        }
        return String.join("\n", parts);
    }

    private static JsonNode commandArgs(ThreadItem.CommandExecution item) {
        return Json.object().put("command", orEmpty(item.command())).put("cwd", orEmpty(item.cwd()));
    }

    private String commandResult(ThreadItem.CommandExecution item, boolean incomplete) {
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

    private static JsonNode fileChangeArgs(ThreadItem.FileChange item) {
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

    private static String fileChangeResult(ThreadItem.FileChange item, boolean incomplete) {
        String status = incomplete ? "incomplete" : wire(item.status(), "unknown");
        String prefix = switch (status) {
            case "declined" -> "[declined: the patch was not applied] ";
            case "failed" -> "[failed] ";
            case "incomplete" -> "[incomplete: the turn ended before the patch was applied] ";
            default -> "";
        };
        return prefix + "apply_patch " + status + ": " + FileChanges.summary(changes(item));
    }

    /** Free-form tool arguments as an object: a JSON-object string is parsed, anything else wrapped. */
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

    private String mcpResult(ThreadItem.McpToolCall item, boolean incomplete) {
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

    private String dynamicResult(ThreadItem.DynamicToolCall item, boolean incomplete) {
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

    private static JsonNode webSearchArgs(ThreadItem.WebSearch item) {
        ObjectNode args = Json.object().put("query", orEmpty(item.query()));
        if (item.action() != null) {
            args.set("action", wireJson(item.action()));
        }
        return args;
    }

    private String webSearchResult(ThreadItem.WebSearch item, boolean incomplete) {
        if (incomplete) {
            return "[incomplete]";
        }
        List<JsonNode> results = item.results();
        if (results == null || results.isEmpty()) {
            return "searched: " + orEmpty(item.query());
        }
        return ProjectorOptions.truncate(CanonicalJson.write(Json.tree(results)), options.maxToolOutputChars());
    }

    private static String imageGenerationResult(ThreadItem.ImageGeneration item, boolean incomplete) {
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

    private List<TranscriptMessage> collab(ThreadItem item, ThreadItem.CollabAgentToolCall call, boolean incomplete) {
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
        String status = incomplete ? "incomplete" : wire(call.status(), "unknown");
        Map<String, CollabAgentState> states = call.agentsStates();
        String detail = states == null || states.isEmpty() ? "" : " " + CanonicalJson.write(Json.tree(states));
        String result = ProjectorOptions.truncate(status + detail, options.maxToolOutputChars());
        return tool(item, "collab", new TranscriptMessage.Source("collabAgentToolCall", null, null,
                wire(call.tool(), "unknown"), idOf(item)), args, result, incomplete);
    }

    private static void addAll(List<String> into, List<String> texts) {
        for (String s : orEmpty(texts)) {
            if (s != null && !s.isEmpty()) {
                into.add(s);
            }
        }
    }

    // ---------------------------------------------------------------- decoded values back to JSON

    /**
     * A protocol value as codex writes it: an {@code Unknown} variant's raw JSON; a record with every
     * component present, null when unset (codex writes absent options as null, and argument and
     * note text must not depend on whether a field was decoded).
     */
    static JsonNode wireJson(Object value) {
        if (value instanceof ThreadItem.Unknown u) {
            return u.raw();
        }
        JsonNode tree = value == null ? Json.nodes().nullNode() : Json.tree(value);
        if (tree instanceof ObjectNode object && value instanceof Record) {
            for (RecordComponent c : value.getClass().getRecordComponents()) {
                JsonProperty property = c.getAccessor().getAnnotation(JsonProperty.class);
                if (property != null && !object.has(property.value())) {
                    object.putNull(property.value());
                }
            }
        }
        return tree;
    }

    /** An enum's wire value; the catch-all constant of a value this version does not know reads "unknown". */
    private static String wire(Enum<?> value, String ifAbsent) {
        if (value == null) {
            return ifAbsent;
        }
        return WIRE_NAMES.computeIfAbsent(value, v -> {
            JsonNode json = Json.tree(v);
            return json.isTextual() && !"UNKNOWN".equals(v.name()) ? json.asText() : "unknown";
        });
    }

    /** {@code node.field} as text: "" when absent or null, as codex's optional strings read here. */
    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? "" : value.asText();
    }

    /** A notification without its item is projected as today's missing item: an opaque, untyped one. */
    private static ThreadItem orMissing(ThreadItem item) {
        return item != null ? item : new ThreadItem.Unknown(Json.nodes().missingNode());
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
