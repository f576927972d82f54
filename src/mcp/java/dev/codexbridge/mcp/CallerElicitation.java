package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.internal.SafeLogger;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The server's side of approvals for one conversation, handed to the session source as the
 * caller's handler: it asks the MCP client of the tool call now running on the conversation, by
 * elicitation. A conversation outlives the calls (codex-reply may come from another client
 * session), so the call is set per turn. Declined, without asking, when no call runs or the
 * client did not declare elicitation; declined when the client does not answer in time. When
 * codex withdraws the request (the turn was interrupted or ended, or another client answered), or
 * the deadline passes, the client is told with {@code notifications/cancelled} for the
 * elicitation and the server stops waiting for it.
 */
final class CallerElicitation implements ApprovalHandler {
    private static final Logger LOG = SafeLogger.getLogger(CallerElicitation.class);

    /** The tool call a turn runs for: where to ask, and its JSON-RPC id for the {@code codex_mcp_tool_call_id} detail. */
    record Call(McpSyncServerExchange exchange, @Nullable Object requestId) {
        boolean canElicit() {
            McpSchema.ClientCapabilities c = exchange.getClientCapabilities();
            return c != null && c.elicitation() != null;
        }
    }

    private final Executor askers;
    private final Duration deadline;
    private final PendingElicitations pending;
    private volatile @Nullable Call current;

    CallerElicitation(Executor askers, Duration deadline, PendingElicitations pending) {
        this.askers = askers;
        this.deadline = deadline;
        this.pending = pending;
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
        String mark = pending.mark();
        McpSchema.ElicitRequest ask = marked(ElicitationForms.requestFor(request, call.requestId()), mark);
        // the SDK's exchange blocks until the client answers: off the turn's thread, which is
        // interrupted to stop waiting (the SDK then drops its pending request)
        CompletableFuture<McpSchema.ElicitResult> answer = new CompletableFuture<>();
        AtomicReference<@Nullable Thread> asking = new AtomicReference<>();
        try {
            askers.execute(() -> {
                asking.set(Thread.currentThread());
                try {
                    answer.complete(call.exchange().createElicitation(ask));
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                } finally {
                    synchronized (asking) {
                        asking.set(null);
                    }
                    // an interrupt meant for this elicitation must not reach the pool's next task
                    Thread.interrupted();
                }
            });
        } catch (RejectedExecutionException e) {
            pending.settled(mark);
            return CompletableFuture.completedFuture(ApprovalDecision.deny("too many approvals waiting for MCP clients at once"));
        }
        CompletableFuture<ApprovalDecision> decided = new CompletableFuture<>();
        answer.orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS).whenComplete((result, e) -> {
            if (e == null) {
                pending.settled(mark);
                decided.complete(ElicitationForms.decisionOf(result));
                return;
            }
            LOG.debug("elicitation for {} ended without an answer: {}", request.method(), e.toString());
            if (e instanceof TimeoutException) {
                stopAsking(mark, asking, "no answer within " + deadline.toSeconds() + " s: taken as declined");
            } else {
                pending.settled(mark);
            }
            decided.complete(ApprovalDecision.deny("the MCP client gave no answer (" + e.getClass().getSimpleName() + ")"));
        });
        decided.whenComplete((d, e) -> {
            if (e instanceof CancellationException) {
                stopAsking(mark, asking, "codex withdrew this request (its turn ended or it was answered elsewhere)");
            }
        });
        return decided;
    }

    private void stopAsking(String mark, AtomicReference<@Nullable Thread> asking, String reason) {
        pending.withdraw(mark, reason);
        synchronized (asking) {
            Thread t = asking.get();
            if (t != null) {
                t.interrupt();
            }
        }
    }

    private static McpSchema.ElicitRequest marked(McpSchema.ElicitRequest ask, String mark) {
        Map<String, Object> meta = new LinkedHashMap<>(ask.meta() == null ? Map.of() : ask.meta());
        meta.put(PendingElicitations.MARK, mark);
        return ask instanceof McpSchema.ElicitFormRequest f ? new McpSchema.ElicitFormRequest(f.message(), f.requestedSchema(), meta) : ask;
    }
}
