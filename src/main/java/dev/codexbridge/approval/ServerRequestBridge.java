package dev.codexbridge.approval;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.protocol.ApplyPatchApprovalParams;
import dev.codexbridge.protocol.ApplyPatchApprovalResponse;
import dev.codexbridge.protocol.ChatgptAuthTokensRefreshParams;
import dev.codexbridge.protocol.CommandAction;
import dev.codexbridge.protocol.CommandExecutionApprovalDecision;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalParams;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalResponse;
import dev.codexbridge.protocol.DynamicToolCallOutputContentItem;
import dev.codexbridge.protocol.DynamicToolCallParams;
import dev.codexbridge.protocol.DynamicToolCallResponse;
import dev.codexbridge.protocol.ExecCommandApprovalParams;
import dev.codexbridge.protocol.ExecCommandApprovalResponse;
import dev.codexbridge.protocol.FileChangeApprovalDecision;
import dev.codexbridge.protocol.FileChangeRequestApprovalParams;
import dev.codexbridge.protocol.FileChangeRequestApprovalResponse;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.GrantedPermissionProfile;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ItemStartedNotification;
import dev.codexbridge.protocol.McpServerElicitationAction;
import dev.codexbridge.protocol.McpServerElicitationRequestParams;
import dev.codexbridge.protocol.McpServerElicitationRequestResponse;
import dev.codexbridge.protocol.NetworkApprovalContext;
import dev.codexbridge.protocol.PermissionGrantScope;
import dev.codexbridge.protocol.PermissionsRequestApprovalParams;
import dev.codexbridge.protocol.PermissionsRequestApprovalResponse;
import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.protocol.RequestPermissionProfile;
import dev.codexbridge.protocol.ReviewDecision;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ToolRequestUserInputAnswer;
import dev.codexbridge.protocol.ToolRequestUserInputParams;
import dev.codexbridge.protocol.ToolRequestUserInputQuestion;
import dev.codexbridge.protocol.ToolRequestUserInputResponse;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every server request codex 0.169 can send, exactly once, with a response its schema
 * accepts. Decisions go through the {@link ApprovalPolicy}: automatic rules, then the host's
 * handler (run off the caller's thread, with a deadline), then fail closed. Anything unknown is
 * answered {@code -32601}. Reads the generated params types and answers with the generated
 * response types. Thread-safe.
 */
public final class ServerRequestBridge {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRequestBridge.class);
    public static final Duration DYNAMIC_TOOL_DEADLINE = Duration.ofMinutes(10);

    /**
     * The answer to one request: a result or an error, and what the host was asked and said.
     * {@code result} is the generated response record (e.g. {@code CommandExecutionRequestApprovalResponse}),
     * ready to be serialized with {@link Json}.
     */
    public record Answer(Object result, RpcError error, ApprovalRequest request, ApprovalDecision decision) {
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
    public void observe(ServerNotification notification) {
        if (notification instanceof ItemStartedNotification started
                && started.item() instanceof ThreadItem.FileChange change && present(change.id())) {
            fileChanges.put(change.id(), FileChanges.summary(change.changes()));
        } else if (notification instanceof ItemCompletedNotification completed
                && completed.item() instanceof ThreadItem.FileChange change && present(change.id())) {
            fileChanges.remove(change.id());
        }
    }

    /** The request as the host would be asked, or null for requests that are not approvals (tool calls, auth). */
    public ApprovalRequest describe(String method, ServerRequestParams params) {
        try {
            return typed(method, params) ? describeTyped(method, params) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Answers the request {@code method} with {@code params}; the future never fails. */
    public CompletableFuture<Answer> answer(String method, ServerRequestParams params) {
        try {
            if (!typed(method, params)) {
                return CompletableFuture.completedFuture(error(RpcError.METHOD_NOT_FOUND, "Unsupported method: " + method));
            }
            return answerTyped(method, params)
                    .exceptionally(e -> {
                        LOG.warn("answering {} failed; answering with an error", method, e);
                        return error(RpcError.INTERNAL_ERROR, "could not answer " + method);
                    });
        } catch (RuntimeException e) {
            LOG.warn("answering {} failed; answering with an error", method, e);
            return CompletableFuture.completedFuture(error(RpcError.INTERNAL_ERROR, "could not answer " + method));
        }
    }

    // ---------------------------------------------------------------- routing

    /** The method is one codex defines and the params are of its type (not {@code Unknown}). */
    private static boolean typed(String method, ServerRequestParams params) {
        RequestMethod<?, ?> m = method == null ? null : ServerRequests.BY_METHOD.get(method);
        return m != null && m.paramsType().isInstance(params);
    }

    private ApprovalRequest describeTyped(String method, ServerRequestParams params) {
        if (params instanceof CommandExecutionRequestApprovalParams p) {
            return commandRequest(method, p);
        }
        if (params instanceof FileChangeRequestApprovalParams p) {
            return fileChangeRequest(method, p);
        }
        if (params instanceof PermissionsRequestApprovalParams p) {
            return permissionsRequest(method, p);
        }
        if (params instanceof McpServerElicitationRequestParams p) {
            return elicitationRequest(method, p);
        }
        if (params instanceof ToolRequestUserInputParams p) {
            return userInputRequest(method, p);
        }
        if (params instanceof ExecCommandApprovalParams p) {
            return legacyCommandRequest(method, p);
        }
        if (params instanceof ApplyPatchApprovalParams p) {
            return legacyPatchRequest(method, p);
        }
        return null;
    }

    private CompletableFuture<Answer> answerTyped(String method, ServerRequestParams params) {
        if (params instanceof CommandExecutionRequestApprovalParams p) {
            return decide(commandRequest(method, p), d -> commandResult(p, d));
        }
        if (params instanceof FileChangeRequestApprovalParams p) {
            return decide(fileChangeRequest(method, p), d -> new FileChangeRequestApprovalResponse(fileChangeDecision(d)));
        }
        if (params instanceof PermissionsRequestApprovalParams p) {
            return decide(permissionsRequest(method, p), d -> permissionsResult(p, d));
        }
        if (params instanceof McpServerElicitationRequestParams p) {
            return elicitation(method, p);
        }
        if (params instanceof ToolRequestUserInputParams p) {
            return decide(userInputRequest(method, p), ServerRequestBridge::userInputResult);
        }
        if (params instanceof DynamicToolCallParams p) {
            return dynamicTool(p);
        }
        if (params instanceof ExecCommandApprovalParams p) {
            return decide(legacyCommandRequest(method, p), d -> new ExecCommandApprovalResponse(reviewDecision(d)));
        }
        if (params instanceof ApplyPatchApprovalParams p) {
            return decide(legacyPatchRequest(method, p), d -> new ApplyPatchApprovalResponse(reviewDecision(d)));
        }
        if (params instanceof ChatgptAuthTokensRefreshParams p) {
            return authRefresh(p);
        }
        // attestation/generate, currentTime/read: nothing a host of this bridge can answer.
        return CompletableFuture.completedFuture(error(RpcError.METHOD_NOT_FOUND, "Unsupported method: " + method));
    }

    // ---------------------------------------------------------------- requests as the host sees them

    private ApprovalRequest commandRequest(String method, CommandExecutionRequestApprovalParams p) {
        String cwd = orElse(p.cwd(), sessionCwd);
        String reason = blankToNull(p.reason());
        String command = blankToNull(p.command());
        NetworkApprovalContext network = p.networkApprovalContext();
        if (command == null && network != null) {
            command = "network access to " + orElse(network.host(), "?") + " ("
                    + (network.protocol() == null ? "?" : wireText(network.protocol())) + ")";
        }
        StringBuilder description = new StringBuilder("Codex requests exec in ").append(cwd == null ? "<unknown>" : cwd);
        if (reason != null) {
            description.append(" — ").append(reason);
        }
        List<String> actions = new ArrayList<>();
        for (CommandAction a : orEmpty(p.commandActions())) {
            String action = describe(a);
            if (action != null) {
                actions.add(action);
            }
        }
        if (!actions.isEmpty()) {
            description.append(" (").append(String.join(", ", actions)).append(')');
        }
        List<String> offered = new ArrayList<>();
        for (CommandExecutionApprovalDecision d : orEmpty(p.availableDecisions())) {
            offered.add(choiceName(d));
        }
        return new ApprovalRequest(ApprovalKind.COMMAND, method, blankToNull(p.threadId()), blankToNull(p.turnId()),
                blankToNull(p.itemId()), command == null ? "command" : command, description.toString(), command, cwd, reason,
                null, null, offered, p);
    }

    /** "read a.py", "listFiles src", "search src"; null for actions codex could not parse. */
    private static String describe(CommandAction a) {
        if (a instanceof CommandAction.Read r) {
            return withPath(r.type(), r.path());
        }
        if (a instanceof CommandAction.ListFiles l) {
            return withPath(l.type(), l.path());
        }
        if (a instanceof CommandAction.Search s) {
            return withPath(s.type(), s.path());
        }
        return null;
    }

    private static String withPath(String action, String path) {
        return path == null ? action : action + " " + path;
    }

    private ApprovalRequest fileChangeRequest(String method, FileChangeRequestApprovalParams p) {
        String itemId = blankToNull(p.itemId());
        String summary = itemId == null ? null : fileChanges.get(itemId);
        String reason = blankToNull(p.reason());
        String grantRoot = blankToNull(p.grantRoot());
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
        return new ApprovalRequest(ApprovalKind.FILE_CHANGE, method, blankToNull(p.threadId()), blankToNull(p.turnId()), itemId,
                title, description, null, sessionCwd, reason, null, null, List.of(), p);
    }

    private ApprovalRequest permissionsRequest(String method, PermissionsRequestApprovalParams p) {
        RequestPermissionProfile perms = p.permissions();
        List<String> wants = new ArrayList<>();
        if (perms != null && perms.fileSystem() != null) {
            orEmpty(perms.fileSystem().read()).forEach(path -> wants.add("read " + path));
            orEmpty(perms.fileSystem().write()).forEach(path -> wants.add("write " + path));
        }
        if (perms != null && perms.network() != null && Boolean.TRUE.equals(perms.network().enabled())) {
            wants.add("network");
        }
        String reason = blankToNull(p.reason());
        String title = wants.isEmpty() ? "extra permissions" : String.join(", ", wants);
        return new ApprovalRequest(ApprovalKind.PERMISSIONS, method, blankToNull(p.threadId()), blankToNull(p.turnId()),
                blankToNull(p.itemId()), title, "Codex requests " + title + (reason == null ? "" : " — " + reason), null,
                orElse(p.cwd(), sessionCwd), reason, null, null, List.of(), p);
    }

    private ApprovalRequest userInputRequest(String method, ToolRequestUserInputParams p) {
        List<String> questions = new ArrayList<>();
        for (ToolRequestUserInputQuestion q : orEmpty(p.questions())) {
            questions.add(q.question() != null ? q.question() : orElse(q.header(), ""));
        }
        return new ApprovalRequest(ApprovalKind.USER_INPUT, method, blankToNull(p.threadId()), blankToNull(p.turnId()),
                blankToNull(p.itemId()), questions.isEmpty() ? "question" : questions.get(0), String.join("\n", questions), null,
                sessionCwd, null, null, null, List.of(), p);
    }

    private ApprovalRequest legacyCommandRequest(String method, ExecCommandApprovalParams p) {
        String command = p.command() == null ? null : String.join(" ", p.command());
        String title = command == null ? "command" : command;
        return new ApprovalRequest(ApprovalKind.LEGACY_COMMAND, method, blankToNull(p.conversationId()), null,
                blankToNull(p.callId()), title, title, command, orElse(p.cwd(), sessionCwd), blankToNull(p.reason()),
                null, null, List.of(), p);
    }

    private ApprovalRequest legacyPatchRequest(String method, ApplyPatchApprovalParams p) {
        String title = "apply_patch: " + (p.fileChanges() == null ? 0 : p.fileChanges().size()) + " file(s)";
        return new ApprovalRequest(ApprovalKind.LEGACY_PATCH, method, blankToNull(p.conversationId()), null,
                blankToNull(p.callId()), title, title, null, sessionCwd, blankToNull(p.reason()), null, null, List.of(), p);
    }

    // ---------------------------------------------------------------- deciding

    /** Policy rules, then the handler with a deadline, then deny. */
    private CompletableFuture<Answer> decide(ApprovalRequest request, Function<ApprovalDecision, Object> toResult) {
        ApprovalDecision automatic = automaticDecision(request);
        CompletableFuture<ApprovalDecision> decision = automatic != null
                ? CompletableFuture.completedFuture(automatic) : askHost(request);
        return decision.thenApply(d -> {
            ApprovalDecision given = policy.alwaysMeansSession() && d.choice() == ApprovalChoice.ALWAYS
                    ? new ApprovalDecision(ApprovalChoice.SESSION, d.content(), d.note()) : d;
            return new Answer(toResult.apply(given), null, request, given);
        });
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
        if (request.kind() == ApprovalKind.MCP_TOOL_CALL && !policy.askAboutUntrustedMcpTools()) {
            return ApprovalDecision.deny("MCP server not trusted");
        }
        if (request.kind() == ApprovalKind.PERMISSIONS && policy.declinePermissions()) {
            return ApprovalDecision.deny("permission requests are declined by the policy");
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

    /** {@code ALWAYS} answers with the execpolicy amendment codex offered, when it offered one. */
    private static CommandExecutionRequestApprovalResponse commandResult(CommandExecutionRequestApprovalParams p, ApprovalDecision d) {
        if (d.choice() == ApprovalChoice.ALWAYS) {
            for (CommandExecutionApprovalDecision offered : orEmpty(p.availableDecisions())) {
                if (offered instanceof CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment) {
                    return new CommandExecutionRequestApprovalResponse(offered);
                }
            }
        }
        return new CommandExecutionRequestApprovalResponse(switch (d.choice()) {
            case ONCE -> CommandExecutionApprovalDecision.ACCEPT;
            case SESSION, ALWAYS -> CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION;
            case DENY -> CommandExecutionApprovalDecision.DECLINE;
            case CANCEL -> CommandExecutionApprovalDecision.CANCEL;
        });
    }

    private static FileChangeApprovalDecision fileChangeDecision(ApprovalDecision d) {
        return switch (d.choice()) {
            case ONCE -> FileChangeApprovalDecision.ACCEPT;
            case SESSION, ALWAYS -> FileChangeApprovalDecision.ACCEPT_FOR_SESSION;
            case DENY -> FileChangeApprovalDecision.DECLINE;
            case CANCEL -> FileChangeApprovalDecision.CANCEL;
        };
    }

    /** Grants the host's subset (the decision's content) or what was asked; a denial grants nothing. */
    private static PermissionsRequestApprovalResponse permissionsResult(PermissionsRequestApprovalParams p, ApprovalDecision d) {
        GrantedPermissionProfile nothing = new GrantedPermissionProfile(null, null);
        if (!d.choice().allows()) {
            return new PermissionsRequestApprovalResponse(nothing, null, null);
        }
        GrantedPermissionProfile granted;
        if (d.content() != null) {
            granted = grantedFrom(d.content(), nothing);
        } else {
            RequestPermissionProfile asked = p.permissions();
            granted = asked == null ? nothing : new GrantedPermissionProfile(asked.fileSystem(), asked.network());
        }
        return new PermissionsRequestApprovalResponse(granted,
                d.choice() == ApprovalChoice.ONCE ? PermissionGrantScope.TURN : PermissionGrantScope.SESSION, null);
    }

    /** A host's content that is not a permission profile grants nothing rather than failing the answer. */
    private static GrantedPermissionProfile grantedFrom(JsonNode content, GrantedPermissionProfile nothing) {
        if (!content.isObject()) {
            return nothing;
        }
        try {
            return Json.convert(content, GrantedPermissionProfile.class);
        } catch (JsonFormatException e) {
            LOG.warn("granted permissions do not fit the schema; granting none: {}", e.getMessage());
            return nothing;
        }
    }

    /** {@code {"id": "a"}}, {@code {"id": ["a", "b"]}} or {@code {"id": {"answers": [...]}}} → codex's answers. */
    private static ToolRequestUserInputResponse userInputResult(ApprovalDecision d) {
        Map<String, ToolRequestUserInputAnswer> answers = new LinkedHashMap<>();
        if (d.choice().allows() && d.content() != null && d.content().isObject()) {
            for (Map.Entry<String, JsonNode> e : d.content().properties()) {
                JsonNode v = e.getValue().has("answers") ? e.getValue().get("answers") : e.getValue();
                List<String> list = new ArrayList<>();
                if (v.isArray()) {
                    v.forEach(a -> list.add(a.asText()));
                } else {
                    list.add(v.asText());
                }
                answers.put(e.getKey(), new ToolRequestUserInputAnswer(list));
            }
        }
        return new ToolRequestUserInputResponse(answers);
    }

    private static ReviewDecision reviewDecision(ApprovalDecision d) {
        return switch (d.choice()) {
            case ONCE -> ReviewDecision.APPROVED;
            case SESSION, ALWAYS -> ReviewDecision.APPROVED_FOR_SESSION;
            case DENY -> new ReviewDecision.Denied(new ReviewDecision.Denied.DeniedValue(
                    d.note() == null ? "denied by the host" : d.note()));
            case CANCEL -> ReviewDecision.ABORT;
        };
    }

    // ---------------------------------------------------------------- MCP elicitations

    /**
     * What every elicitation variant has in common. Also read straight from the JSON of a mode
     * this version does not know, so a newer codex's tool-call approvals still reach the policy.
     */
    private record Elicitation(
            @JsonProperty("serverName") String serverName,
            @JsonProperty("threadId") String threadId,
            @JsonProperty("turnId") String turnId,
            @JsonProperty("_meta") JsonNode meta,
            @JsonProperty("message") String message,
            @JsonProperty("mode") String mode) {

        /** A {@code _meta} string, or null. */
        String meta(String key) {
            JsonNode v = meta == null ? null : meta.get(key);
            return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
        }

        List<String> metaList(String key) {
            JsonNode v = meta == null ? null : meta.get(key);
            List<String> out = new ArrayList<>();
            if (v != null && v.isArray()) {
                v.forEach(e -> out.add(e.asText()));
            }
            return out;
        }
    }

    private static Elicitation common(McpServerElicitationRequestParams p) {
        if (p instanceof McpServerElicitationRequestParams.Form f) {
            return new Elicitation(f.serverName(), f.threadId(), f.turnId(), f.meta(), f.message(), f.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.Url u) {
            return new Elicitation(u.serverName(), u.threadId(), u.turnId(), u.meta(), u.message(), u.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.OpenaiForm f) {
            return new Elicitation(f.serverName(), f.threadId(), f.turnId(), f.meta(), f.message(), f.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.OpenaiForm2 f) {
            return new Elicitation(f.serverName(), f.threadId(), f.turnId(), f.meta(), f.message(), f.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.OpenaiUserVerification v) {
            return new Elicitation(v.serverName(), v.threadId(), v.turnId(), v.meta(),
                    v.description() != null ? v.description() : v.title(), v.mode());
        }
        return Json.convert(((McpServerElicitationRequestParams.Unknown) p).raw(), Elicitation.class);
    }

    private ApprovalRequest elicitationRequest(String method, McpServerElicitationRequestParams p) {
        Elicitation e = common(p);
        String server = blankToNull(e.serverName());
        String message = blankToNull(e.message());
        if ("mcp_tool_call".equals(e.meta("codex_approval_kind"))) {
            String tool = orElse(e.meta("tool_name"), "tool");
            return new ApprovalRequest(ApprovalKind.MCP_TOOL_CALL, method, blankToNull(e.threadId()), blankToNull(e.turnId()),
                    null, "mcp." + server + "." + tool,
                    message == null ? "Allow the " + server + " MCP server to run tool \"" + tool + "\"?" : message,
                    null, sessionCwd, null, server, tool, toolCallChoices(e.metaList("persist")), p);
        }
        return new ApprovalRequest(ApprovalKind.ELICITATION, method, blankToNull(e.threadId()), blankToNull(e.turnId()),
                null, (server == null ? "MCP server" : server) + ": " + (message == null ? orElse(e.mode(), "request") : message),
                message == null ? "" : message, null, sessionCwd, null, server, null, List.of(), p);
    }

    /**
     * {@code once} and then codex's {@code _meta.persist} options: codex lists only the ways to
     * remember an approval, but a plain {@code accept} approves just this call (the next call of
     * the same tool asks again), so once is always on offer.
     */
    private static List<String> toolCallChoices(List<String> persist) {
        List<String> choices = new ArrayList<>(List.of("once"));
        persist.stream().filter(c -> !choices.contains(c)).forEach(choices::add);
        return choices;
    }

    private CompletableFuture<Answer> elicitation(String method, McpServerElicitationRequestParams p) {
        Elicitation e = common(p);
        String approvalKind = e.meta("codex_approval_kind");
        ApprovalRequest request = elicitationRequest(method, p);
        if (request.kind() == ApprovalKind.MCP_TOOL_CALL) {
            List<String> offered = request.choicesOffered();
            return decide(request, d -> toolCallElicitationResult(d, offered));
        }
        if (approvalKind != null || !policy.trusts(request.serverName())) {
            // A kind codex has not told us about, or a server the host does not trust: never forward.
            ApprovalDecision d = ApprovalDecision.deny(approvalKind != null
                    ? "unknown approval kind " + approvalKind : "MCP server not trusted");
            return CompletableFuture.completedFuture(new Answer(elicitationResult(McpServerElicitationAction.DECLINE, null, null),
                    null, request, d));
        }
        boolean url = "url".equals(e.mode());
        return decide(request, d -> switch (d.choice()) {
            case DENY -> elicitationResult(McpServerElicitationAction.DECLINE, null, null);
            case CANCEL -> elicitationResult(McpServerElicitationAction.CANCEL, null, null);
            // A URL elicitation is completed out of band: accepting it carries no content.
            default -> elicitationResult(McpServerElicitationAction.ACCEPT, url ? null
                    : d.content() == null ? Json.object() : d.content(), null);
        });
    }

    /** ONCE is a plain accept (no {@code _meta.persist}); ALWAYS falls back to the session when codex does not offer it. */
    private static McpServerElicitationRequestResponse toolCallElicitationResult(ApprovalDecision d, List<String> offered) {
        return switch (d.choice()) {
            case ONCE -> elicitationResult(McpServerElicitationAction.ACCEPT, Json.object(), null);
            case SESSION -> elicitationResult(McpServerElicitationAction.ACCEPT, null, Json.object().put("persist", "session"));
            case ALWAYS -> elicitationResult(McpServerElicitationAction.ACCEPT, null,
                    Json.object().put("persist", offered.contains("always") ? "always" : "session"));
            case DENY -> elicitationResult(McpServerElicitationAction.DECLINE, null, null);
            case CANCEL -> elicitationResult(McpServerElicitationAction.CANCEL, null, null);
        };
    }

    private static McpServerElicitationRequestResponse elicitationResult(McpServerElicitationAction action, JsonNode content,
            JsonNode meta) {
        return McpServerElicitationRequestResponse.builder().action(action).content(content).meta(meta).build();
    }

    // ---------------------------------------------------------------- dynamic tools and auth

    private CompletableFuture<Answer> dynamicTool(DynamicToolCallParams p) {
        String name = orElse(p.tool(), "");
        DynamicTool tool = tools.get(name);
        if (tool == null) {
            return CompletableFuture.completedFuture(new Answer(toolResult(DynamicTool.Result.failure(
                    "unknown tool \"" + name + "\"")), null, null, null));
        }
        // Handlers written against the JSON read absent arguments as a missing node, as before.
        JsonNode arguments = p.arguments() != null ? p.arguments() : Json.nodes().missingNode();
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
                .thenApply(r -> new Answer(toolResult(r), null, null, null));
    }

    private static DynamicToolCallResponse toolResult(DynamicTool.Result r) {
        List<DynamicToolCallOutputContentItem> items = new ArrayList<>();
        r.texts().forEach(t -> items.add(new DynamicToolCallOutputContentItem.InputText(t)));
        r.imageUrls().forEach(u -> items.add(new DynamicToolCallOutputContentItem.InputImage(u)));
        return new DynamicToolCallResponse(items, r.success());
    }

    private CompletableFuture<Answer> authRefresh(ChatgptAuthTokensRefreshParams p) {
        if (policy.authRefresh() == null) {
            return CompletableFuture.completedFuture(error(RpcError.METHOD_NOT_FOUND,
                    "this host cannot refresh ChatGPT tokens (no auth refresh handler)"));
        }
        return policy.authRefresh().apply(p).toCompletableFuture()
                .thenApply(result -> result == null ? error(RpcError.INTERNAL_ERROR, "token refresh returned nothing")
                        : new Answer(result, null, null, null))
                .exceptionally(e -> error(RpcError.INTERNAL_ERROR, "token refresh failed"));
    }

    // ---------------------------------------------------------------- helpers

    private static Answer error(int code, String message) {
        return new Answer(null, new RpcError(code, message), null, null);
    }

    private static boolean present(String s) {
        return s != null && !s.isEmpty();
    }

    /** Codex sends "" and null alike for "not given". */
    private static String blankToNull(String s) {
        return present(s) ? s : null;
    }

    private static String orElse(String s, String fallback) {
        return present(s) ? s : fallback;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** How a generated value is spelled on the wire: an enum's or bare-string variant's JSON text. */
    private static String wireText(Object value) {
        JsonNode n = Json.tree(value);
        return n.isTextual() ? n.asText() : "";
    }

    /** The name of an offered decision: the string, or the key of a single-key object. */
    private static String choiceName(CommandExecutionApprovalDecision d) {
        JsonNode n = Json.tree(d);
        return n.isTextual() ? n.asText() : n.fieldNames().hasNext() ? n.fieldNames().next() : n.toString();
    }
}
