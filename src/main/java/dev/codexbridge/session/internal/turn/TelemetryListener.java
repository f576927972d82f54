package dev.codexbridge.session.internal.turn;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.TurnPlanUpdatedNotification;
import dev.codexbridge.session.RateLimitWait;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.List;

/**
 * The host's {@link TurnListener}, every call passed on first, and the turn's
 * {@link TurnTelemetry} told what it observes: items, approvals (its request before the host
 * hears it, so the wait is timed from the ask), rate-limit waits, retries, a replaced thread, a
 * lost and re-attached connection, token usage. It overrides every method of
 * {@link TurnListener} (a test checks it), so nothing meant for the host stops here.
 */
public final class TelemetryListener implements TurnListener {
    private final TurnListener host;
    private final TurnTelemetry telemetry;

    TelemetryListener(TurnListener host, TurnTelemetry telemetry) {
        this.host = host;
        this.telemetry = telemetry;
    }

    @Override
    public void onAgentMessageDelta(String itemId, String delta) {
        host.onAgentMessageDelta(itemId, delta);
    }

    @Override
    public void onReasoningDelta(String itemId, String delta, boolean summary) {
        host.onReasoningDelta(itemId, delta, summary);
    }

    @Override
    public void onCommandOutputDelta(String itemId, String delta) {
        host.onCommandOutputDelta(itemId, delta);
    }

    @Override
    public void onItemStarted(ThreadItem item) {
        try {
            host.onItemStarted(item);
        } finally {
            telemetry.itemStarted(item);
        }
    }

    @Override
    public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
        try {
            host.onItemCompleted(item, messages);
        } finally {
            telemetry.itemCompleted(item);
        }
    }

    @Override
    public void onTranscript(List<TranscriptMessage> messages) {
        host.onTranscript(messages);
    }

    @Override
    public void onStep(int step, ThreadItem item) {
        host.onStep(step, item);
    }

    @Override
    public void onPlanUpdated(TurnPlanUpdatedNotification plan) {
        host.onPlanUpdated(plan);
    }

    @Override
    public void onApprovalRequested(ApprovalRequest request) {
        try {
            telemetry.approvalRequested(request);
        } finally {
            host.onApprovalRequested(request);
        }
    }

    @Override
    public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
        try {
            host.onApprovalAnswered(request, decision);
        } finally {
            telemetry.approvalAnswered(request, decision);
        }
    }

    @Override
    public void onApprovalWithdrawn(ApprovalRequest request) {
        try {
            host.onApprovalWithdrawn(request);
        } finally {
            telemetry.approvalWithdrawn(request);
        }
    }

    @Override
    public void onRetry(TurnFailure error) {
        try {
            host.onRetry(error);
        } finally {
            telemetry.retried(error == null || error.category() == null ? null : error.category().wire());
        }
    }

    @Override
    public void onRateLimitWait(RateLimitWait wait) {
        try {
            host.onRateLimitWait(wait);
        } finally {
            if (wait != null) {
                telemetry.rateLimitWait(wait.attempt(), wait.reason() == null ? null : wait.reason().type(), wait.remaining());
            }
        }
    }

    @Override
    public void onWarning(String message) {
        host.onWarning(message);
    }

    @Override
    public void onThreadReplaced(ThreadReplacement replacement) {
        try {
            host.onThreadReplaced(replacement);
        } finally {
            telemetry.threadReplaced(replacement.previousThreadId(), replacement.threadId());
        }
    }

    @Override
    public void onTokenUsage(TokenUsage usage) {
        try {
            host.onTokenUsage(usage);
        } finally {
            if (usage != null && usage.last() != null) {
                telemetry.tokenUsage(usage.last().inputTokens(), usage.last().outputTokens());
            }
        }
    }

    @Override
    public void onTurnStarted(String key, String turnId) {
        try {
            host.onTurnStarted(key, turnId);
        } finally {
            telemetry.turnStarted(turnId);
        }
    }

    @Override
    public void onConnectionLost(String reason) {
        try {
            host.onConnectionLost(reason);
        } finally {
            telemetry.connectionLost(reason);
        }
    }

    @Override
    public void onReattached(Duration gap) {
        try {
            host.onReattached(gap);
        } finally {
            telemetry.reattached(gap);
        }
    }

    @Override
    public void onNotification(CodexEvent.Notification event) {
        host.onNotification(event);
    }
}
