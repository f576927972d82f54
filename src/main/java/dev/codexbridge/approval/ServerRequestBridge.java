package dev.codexbridge.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcThreads;
import dev.codexbridge.transcript.FileChangeSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every server request codex 0.169 can send, exactly once, with a response its schema
 * accepts. Decisions go through the {@link ApprovalPolicy}: automatic rules, then the host's
 * handler (run off the caller's thread, with a deadline), then fail closed. Anything unknown is
 * answered {@code -32601}. Thread-safe.
 */
public final class ServerRequestBridge {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRequestBridge.class);
    public static final Duration DYNAMIC_TOOL_DEADLINE = Duration.ofMinutes(10);

    /** The answer to one request: a result or an error, and what the host was asked and said. */
    public record Answer(JsonNode result, RpcError error, ApprovalRequest request, ApprovalDecision decision) {
    }

    private final ApprovalPolicy policy;
    private final Map<String, DynamicTool> tools;
    private final String sessionCwd;
    /** fileChange item id → change summary, from item/started (the approval request carries no changes). */
    private final ConcurrentHashMap<String, String> fileChanges = new ConcurrentHashMap<>();

    public ServerRequestBridge(ApprovalPolicy policy, List<DynamicTool> tools, String sessionCwd) {
        this.policy = policy;
        this.tools = new ConcurrentHashMap<>();
        for (DynamicTool t : tools) {
            this.tools.put(t.name(), t);
        }
        this.sessionCwd = sessionCwd;
    }

    /** Feeds notifications so file-change approvals can say what would change. */
    public void observe(String method, JsonNode params) {
        JsonNode item = params.path("item");
        if (!"fileChange".equals(item.path("type").asText())) {
            return;
        }
        String id = item.path("id").asText("");
        if (id.isEmpty()) {
            return;
        }
        if ("item/started".equals(method)) {
            fileChanges.put(id, FileChangeSummary.of(item.path("changes")));
        } else if ("item/completed".equals(method)) {
            fileChanges.remove(id);
        }
    }

    /** The request as the host would be asked, or null for requests that are not approvals (tool calls, auth). */
    public ApprovalRequest describe(JsonRpcMessage.Request request) {
        try {
            return switch (request.method()) {
                case "item/commandExecution/requestApproval" -> commandRequest(request);
                case "item/fileChange/requestApproval" -> fileChangeRequest(request);
                case "item/permissions/requestApproval" -> permissionsRequest(request);
                case "mcpServer/elicitation/request" -> elicitationRequest(request);
                case "item/tool/requestUserInput" -> userInputRequest(request);
                case "execCommandApproval" -> legacy(request, ApprovalKind.LEGACY_COMMAND);
                case "applyPatchApproval" -> legacy(request, ApprovalKind.LEGACY_PATCH);
                default -> null;
            };
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Answers {@code request}; the future never fails. */
    public CompletableFuture<Answer> answer(JsonRpcMessage.Request request) {
        JsonNode p = request.params();
        try {
            return switch (request.method()) {
                case "item/commandExecution/requestApproval" -> decide(commandRequest(request), this::commandDecision);
                case "item/fileChange/requestApproval" -> decide(fileChangeRequest(request), (r, d) -> decisionResult(simpleDecision(d)));
                case "item/permissions/requestApproval" -> decide(permissionsRequest(request), this::permissionsResult);
                case "mcpServer/elicitation/request" -> elicitation(request);
                case "item/tool/requestUserInput" -> decide(userInputRequest(request), this::userInputResult);
                case "item/tool/call" -> dynamicTool(p);
                case "execCommandApproval" -> decide(legacy(request, ApprovalKind.LEGACY_COMMAND), (r, d) -> reviewDecision(d));
                case "applyPatchApproval" -> decide(legacy(request, ApprovalKind.LEGACY_PATCH), (r, d) -> reviewDecision(d));
                case "account/chatgptAuthTokens/refresh" -> authRefresh(p);
                default -> CompletableFuture.completedFuture(error(RpcError.METHOD_NOT_FOUND, "Unsupported method: " + request.method()));
            };
        } catch (RuntimeException e) {
            LOG.warn("answering {} failed; answering with an error", request.method(), e);
            return CompletableFuture.completedFuture(error(RpcError.INTERNAL_ERROR, "could not answer " + request.method()));
        }
    }

    // ---------------------------------------------------------------- requests as the host sees them

    private ApprovalRequest commandRequest(JsonRpcMessage.Request r) {
        JsonNode p = r.params();
        String cwd = text(p, "cwd");
        if (cwd == null) {
            cwd = sessionCwd;
        }
        String reason = text(p, "reason");
        String command = text(p, "command");
        JsonNode network = p.path("networkApprovalContext");
        if (command == null && network.isObject()) {
            command = "network access to " + network.path("host").asText("?") + " (" + network.path("protocol").asText("?") + ")";
        }
        StringBuilder description = new StringBuilder("Codex requests exec in ").append(cwd == null ? "<unknown>" : cwd);
        if (reason != null) {
            description.append(" — ").append(reason);
        }
        List<String> actions = new ArrayList<>();
        for (JsonNode a : p.path("commandActions")) {
            if ("unknown".equals(a.path("type").asText())) {
                continue;
            }
            actions.add(a.path("type").asText() + (a.hasNonNull("path") ? " " + a.get("path").asText() : ""));
        }
        if (!actions.isEmpty()) {
            description.append(" (").append(String.join(", ", actions)).append(')');
        }
        return new ApprovalRequest(ApprovalKind.COMMAND, r.method(), text(p, "threadId"), text(p, "turnId"), text(p, "itemId"),
                command == null ? "command" : command, description.toString(), command, cwd, reason, null, null,
                offered(p.path("availableDecisions")), p);
    }

    private ApprovalRequest fileChangeRequest(JsonRpcMessage.Request r) {
        JsonNode p = r.params();
        String itemId = text(p, "itemId");
        String summary = itemId == null ? null : fileChanges.get(itemId);
        String reason = text(p, "reason");
        String grantRoot = text(p, "grantRoot");
        List<String> parts = new ArrayList<>();
        if (reason != null) {
            parts.add(reason);
        }
        if (summary != null) {
            parts.add(summary);
        }
        if (grantRoot != null) {
            parts.add("grants write to " + grantRoot);
        }
        String description = parts.isEmpty() ? "Codex requests to apply a patch" : String.join("; ", parts);
        String title = summary != null ? "apply_patch: " + summary : reason != null ? "apply_patch: " + reason : "apply_patch";
        return new ApprovalRequest(ApprovalKind.FILE_CHANGE, r.method(), text(p, "threadId"), text(p, "turnId"), itemId,
                title, description, null, sessionCwd, reason, null, null, List.of(), p);
    }

    private ApprovalRequest permissionsRequest(JsonRpcMessage.Request r) {
        JsonNode p = r.params();
        JsonNode perms = p.path("permissions");
        List<String> wants = new ArrayList<>();
        for (String mode : List.of("read", "write")) {
            for (JsonNode path : perms.path("fileSystem").path(mode)) {
                wants.add(mode + " " + path.asText());
            }
        }
        if (perms.path("network").path("enabled").asBoolean(false)) {
            wants.add("network");
        }
        String reason = text(p, "reason");
        String title = wants.isEmpty() ? "extra permissions" : String.join(", ", wants);
        return new ApprovalRequest(ApprovalKind.PERMISSIONS, r.method(), text(p, "threadId"), text(p, "turnId"), text(p, "itemId"),
                title, "Codex requests " + title + (reason == null ? "" : " — " + reason), null,
                text(p, "cwd") == null ? sessionCwd : text(p, "cwd"), reason, null, null, List.of(), p);
    }

    private ApprovalRequest userInputRequest(JsonRpcMessage.Request r) {
        JsonNode p = r.params();
        List<String> questions = new ArrayList<>();
        for (JsonNode q : p.path("questions")) {
            questions.add(q.path("question").asText(q.path("header").asText("")));
        }
        return new ApprovalRequest(ApprovalKind.USER_INPUT, r.method(), text(p, "threadId"), text(p, "turnId"), text(p, "itemId"),
                questions.isEmpty() ? "question" : questions.get(0), String.join("\n", questions), null, sessionCwd,
                null, null, null, List.of(), p);
    }

    private ApprovalRequest legacy(JsonRpcMessage.Request r, ApprovalKind kind) {
        JsonNode p = r.params();
        String command = null;
        if (p.path("command").isArray()) {
            List<String> argv = new ArrayList<>();
            p.path("command").forEach(a -> argv.add(a.asText()));
            command = String.join(" ", argv);
        }
        String title = kind == ApprovalKind.LEGACY_COMMAND ? (command == null ? "command" : command)
                : "apply_patch: " + p.path("fileChanges").size() + " file(s)";
        return new ApprovalRequest(kind, r.method(), text(p, "conversationId"), null, text(p, "callId"), title, title,
                command, text(p, "cwd") == null ? sessionCwd : text(p, "cwd"), text(p, "reason"), null, null, List.of(), p);
    }

    // ---------------------------------------------------------------- deciding

    @FunctionalInterface
    private interface ToResult {
        JsonNode apply(ApprovalRequest request, ApprovalDecision decision);
    }

    /** Policy rules, then the handler with a deadline, then deny. */
    private CompletableFuture<Answer> decide(ApprovalRequest request, ToResult toResult) {
        ApprovalDecision automatic = automaticDecision(request);
        CompletableFuture<ApprovalDecision> decision = automatic != null
                ? CompletableFuture.completedFuture(automatic) : askHost(request);
        return decision.thenApply(d -> new Answer(toResult.apply(request, d), null, request, d));
    }

    private ApprovalDecision automaticDecision(ApprovalRequest request) {
        if (request.kind() == ApprovalKind.COMMAND && policy.autoApproveCommands()
                || request.kind() == ApprovalKind.LEGACY_COMMAND && policy.autoApproveCommands()) {
            return new ApprovalDecision(ApprovalChoice.ONCE, null, "auto-approved commands");
        }
        if ((request.kind() == ApprovalKind.FILE_CHANGE || request.kind() == ApprovalKind.LEGACY_PATCH) && policy.autoApproveFileChanges()) {
            return new ApprovalDecision(ApprovalChoice.ONCE, null, "auto-approved file changes");
        }
        if (request.kind() == ApprovalKind.MCP_TOOL_CALL && policy.trusts(request.serverName())) {
            return new ApprovalDecision(ApprovalChoice.ONCE, null, "trusted MCP server");
        }
        if (policy.handler() == null) {
            return ApprovalDecision.deny("no approval handler (fail closed)");
        }
        return null;
    }

    private CompletableFuture<ApprovalDecision> askHost(ApprovalRequest request) {
        CompletableFuture<ApprovalDecision> result = new CompletableFuture<>();
        RpcThreads.callbacks().execute(() -> {
            try {
                CompletionStage<ApprovalDecision> stage = policy.handler().decide(request);
                if (stage == null) {
                    result.complete(ApprovalDecision.deny("the handler returned nothing"));
                    return;
                }
                stage.whenComplete((d, e) -> {
                    if (e != null) {
                        LOG.warn("approval handler failed for {}; denying", request.method(), e);
                        result.complete(ApprovalDecision.deny("the handler failed: " + e.getClass().getSimpleName()));
                    } else {
                        result.complete(d == null ? ApprovalDecision.deny("the handler answered null") : d);
                    }
                });
            } catch (Exception | Error e) {
                LOG.warn("approval handler threw for {}; denying", request.method(), e);
                result.complete(ApprovalDecision.deny("the handler threw " + e.getClass().getSimpleName()));
            }
        });
        return result.completeOnTimeout(ApprovalDecision.deny("no decision within " + policy.deadline().toSeconds() + " s"),
                policy.deadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    private JsonNode commandDecision(ApprovalRequest request, ApprovalDecision d) {
        if (d.choice() == ApprovalChoice.ALWAYS) {
            for (JsonNode offered : request.params().path("availableDecisions")) {
                if (offered.has("acceptWithExecpolicyAmendment")) {
                    return Json.object().set("decision", offered);
                }
            }
        }
        return decisionResult(simpleDecision(d));
    }

    private static String simpleDecision(ApprovalDecision d) {
        return switch (d.choice()) {
            case ONCE -> "accept";
            case SESSION, ALWAYS -> "acceptForSession";
            case DENY -> "decline";
            case CANCEL -> "cancel";
        };
    }

    private static JsonNode decisionResult(String decision) {
        return Json.object().put("decision", decision);
    }

    private JsonNode permissionsResult(ApprovalRequest request, ApprovalDecision d) {
        ObjectNode result = Json.object();
        if (!d.choice().allows()) {
            result.putObject("permissions");
            return result;
        }
        JsonNode granted = d.content() != null ? d.content() : request.params().path("permissions");
        result.set("permissions", withoutNulls(granted.isObject() ? granted : Json.object()));
        result.put("scope", d.choice() == ApprovalChoice.ONCE ? "turn" : "session");
        return result;
    }

    private JsonNode userInputResult(ApprovalRequest request, ApprovalDecision d) {
        ObjectNode result = Json.object();
        ObjectNode answers = result.putObject("answers");
        if (!d.choice().allows() || d.content() == null || !d.content().isObject()) {
            return result;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = d.content().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ArrayNode list = answers.putObject(e.getKey()).putArray("answers");
            JsonNode v = e.getValue().has("answers") ? e.getValue().get("answers") : e.getValue();
            if (v.isArray()) {
                v.forEach(a -> list.add(a.asText()));
            } else {
                list.add(v.asText());
            }
        }
        return result;
    }

    private static JsonNode reviewDecision(ApprovalDecision d) {
        ObjectNode result = Json.object();
        switch (d.choice()) {
            case ONCE -> result.put("decision", "approved");
            case SESSION, ALWAYS -> result.put("decision", "approved_for_session");
            case DENY -> result.putObject("decision").putObject("denied")
                    .put("rejection", d.note() == null ? "denied by the host" : d.note());
            case CANCEL -> result.put("decision", "abort");
            default -> throw new IllegalStateException();
        }
        return result;
    }

    // ---------------------------------------------------------------- MCP elicitations

    private ApprovalRequest elicitationRequest(JsonRpcMessage.Request r) {
        JsonNode p = r.params();
        String server = text(p, "serverName");
        JsonNode meta = p.path("_meta");
        String message = text(p, "message");
        if ("mcp_tool_call".equals(meta.path("codex_approval_kind").asText(""))) {
            String tool = meta.path("tool_name").asText("tool");
            return new ApprovalRequest(ApprovalKind.MCP_TOOL_CALL, r.method(), text(p, "threadId"),
                    text(p, "turnId"), null, "mcp." + server + "." + tool,
                    message == null ? "Allow the " + server + " MCP server to run tool \"" + tool + "\"?" : message,
                    null, sessionCwd, null, server, tool, offered(meta.path("persist")), p);
        }
        return new ApprovalRequest(ApprovalKind.ELICITATION, r.method(), text(p, "threadId"), text(p, "turnId"),
                null, (server == null ? "MCP server" : server) + ": " + (message == null ? p.path("mode").asText("request") : message),
                message == null ? "" : message, null, sessionCwd, null, server, null, List.of(), p);
    }

    private CompletableFuture<Answer> elicitation(JsonRpcMessage.Request r) {
        JsonNode p = r.params();
        String server = text(p, "serverName");
        String approvalKind = p.path("_meta").path("codex_approval_kind").asText("");
        ApprovalRequest request = elicitationRequest(r);
        if (request.kind() == ApprovalKind.MCP_TOOL_CALL) {
            List<String> persist = request.choicesOffered();
            return decide(request, (req, d) -> toolCallElicitationResult(d, persist));
        }
        if (!approvalKind.isEmpty() || !policy.trusts(server)) {
            // A kind codex has not told us about, or a server the host does not trust: never forward.
            ApprovalDecision d = ApprovalDecision.deny(!approvalKind.isEmpty()
                    ? "unknown approval kind " + approvalKind : "MCP server not trusted");
            return CompletableFuture.completedFuture(new Answer(elicitationResult("decline", null, null), null, request, d));
        }
        return decide(request, (req, d) -> switch (d.choice()) {
            case DENY -> elicitationResult("decline", null, null);
            case CANCEL -> elicitationResult("cancel", null, null);
            default -> elicitationResult("accept", "url".equals(p.path("mode").asText()) ? null
                    : d.content() == null ? Json.object() : d.content(), null);
        });
    }

    private static JsonNode toolCallElicitationResult(ApprovalDecision d, List<String> persistOffered) {
        return switch (d.choice()) {
            case ONCE -> elicitationResult("accept", Json.object(), null);
            case SESSION -> elicitationResult("accept", null, Json.object().put("persist", "session"));
            case ALWAYS -> elicitationResult("accept", null,
                    Json.object().put("persist", persistOffered.contains("always") ? "always" : "session"));
            case DENY -> elicitationResult("decline", null, null);
            case CANCEL -> elicitationResult("cancel", null, null);
        };
    }

    private static JsonNode elicitationResult(String action, JsonNode content, JsonNode meta) {
        ObjectNode result = Json.object().put("action", action);
        result.set("content", content == null ? Json.nodes().nullNode() : content);
        result.set("_meta", meta == null ? Json.nodes().nullNode() : meta);
        return result;
    }

    // ---------------------------------------------------------------- dynamic tools and auth

    private CompletableFuture<Answer> dynamicTool(JsonNode p) {
        String name = p.path("tool").asText("");
        DynamicTool tool = tools.get(name);
        if (tool == null) {
            return CompletableFuture.completedFuture(new Answer(toolResult(DynamicTool.Result.failure(
                    "unknown tool \"" + name + "\""), name), null, null, null));
        }
        JsonNode arguments = p.path("arguments");
        return CompletableFuture.supplyAsync(() -> {
            try {
                DynamicTool.Result r = tool.handler().call(arguments);
                return r == null ? DynamicTool.Result.failure("the tool returned nothing") : r;
            } catch (Exception e) {
                LOG.warn("dynamic tool {} failed", name, e);
                return DynamicTool.Result.failure("tool " + name + " failed: " + e.getMessage());
            }
        }, RpcThreads.callbacks())
                .completeOnTimeout(DynamicTool.Result.failure("tool " + name + " did not answer in time"),
                        DYNAMIC_TOOL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(r -> new Answer(toolResult(r, name), null, null, null));
    }

    private static JsonNode toolResult(DynamicTool.Result r, String name) {
        ObjectNode result = Json.object();
        ArrayNode items = result.putArray("contentItems");
        r.texts().forEach(t -> items.addObject().put("type", "inputText").put("text", t));
        r.imageUrls().forEach(u -> items.addObject().put("type", "inputImage").put("imageUrl", u));
        result.put("success", r.success());
        return result;
    }

    private CompletableFuture<Answer> authRefresh(JsonNode p) {
        if (policy.authRefresh() == null) {
            return CompletableFuture.completedFuture(error(RpcError.METHOD_NOT_FOUND,
                    "this host cannot refresh ChatGPT tokens (no auth refresh handler)"));
        }
        return policy.authRefresh().apply(p).toCompletableFuture()
                .thenApply(result -> new Answer(result, null, null, null))
                .exceptionally(e -> error(RpcError.INTERNAL_ERROR, "token refresh failed"));
    }

    // ---------------------------------------------------------------- helpers

    private static Answer error(int code, String message) {
        return new Answer(null, new RpcError(code, message), null, null);
    }

    private static String text(JsonNode p, String key) {
        JsonNode v = p.get(key);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static List<String> offered(JsonNode decisions) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : decisions) {
            out.add(d.isTextual() ? d.asText() : d.fieldNames().hasNext() ? d.fieldNames().next() : d.toString());
        }
        return out;
    }

    private static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = Json.object();
            node.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    out.set(e.getKey(), withoutNulls(e.getValue()));
                }
            });
            return out;
        }
        return node;
    }
}
