package dev.codexbridge.approval;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The handler of {@link ApprovalPolicy#withCaller}: the host's handler first, the remote caller only
 * for what the host left to it. Cancelling the returned stage (codex withdrew the request) cancels
 * whichever of the two stages is still open, so neither the host's prompt nor the caller's stays up.
 */
final class CallerHandoff implements ApprovalHandler {
    private final @Nullable ApprovalHandler host;
    private final ApprovalHandler caller;

    CallerHandoff(@Nullable ApprovalHandler host, ApprovalHandler caller) {
        this.host = host;
        this.caller = caller;
    }

    @Override
    public CompletionStage<ApprovalDecision> decide(ApprovalRequest request) throws Exception {
        if (host == null) {
            return caller.decide(request);
        }
        CompletableFuture<ApprovalDecision> result = new CompletableFuture<>();
        CompletionStage<ApprovalDecision> asked = host.decide(request);
        if (asked == null) {
            return CompletableFuture.completedFuture(ApprovalDecision.deny("the handler returned nothing"));
        }
        cancelWith(result, asked);
        asked.whenComplete((d, e) -> {
            if (result.isDone()) {
                return;
            }
            if (e != null || d == null || !d.leftToCaller()) {
                forward(result, d, e);
                return;
            }
            try {
                CompletionStage<ApprovalDecision> answered = caller.decide(request);
                if (answered == null) {
                    result.complete(ApprovalDecision.deny("the caller's handler returned nothing"));
                    return;
                }
                cancelWith(result, answered);
                answered.whenComplete((d2, e2) -> forward(result, d2, e2));
            } catch (Exception | Error ex) {
                result.completeExceptionally(ex);
            }
        });
        return result;
    }

    private static void forward(CompletableFuture<ApprovalDecision> result, @Nullable ApprovalDecision d, @Nullable Throwable e) {
        if (e != null) {
            result.completeExceptionally(e);
        } else {
            result.complete(d);
        }
    }

    private static void cancelWith(CompletableFuture<ApprovalDecision> result, CompletionStage<ApprovalDecision> inner) {
        result.whenComplete((d, e) -> {
            if (result.isCancelled()) {
                try {
                    inner.toCompletableFuture().cancel(false);
                } catch (UnsupportedOperationException ignored) {
                    // a stage that cannot be cancelled keeps running; its answer is dropped
                }
            }
        });
    }
}
