package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.rpc.RpcError;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;

/**
 * Answers every server request codex 0.171 can send, exactly once, with a response its schema
 * accepts. Decisions go through the {@link ApprovalPolicy}: automatic rules, then the host's
 * handler (run off the caller's thread, with a deadline), then fail closed. Anything unknown is
 * answered {@code -32601}. Reads the generated params types and answers with the generated
 * response types. Thread-safe.
 *
 * <p>Each request codex defines is one entry of a table keyed by method, and an entry says both
 * how its request is shown to the host and how the host's decision is answered (package-private,
 * one small class per request family: {@code CommandApprovals}, {@code FileChangeApprovals},
 * {@code PermissionApprovals}, {@code McpElicitations}, {@code UserInputRequests},
 * {@code DynamicToolCalls}, {@code LegacyApprovals}, {@code AuthTokenRefresh}). A request without
 * an entry fails the bridge's construction ({@code RequestTable}) instead of going unanswered.
 *
 * <p>A request an older codex still sends and the pinned one no longer defines ({@code currentTime/read},
 * gone in 0.171.0, still sent by 0.169.0) decodes to {@link ServerRequestParams.Unknown} and is answered
 * {@code -32601 "Unsupported method: …"}, the answer it got when it was defined.
 */
public final class ServerRequestBridge {
    private static final Logger LOG = SafeLogger.getLogger(ServerRequestBridge.class);
    public static final Duration DYNAMIC_TOOL_DEADLINE = Duration.ofMinutes(10);

    /**
     * The answer to one request: a result or an error, and what the host was asked and said.
     * {@code result} is the generated response record (e.g. {@code CommandExecutionRequestApprovalResponse}),
     * ready to be serialized with {@link Json}.
     */
    public record Answer(Object result, RpcError error, ApprovalRequest request, ApprovalDecision decision) {
    }

    private final FileChangeApprovals fileChanges;
    private final RequestTable table;

    public ServerRequestBridge(ApprovalPolicy policy, List<DynamicTool> tools, String sessionCwd) {
        Map<String, DynamicTool> byName = new HashMap<>();
        for (DynamicTool t : tools) {
            byName.put(t.name(), t);
        }
        ApprovalDecider decider = new ApprovalDecider(policy);
        this.fileChanges = new FileChangeApprovals(sessionCwd);
        this.table = new RequestTable(List.of(
                CommandApprovals.entry(decider, sessionCwd),
                fileChanges.entry(decider),
                PermissionApprovals.entry(decider, sessionCwd),
                McpElicitations.entry(decider, sessionCwd),
                UserInputRequests.entry(decider, sessionCwd),
                DynamicToolCalls.entry(Map.copyOf(byName)),
                LegacyApprovals.execCommand(decider, sessionCwd),
                LegacyApprovals.applyPatch(decider, sessionCwd),
                AuthTokenRefresh.entry(policy),
                // Nothing a host of this bridge can answer: codex is told so rather than left waiting.
                RequestEntry.unsupported(ServerRequests.ATTESTATION_GENERATE)));
    }

    /** Feeds notifications so file-change approvals can say what would change. */
    public void observe(ServerNotification notification) {
        fileChanges.observe(notification);
    }

    /** The request as the host would be asked, or null for requests that are not approvals (tool calls, auth). */
    public ApprovalRequest describe(String method, ServerRequestParams params) {
        try {
            RequestEntry<?> entry = table.entryFor(method, params);
            return entry == null ? null : entry.describe(params);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Answers the request {@code method} with {@code params}; the future never fails.
     *
     * <p>Cancelling it withdraws the request from the host, for when codex no longer waits for
     * the answer (another client answered, or its turn ended): a handler or tool not yet called
     * is not called, the stage an {@link dev.codexbridge.approval.ApprovalHandler} returned is
     * cancelled, and a {@link DynamicTool} still running is interrupted.
     */
    public CompletableFuture<Answer> answer(String method, ServerRequestParams params) {
        try {
            RequestEntry<?> entry = table.entryFor(method, params);
            if (entry == null) {
                return CompletableFuture.completedFuture(RequestEntry.unsupportedMethod(method));
            }
            CompletableFuture<Answer> answering = entry.answer(params);
            return CancelPropagation.from(answering
                    .exceptionally(e -> {
                        if (!answering.isCancelled()) {
                            LOG.warn("answering {} failed; answering with an error", method, e);
                        }
                        return RequestEntry.error(RpcError.INTERNAL_ERROR, "could not answer " + method);
                    }), answering);
        } catch (RuntimeException e) {
            LOG.warn("answering {} failed; answering with an error", method, e);
            return CompletableFuture.completedFuture(RequestEntry.error(RpcError.INTERNAL_ERROR, "could not answer " + method));
        }
    }
}
