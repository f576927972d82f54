package dev.codexbridge.telemetry;

import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.ThreadItem;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A turn's children under its {@code invoke_agent} span: an {@code execute_tool {name}} span per
 * tool-shaped item (start to completion), an {@code await_approval} span per approval request
 * (under its item's span when there is one), a {@code rate_limit_wait} span per wait; and their
 * metrics. What is still open when the turn ends ends with it, marked as cut short.
 */
final class TurnChildSpans {
    private final OtelHooks hooks;
    private final Context turn;
    /** Keyed by item id; calls come one at a time, but the turn's end may come from another thread. */
    private final Map<String, Span> tools = new ConcurrentHashMap<>();
    private final Map<ApprovalRequest, Pending> approvals = new ConcurrentHashMap<>();
    private volatile Span rateLimitWait;
    private volatile long rateLimitWaitStart;

    private record Pending(Span span, long startNanos) {
    }

    TurnChildSpans(OtelHooks hooks, Context turn) {
        this.hooks = hooks;
        this.turn = turn;
    }

    void itemStarted(ThreadItem item) {
        ToolCall call = ToolCall.of(item);
        if (call != null && call.id() != null) {
            tools.computeIfAbsent(call.id(), id -> startTool(call));
        }
    }

    void itemCompleted(ThreadItem item) {
        ToolCall call = ToolCall.of(item);
        if (call != null) {
            Span span = call.id() == null ? null : tools.remove(call.id());
            endTool(span != null ? span : startTool(call), call);
        }
    }

    void approvalRequested(ApprovalRequest request) {
        Span parent = request.itemId() == null ? null : tools.get(request.itemId());
        Context context = parent != null ? turn.with(parent) : turn;
        SpanBuilder b = hooks.tracer.spanBuilder("await_approval").setParent(context).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(GenAiAttributes.APPROVAL_KIND, lower(request.kind()));
        if (request.itemId() != null) {
            b.setAttribute(GenAiAttributes.TOOL_CALL_ID, request.itemId());
        }
        approvals.put(request, new Pending(b.startSpan(), System.nanoTime()));
    }

    /** The approval was answered or withdrawn: {@code decision} is the choice, "none" or "withdrawn". */
    void approvalEnded(ApprovalRequest request, String decision) {
        Pending p = approvals.remove(request);
        if (p == null) {
            return;
        }
        p.span().setAttribute(GenAiAttributes.APPROVAL_DECISION, decision);
        p.span().end();
        Attributes attributes = Attributes.of(GenAiAttributes.APPROVAL_KIND, lower(request.kind()),
                GenAiAttributes.APPROVAL_DECISION, decision);
        hooks.approvals.add(1, attributes, turn);
        hooks.approvalWait.record((System.nanoTime() - p.startNanos()) / 1e9, attributes, turn);
    }

    void rateLimitWait(int attempt, String limitType, Duration remaining) {
        boolean over = remaining == null || remaining.isZero() || remaining.isNegative();
        Span span = rateLimitWait;
        if (span == null && !over) {
            SpanBuilder b = hooks.tracer.spanBuilder("rate_limit_wait").setParent(turn)
                    .setAttribute(GenAiAttributes.RATE_LIMIT_ATTEMPT, attempt);
            if (limitType != null) {
                b.setAttribute(GenAiAttributes.RATE_LIMIT_TYPE, limitType);
            }
            rateLimitWait = b.startSpan();
            rateLimitWaitStart = System.nanoTime();
        } else if (span != null && over) {
            rateLimitWait = null;
            span.end();
            hooks.rateLimitWait.record((System.nanoTime() - rateLimitWaitStart) / 1e9,
                    Attributes.of(GenAiAttributes.RATE_LIMIT_ATTEMPT, (long) attempt), turn);
        }
    }

    /** The turn ended: what is still open ends with it, marked as cut short. */
    void endOpenSpans() {
        for (Span s : new ArrayList<>(tools.values())) {
            s.setAttribute(GenAiAttributes.TOOL_STATUS, "incomplete");
            s.end();
        }
        tools.clear();
        for (ApprovalRequest r : new ArrayList<>(approvals.keySet())) {
            approvalEnded(r, "unanswered");
        }
        Span wait = rateLimitWait;
        if (wait != null) {
            rateLimitWait = null;
            wait.end();
        }
    }

    private Span startTool(ToolCall call) {
        SpanBuilder b = hooks.tracer.spanBuilder("execute_tool " + call.name()).setParent(turn)
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
        if (hooks.captureContent) {
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
        hooks.toolCalls.add(1, Attributes.of(GenAiAttributes.TOOL_NAME, call.name(),
                GenAiAttributes.TOOL_STATUS, call.status() == null ? "completed" : call.status()), turn);
    }

    static String lower(Enum<?> value) {
        return value == null ? "unknown" : value.name().toLowerCase(Locale.ROOT);
    }
}
