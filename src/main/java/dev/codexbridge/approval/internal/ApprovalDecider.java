package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.approval.internal.ServerRequestBridge.Answer;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Decides one approval by the {@link ApprovalPolicy}: its automatic rules, then the host's
 * handler (on the host pool, within the policy's deadline), then deny. A handler that throws,
 * fails, answers nothing or answers late denies; one still blocked in {@code decide} at the
 * deadline is interrupted. Cancelling the answer withdraws the
 * request from the host: a handler not yet called is not called, and the stage it returned is
 * cancelled.
 */
final class ApprovalDecider {
    private static final Logger LOG = SafeLogger.getLogger(ApprovalDecider.class);

    private final ApprovalPolicy policy;

    ApprovalDecider(ApprovalPolicy policy) {
        this.policy = policy;
    }

    ApprovalPolicy policy() {
        return policy;
    }

    /**
     * Decides {@code request} and answers with {@code toResult} of the decision; under
     * {@link ApprovalPolicy#alwaysMeansSession()} (the default) an ALWAYS is given (and reported)
     * as SESSION, so no rule is written into codex's home unless the host asked for that.
     */
    CompletableFuture<Answer> decide(ApprovalRequest request, Function<ApprovalDecision, ?> toResult) {
        ApprovalDecision automatic = automaticDecision(request);
        CompletableFuture<ApprovalDecision> decision = automatic != null
                ? CompletableFuture.completedFuture(automatic) : askHost(request);
        return CancelPropagation.from(decision.thenApply(d -> {
            ApprovalDecision given = policy.alwaysMeansSession() && d.choice() == ApprovalChoice.ALWAYS
                    ? new ApprovalDecision(ApprovalChoice.SESSION, d.content(), d.note()) : d;
            return new Answer(toResult.apply(given), null, request, given);
        }), decision);
    }

    /** The policy's rule for this kind of request, else deny when there is no handler; null: ask the host. */
    private ApprovalDecision automaticDecision(ApprovalRequest request) {
        ApprovalDecision rule = switch (request.kind()) {
            case COMMAND, LEGACY_COMMAND -> commandRule(request);
            case FILE_CHANGE, LEGACY_PATCH -> policy.autoApproveFileChanges()
                    ? new ApprovalDecision(ApprovalChoice.ONCE, null, "auto-approved file changes") : null;
            case MCP_TOOL_CALL -> policy.trusts(request.serverName())
                    ? new ApprovalDecision(ApprovalChoice.ONCE, null, "trusted MCP server")
                    : policy.askAboutUntrustedMcpTools() ? null : ApprovalDecision.deny("MCP server not trusted");
            case PERMISSIONS -> policy.declinePermissions()
                    ? ApprovalDecision.deny("permission requests are declined by the policy") : null;
            case ELICITATION, USER_INPUT -> null;
        };
        if (rule == null && policy.handler() == null) {
            return ApprovalDecision.deny("no approval handler (fail closed)");
        }
        return rule;
    }

    /** Auto-approval, else the allow-list's answer (null when the rules hand the command to the host). */
    private ApprovalDecision commandRule(ApprovalRequest request) {
        if (policy.autoApproveCommands()) {
            return new ApprovalDecision(ApprovalChoice.ONCE, null, "auto-approved commands");
        }
        CommandRules rules = policy.commandRules();
        if (rules == null) {
            return null;
        }
        ApprovalDecision decision = rules.decide(request);
        return decision.choice().allows() || !rules.askHandlerForOthers() ? decision : null;
    }

    private CompletableFuture<ApprovalDecision> askHost(ApprovalRequest request) {
        CompletableFuture<ApprovalDecision> result = new CompletableFuture<>();
        // host code, which may block: on the host pool, never on a thread a turn or the reader needs
        Future<?> asking = RpcThreads.host().submit(() -> {
            if (result.isDone()) {
                return;     // withdrawn before the host was asked
            }
            try {
                CompletionStage<ApprovalDecision> stage = policy.handler().decide(request);
                if (stage == null) {
                    result.complete(ApprovalDecision.deny("the handler returned nothing"));
                    return;
                }
                result.whenComplete((d, e) -> {
                    if (result.isCancelled()) {
                        // cancelling runs the host's continuations of its stage: on the host pool,
                        // not on the reader thread that read the withdrawal
                        RpcThreads.host().execute(() -> withdraw(stage));
                    }
                });
                stage.whenComplete((d, e) -> {
                    if (result.isDone()) {
                        return;     // withdrawn or too late: nothing to decide any more
                    }
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
        ApprovalDecision late = ApprovalDecision.deny("no decision within " + policy.deadline().toSeconds() + " s");
        result.completeOnTimeout(late, policy.deadline().toMillis(), TimeUnit.MILLISECONDS);
        // a handler still blocked in decide() at its deadline is interrupted: the host pool gets its thread back
        result.thenAccept(d -> {
            if (d == late) {
                asking.cancel(true);
            }
        });
        return result;
    }

    /**
     * Cancels the host's stage: codex no longer waits for it. A stage that cannot be cancelled
     * (not backed by a {@code CompletableFuture}) keeps running and its answer is dropped.
     */
    private static void withdraw(CompletionStage<ApprovalDecision> stage) {
        try {
            stage.toCompletableFuture().cancel(false);
        } catch (UnsupportedOperationException e) {
            LOG.debug("the handler's stage cannot be cancelled; its answer will be dropped");
        }
    }
}
