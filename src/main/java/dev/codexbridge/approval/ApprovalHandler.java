package dev.codexbridge.approval;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The host's side of approvals. Called off the turn's thread; may answer later (a human
 * deciding): the turn keeps reading codex's notifications meanwhile. An exception, a failed
 * stage or no answer within the policy's deadline counts as {@link ApprovalChoice#DENY}.
 */
@FunctionalInterface
public interface ApprovalHandler {
    CompletionStage<ApprovalDecision> decide(ApprovalRequest request) throws Exception;

    /** A handler that always gives the same answer (tests, unattended runs). */
    static ApprovalHandler always(ApprovalChoice choice) {
        return request -> CompletableFuture.completedFuture(new ApprovalDecision(choice, null, "fixed policy"));
    }
}
