package dev.codexbridge.telemetry;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.TurnPlanUpdatedNotification;
import dev.codexbridge.session.RateLimitWait;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.transcript.TranscriptMessage;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's {@link TurnListener}, every call passed on first, plus the turn's children: an
 * {@code execute_tool {name}} span per tool-shaped item (start to completion), an
 * {@code await_approval} span per approval request (under its item's span when there is one), a
 * {@code rate_limit_wait} span per wait, and events for codex's retries and a replaced thread.
 * It overrides every method of {@link TurnListener} (a test checks it), so nothing meant for the
 * host stops here.
 */
final class TracingTurnListener implements TurnListener {
    private final OtelTurn turn;
    private final TurnListener host;
    /** Keyed by item id; calls come one at a time, but the turn's end may come from another thread. */
    private final Map<String, Span> tools = new ConcurrentHashMap<>();
    private final Map<ApprovalRequest, Pending> approvals = new ConcurrentHashMap<>();
    private volatile Span rateLimitWait;
    private volatile long rateLimitWaitStart;

    private record Pending(Span span, long startNanos) {
    }

    TracingTurnListener(OtelTurn turn, TurnListener host) {
        this.turn = turn;
        this.host = host;
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
            ToolCall call = ToolCall.of(item);
            if (call != null && call.id() != null) {
                tools.computeIfAbsent(call.id(), id -> startTool(call));
            }
        }
    }

    @Override
    public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
        try {
            host.onItemCompleted(item, messages);
        } finally {
            ToolCall call = ToolCall.of(item);
            if (call != null) {
                Span span = call.id() == null ? null : tools.remove(call.id());
                endTool(span != null ? span : startTool(call), call);
            }
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
            startApproval(request);
        } finally {
            host.onApprovalRequested(request);
        }
    }

    private void startApproval(ApprovalRequest request) {
        Span parent = request.itemId() == null ? null : tools.get(request.itemId());
        Context context = parent != null ? turn.context.with(parent) : turn.context;
        SpanBuilder b = turn.hooks.tracer.spanBuilder("await_approval").setParent(context).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(GenAiAttributes.APPROVAL_KIND, lower(request.kind()));
        if (request.itemId() != null) {
            b.setAttribute(GenAiAttributes.TOOL_CALL_ID, request.itemId());
        }
        approvals.put(request, new Pending(b.startSpan(), System.nanoTime()));
    }

    @Override
    public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
        try {
            host.onApprovalAnswered(request, decision);
        } finally {
            endApproval(request, decision == null || decision.choice() == null ? "none" : lower(decision.choice()));
        }
    }

    @Override
    public void onApprovalWithdrawn(ApprovalRequest request) {
        try {
            host.onApprovalWithdrawn(request);
        } finally {
            endApproval(request, "withdrawn");
        }
    }

    @Override
    public void onRetry(TurnFailure error) {
        try {
            host.onRetry(error);
        } finally {
            turn.span.addEvent("codex.retry", error == null || error.category() == null ? Attributes.empty()
                    : Attributes.of(GenAiAttributes.ERROR_TYPE, error.category().wire()));
        }
    }

    @Override
    public void onRateLimitWait(RateLimitWait wait) {
        try {
            host.onRateLimitWait(wait);
        } finally {
            rateLimitWait(wait);
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
            turn.span.addEvent("codex.thread_replaced", Attributes.of(GenAiAttributes.THREAD_OLD, replacement.previousThreadId()));
            turn.span.setAttribute(GenAiAttributes.CONVERSATION_ID, replacement.threadId());
        }
    }

    @Override
    public void onTurnStarted(String key, String turnId) {
        try {
            host.onTurnStarted(key, turnId);
        } finally {
            turn.span.setAttribute(GenAiAttributes.TURN_ID, turnId);
        }
    }

    @Override
    public void onConnectionLost(String reason) {
        try {
            host.onConnectionLost(reason);
        } finally {
            turn.span.addEvent("codex.connection_lost");
        }
    }

    @Override
    public void onReattached(Duration gap) {
        try {
            host.onReattached(gap);
        } finally {
            turn.span.addEvent("codex.reattached", Attributes.of(GenAiAttributes.REATTACH_GAP_MS, gap.toMillis()));
        }
    }

    @Override
    public void onTokenUsage(TokenUsage usage) {
        try {
            host.onTokenUsage(usage);
        } finally {
            if (usage != null && usage.last() != null) {
                turn.usageSeen.set(true);
                turn.inputTokens.addAndGet(usage.last().inputTokens());
                turn.outputTokens.addAndGet(usage.last().outputTokens());
            }
        }
    }

    @Override
    public void onNotification(CodexEvent.Notification event) {
        host.onNotification(event);
    }

    /** The turn ended: what is still open ends with it, marked as cut short. */
    void endOpenSpans() {
        for (Span s : new ArrayList<>(tools.values())) {
            s.setAttribute(GenAiAttributes.TOOL_STATUS, "incomplete");
            s.end();
        }
        tools.clear();
        for (ApprovalRequest r : new ArrayList<>(approvals.keySet())) {
            endApproval(r, "unanswered");
        }
        Span wait = rateLimitWait;
        if (wait != null) {
            rateLimitWait = null;
            wait.end();
        }
    }

    private Span startTool(ToolCall call) {
        SpanBuilder b = turn.hooks.tracer.spanBuilder("execute_tool " + call.name()).setParent(turn.context)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(GenAiAttributes.OPERATION_NAME, "execute_tool")
                .setAttribute(GenAiAttributes.TOOL_NAME, call.name())
                .setAttribute(GenAiAttributes.TOOL_TYPE, call.type());
        if (call.id() != null) {
            b.setAttribute(GenAiAttributes.TOOL_CALL_ID, call.id());
        }
        if (call.mcpServer() != null) {
            b.setAttribute(GenAiAttributes.MCP_SERVER, call.mcpServer());
        }
        return b.startSpan();
    }

    private void endTool(Span span, ToolCall call) {
        if (call.status() != null) {
            span.setAttribute(GenAiAttributes.TOOL_STATUS, call.status());
        }
        if (call.exitCode() != null) {
            span.setAttribute(GenAiAttributes.EXIT_CODE, call.exitCode().longValue());
        }
        if (call.failed()) {
            String type = call.status() == null || "completed".equals(call.status()) ? "failed" : call.status();
            span.setAttribute(GenAiAttributes.ERROR_TYPE, type);
            span.setStatus(StatusCode.ERROR, type);
        }
        if (turn.hooks.captureContent) {
            String arguments = call.arguments();
            if (arguments != null) {
                span.setAttribute(GenAiAttributes.TOOL_CALL_ARGUMENTS, arguments);
            }
            String result = call.result();
            if (result != null) {
                span.setAttribute(GenAiAttributes.TOOL_CALL_RESULT, result);
            }
        }
        span.end();
        turn.hooks.toolCalls.add(1, Attributes.of(GenAiAttributes.TOOL_NAME, call.name(),
                GenAiAttributes.TOOL_STATUS, call.status() == null ? "completed" : call.status()), turn.context);
    }

    private void endApproval(ApprovalRequest request, String decision) {
        Pending p = approvals.remove(request);
        if (p == null) {
            return;
        }
        p.span().setAttribute(GenAiAttributes.APPROVAL_DECISION, decision);
        p.span().end();
        Attributes attributes = Attributes.of(GenAiAttributes.APPROVAL_KIND, lower(request.kind()),
                GenAiAttributes.APPROVAL_DECISION, decision);
        turn.hooks.approvals.add(1, attributes, turn.context);
        turn.hooks.approvalWait.record((System.nanoTime() - p.startNanos()) / 1e9, attributes, turn.context);
    }

    private void rateLimitWait(RateLimitWait wait) {
        if (wait == null) {
            return;
        }
        boolean over = wait.remaining() == null || wait.remaining().isZero() || wait.remaining().isNegative();
        Span span = rateLimitWait;
        if (span == null && !over) {
            SpanBuilder b = turn.hooks.tracer.spanBuilder("rate_limit_wait").setParent(turn.context)
                    .setAttribute(GenAiAttributes.RATE_LIMIT_ATTEMPT, wait.attempt());
            if (wait.reason() != null && wait.reason().type() != null) {
                b.setAttribute(GenAiAttributes.RATE_LIMIT_TYPE, wait.reason().type());
            }
            rateLimitWait = b.startSpan();
            rateLimitWaitStart = System.nanoTime();
        } else if (span != null && over) {
            rateLimitWait = null;
            span.end();
            turn.hooks.rateLimitWait.record((System.nanoTime() - rateLimitWaitStart) / 1e9,
                    Attributes.of(GenAiAttributes.RATE_LIMIT_ATTEMPT, (long) wait.attempt()), turn.context);
        }
    }

    private static String lower(Enum<?> value) {
        return value == null ? "unknown" : value.name().toLowerCase(Locale.ROOT);
    }
}
