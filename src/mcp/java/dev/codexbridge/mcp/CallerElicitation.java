package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalRequest;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of approvals for one conversation, handed to the session source as the
 * caller's handler: it asks the MCP client of the tool call now running on the conversation, by
 * elicitation. A conversation outlives the calls (codex-reply may come from another client
 * session), so the call is set per turn. Declined, without asking, when no call runs or the
 * client did not declare elicitation; declined when the client does not answer in time.
 */
final class CallerElicitation implements ApprovalHandler {
    private static final Logger LOG = LoggerFactory.getLogger(CallerElicitation.class);

    /** The tool call a turn runs for: where to ask, and its JSON-RPC id for the {@code codex_mcp_tool_call_id} detail. */
    record Call(McpSyncServerExchange exchange, @Nullable Object requestId) {
        boolean canElicit() {
            McpSchema.ClientCapabilities c = exchange.getClientCapabilities();
            return c != null && c.elicitation() != null;
        }
    }

    private final Executor askers;
    private final Duration deadline;
    private volatile @Nullable Call current;

    CallerElicitation(Executor askers, Duration deadline) {
        this.askers = askers;
        this.deadline = deadline;
    }

    void during(@Nullable Call call) {
        this.current = call;
    }

    @Override
    public CompletionStage<ApprovalDecision> decide(ApprovalRequest request) {
        Call call = current;
        if (call == null) {
            return CompletableFuture.completedFuture(ApprovalDecision.deny("no MCP client is waiting on this conversation"));
        }
        if (!call.canElicit()) {
            return CompletableFuture.completedFuture(ApprovalDecision.deny(
                    "the MCP client did not declare the elicitation capability, so it cannot be asked"));
        }
        McpSchema.ElicitRequest ask = ElicitationForms.requestFor(request, call.requestId());
        // the SDK's exchange blocks until the client answers: off the turn's thread, bounded by the deadline
        CompletableFuture<ApprovalDecision> asked;
        try {
            asked = CompletableFuture.supplyAsync(() -> ElicitationForms.decisionOf(call.exchange().createElicitation(ask)), askers);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(ApprovalDecision.deny("too many approvals waiting for MCP clients at once"));
        }
        return asked.orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(e -> {
                    LOG.debug("elicitation for {} ended without an answer: {}", request.method(), e.toString());
                    return ApprovalDecision.deny("the MCP client gave no answer (" + e.getClass().getSimpleName() + ")");
                });
    }
}
