package dev.codexbridge.approval;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The host's side of approvals. Called off the turn's thread; may answer later (a human
 * deciding): the turn keeps reading codex's notifications meanwhile. An exception, a failed
 * stage or no answer within the policy's deadline counts as {@link ApprovalChoice#DENY}.
 *
 * <p>The returned stage is cancelled when codex withdraws the request before the answer goes
 * out: another client on the same thread answered it first, or its turn ended (an interrupt).
 * A host that keeps a prompt open watches for that ({@code stage.toCompletableFuture()
 * .isCancelled()}, or a {@code whenComplete} that sees a {@code CancellationException}) and closes
 * it; an answer given after that is never sent. A stage that cannot be cancelled keeps running
 * and its answer is dropped.
 */
@FunctionalInterface
public interface ApprovalHandler {
    CompletionStage<ApprovalDecision> decide(ApprovalRequest request) throws Exception;

    /** A handler that always gives the same answer (tests, unattended runs). */
    static ApprovalHandler always(ApprovalChoice choice) {
        return request -> CompletableFuture.completedFuture(new ApprovalDecision(choice, null, "fixed policy"));
    }
}
