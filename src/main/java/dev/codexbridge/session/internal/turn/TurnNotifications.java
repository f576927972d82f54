package dev.codexbridge.session.internal.turn;

import static dev.codexbridge.session.internal.inbox.ListenerCalls.safely;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.AgentMessageDeltaNotification;
import dev.codexbridge.protocol.CommandExecutionOutputDeltaNotification;
import dev.codexbridge.protocol.ConfigWarningNotification;
import dev.codexbridge.protocol.ErrorNotification;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ItemStartedNotification;
import dev.codexbridge.protocol.ReasoningSummaryTextDeltaNotification;
import dev.codexbridge.protocol.ReasoningTextDeltaNotification;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadTokenUsageUpdatedNotification;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnCompletedNotification;
import dev.codexbridge.protocol.TurnError;
import dev.codexbridge.protocol.TurnPlanUpdatedNotification;
import dev.codexbridge.protocol.WarningNotification;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.RateLimitSignal;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.failure.ErrorClassifier;
import dev.codexbridge.session.internal.inbox.TurnFollow;
import dev.codexbridge.session.internal.inbox.TurnPlace;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;

/**
 * Hands one turn's notifications on: to the approval bridge (which settles requests by them),
 * the transcript projector and the host's listener, in codex's order; counts agent actions for
 * the step budget and keeps codex's token usage and last error in the turn's tally. Called from
 * the turn's events, one at a time.
 */
public final class TurnNotifications {
    /** What the fan-out needs of its turn. */
    /** Where the turn runs: its bridge and client. */
    private final TurnPlace place;
    /** Told when the turn took as many agent actions as its budget allows: it is to be stopped. */
    private final Runnable stepBudgetReached;
    private final TurnListener listener;
    private final ItemProjector projector;
    private final TurnTally tally;
    private final TurnFollow follow;
    /** The account's governor, or null. */
    private final RateLimitGovernor rateLimits;
    private final int maxSteps;

    TurnNotifications(TurnPlace place, Runnable stepBudgetReached, TurnListener listener, ItemProjector projector, TurnTally tally, TurnFollow follow,
                      RateLimitGovernor rateLimits, int maxSteps) {
        this.place = place;
        this.stepBudgetReached = stepBudgetReached;
        this.listener = listener;
        this.projector = projector;
        this.tally = tally;
        this.follow = follow;
        this.rateLimits = rateLimits;
        this.maxSteps = maxSteps;
    }

    /** Hands {@code n} on; returns codex's record of the turn when {@code n} ends it, else null. */
    Turn handle(CodexEvent.Notification n) {
        ServerNotification p = n.params();
        place.bridge().observe(p);
        List<TranscriptMessage> produced = projector.onNotification(p);
        if (p instanceof AgentMessageDeltaNotification d) {
            safely(() -> listener.onAgentMessageDelta(d.itemId(), d.delta()));
        } else if (p instanceof ReasoningSummaryTextDeltaNotification d) {
            safely(() -> listener.onReasoningDelta(d.itemId(), d.delta(), true));
        } else if (p instanceof ReasoningTextDeltaNotification d) {
            safely(() -> listener.onReasoningDelta(d.itemId(), d.delta(), false));
        } else if (p instanceof CommandExecutionOutputDeltaNotification d) {
            safely(() -> listener.onCommandOutputDelta(d.itemId(), d.delta()));
        } else if (p instanceof ItemStartedNotification started) {
            safely(() -> listener.onItemStarted(started.item()));
        } else if (p instanceof ItemCompletedNotification completed) {
            follow.completed(completed.item() == null ? null : completed.item().id());     // from the typed item: the line is not parsed a second time
            itemCompleted(completed.item(), produced);
        } else if (p instanceof TurnPlanUpdatedNotification plan) {
            safely(() -> listener.onPlanUpdated(plan));
        } else if (p instanceof ThreadTokenUsageUpdatedNotification usage && usage.tokenUsage() != null) {
            TokenUsage u = ApiAccess.get().tokenUsage(usage.tokenUsage());
            tally.tokenUsage(u);
            safely(() -> listener.onTokenUsage(u));
        } else if (p instanceof ErrorNotification e) {
            error(e);
        } else if (p instanceof WarningNotification w) {
            safely(() -> listener.onWarning(w.message() == null ? "" : w.message()));
        } else if (p instanceof ConfigWarningNotification w) {
            safely(() -> listener.onWarning(w.summary() == null ? "" : w.summary()));
        } else if (p instanceof TurnCompletedNotification done && done.turn() != null) {
            return done.turn();
        } else {
            safely(() -> listener.onNotification(n));
        }
        return null;
    }

    private void error(ErrorNotification e) {
        TurnError error = e.error();
        TurnFailure err = ErrorClassifier.classify(error == null ? null : error.message(),
                error == null ? null : error.codexErrorInfo(), place.client().stderrTail(40));
        if (Boolean.TRUE.equals(e.willRetry())) {
            tally.lastRetryReason(retryReason(error));
            if (rateLimits != null && err.category() == ErrorCategory.USAGE_LIMIT) {
                // codex's own retries of a rate limit hold back the other sessions too
                rateLimits.report(ApiAccess.get().rateLimitOf(err, RateLimitSignal.Source.CODEX_RETRY));
            }
            safely(() -> listener.onRetry(err));
        } else {
            tally.lastError(err);
        }
    }

    /**
     * What codex says while it retries: its details ("Connection failed: error sending request")
     * name the cause, its message ("Reconnecting... waiting for network") only the retry.
     */
    private static String retryReason(TurnError error) {
        if (error == null) {
            return null;
        }
        String details = error.additionalDetails();
        return details != null && !details.isBlank() ? details : error.message();
    }

    /** An item codex completed while nobody here listened: to the listener, transcript and step count like a live one. */
    void deliverCompleted(ThreadItem item) {
        itemCompleted(item, projector.completed(item));
    }

    /** The listener hears of a completed item (live, or fetched after a re-attach); the step budget counts it. */
    private void itemCompleted(ThreadItem item, List<TranscriptMessage> produced) {
        safely(() -> listener.onItemCompleted(item, produced));
        if (!produced.isEmpty()) {
            safely(() -> listener.onTranscript(produced));
        }
        if (TurnTally.isStep(item)) {
            int step = tally.stepEnded(System.nanoTime());
            safely(() -> listener.onStep(step, item));
            if (maxSteps > 0 && step >= maxSteps) {
                stepBudgetReached.run();
            }
        }
    }
}
