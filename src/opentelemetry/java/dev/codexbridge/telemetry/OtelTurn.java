package dev.codexbridge.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.observe.TelemetryHooks.TurnStartInfo;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.protocol.ThreadItem;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One turn's {@code invoke_agent codex} span (kind CLIENT, under the host's current span when the
 * turn began), its events (codex's retries, a replaced thread, a lost and re-attached connection)
 * and the turn's metrics. Children come from {@link TurnChildSpans}.
 */
final class OtelTurn implements TurnTelemetry {
    private static final Logger LOG = SafeLogger.getLogger(OtelTurn.class);

    private final OtelHooks hooks;
    private final Span span;
    private final Context context;
    private final String model;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Summed from each model response's usage (thread/tokenUsage/updated's {@code last}). */
    private final AtomicLong inputTokens = new AtomicLong();
    private final AtomicLong outputTokens = new AtomicLong();
    private final AtomicBoolean usageSeen = new AtomicBoolean();
    private final TurnChildSpans children;
    private final @Nullable Supplier<String> codexVersion;
    private final AtomicBoolean codexVersionNamed = new AtomicBoolean();

    OtelTurn(OtelHooks hooks, TurnStartInfo turn) {
        this.hooks = hooks;
        this.model = turn.model();
        this.codexVersion = turn.codexVersion();
        SpanBuilder b = hooks.tracer.spanBuilder("invoke_agent " + OtelHooks.AGENT)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(GenAiAttributes.OPERATION_NAME, "invoke_agent")
                .setAttribute(GenAiAttributes.PROVIDER_NAME, OtelHooks.PROVIDER)
                .setAttribute(GenAiAttributes.AGENT_NAME, OtelHooks.AGENT);
        if (turn.model() != null) {
            b.setAttribute(GenAiAttributes.REQUEST_MODEL, turn.model());
        }
        if (turn.threadId() != null) {
            b.setAttribute(GenAiAttributes.CONVERSATION_ID, turn.threadId());
        }
        if (TelemetryHooks.ATTACH.equals(turn.operation())) {
            b.setAttribute(GenAiAttributes.TURN_ATTACHED, true);
        }
        this.span = b.startSpan();
        this.context = Context.current().with(span);
        this.children = new TurnChildSpans(hooks, context);
        if (hooks.captureContent && turn.inputJson() != null) {
            String inputJson = turn.inputJson().get();
            JsonNode input = inputJson == null ? null : Json.parse(inputJson);
            if (input != null) {
                ObjectNode message = Json.object().put("role", "user");
                message.set("parts", parts(input));
                span.setAttribute(GenAiAttributes.INPUT_MESSAGES, Json.mapper().createArrayNode().add(message).toString());
            }
        }
    }

    @Override
    public <T> T inScope(Supplier<T> work) {
        try (Scope ignored = context.makeCurrent()) {
            return work.get();
        }
    }

    @Override
    public void turnStarted(String turnId) {
        span.setAttribute(GenAiAttributes.TURN_ID, turnId);
        nameCodexVersion();
    }

    /** The codex version on the span, once: when the turn started on codex, else at its end. */
    private void nameCodexVersion() {
        if (codexVersion != null && codexVersionNamed.compareAndSet(false, true)) {
            String version = codexVersion.get();
            if (version != null) {
                span.setAttribute(GenAiAttributes.CODEX_VERSION, version);
            }
        }
    }

    @Override
    public void itemStarted(ThreadItem item) {
        children.itemStarted(item);
    }

    @Override
    public void itemCompleted(ThreadItem item) {
        children.itemCompleted(item);
    }

    @Override
    public void approvalRequested(ApprovalRequest request) {
        children.approvalRequested(request);
    }

    @Override
    public void approvalAnswered(ApprovalRequest request, ApprovalDecision decision) {
        children.approvalEnded(request, decision == null || decision.choice() == null ? "none" : TurnChildSpans.lower(decision.choice()));
    }

    @Override
    public void approvalWithdrawn(ApprovalRequest request) {
        children.approvalEnded(request, "withdrawn");
    }

    @Override
    public void retried(String errorType) {
        span.addEvent("codex.retry", errorType == null ? Attributes.empty() : Attributes.of(GenAiAttributes.ERROR_TYPE, errorType));
    }

    @Override
    public void rateLimitWait(int attempt, String limitType, Duration remaining) {
        children.rateLimitWait(attempt, limitType, remaining);
    }

    @Override
    public void threadReplaced(String previousThreadId, String threadId) {
        span.addEvent("codex.thread_replaced", Attributes.of(GenAiAttributes.THREAD_OLD, previousThreadId));
        span.setAttribute(GenAiAttributes.CONVERSATION_ID, threadId);
    }

    @Override
    public void connectionLost(String reason) {
        span.addEvent("codex.connection_lost");
    }

    @Override
    public void reattached(Duration gap) {
        span.addEvent("codex.reattached", Attributes.of(GenAiAttributes.REATTACH_GAP_MS, gap.toMillis()));
    }

    @Override
    public void tokenUsage(long input, long output) {
        usageSeen.set(true);
        inputTokens.addAndGet(input);
        outputTokens.addAndGet(output);
    }

    /** Never throws: the session frees itself for the next turn right after this. */
    @Override
    public void ended(TurnEnd end) {
        endOnce(end, null);
    }

    @Override
    public void failed(Throwable failure) {
        endOnce(null, failure);
    }

    private void endOnce(TurnEnd result, Throwable failure) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            end(result, failure);
        } catch (RuntimeException e) {
            LOG.warn("could not end the turn's span", e);
            span.end();
        }
    }

    private void end(TurnEnd result, Throwable failure) {
        children.endOpenSpans();
        nameCodexVersion();
        AttributesBuilder metric = OtelHooks.baseAttributes(model).toBuilder();
        String errorType = null;
        if (failure != null) {
            errorType = failure.getClass().getName();
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
            metric.put(GenAiAttributes.TURN_STATUS, "error");
        } else {
            if (result.threadId() != null) {
                span.setAttribute(GenAiAttributes.CONVERSATION_ID, result.threadId());
            }
            if (result.turnId() != null) {
                span.setAttribute(GenAiAttributes.TURN_ID, result.turnId());
            }
            span.setAttribute(GenAiAttributes.TURN_STATUS, result.status());
            if (result.stopReason() != null) {
                span.setAttribute(GenAiAttributes.STOP_REASON, result.stopReason());
            }
            span.setAttribute(GenAiAttributes.TURN_ATTEMPTS, result.attempts());
            span.setAttribute(GenAiAttributes.TURN_STEPS, result.steps());
            metric.put(GenAiAttributes.TURN_STATUS, result.status());
            if (!result.completed()) {
                errorType = result.errorCategory() != null ? result.errorCategory() : result.status();
                span.setStatus(StatusCode.ERROR, errorType);
            }
            recordUsage(result.lastUsage());
            if (hooks.captureContent && result.finalText() != null) {
                ObjectNode message = Json.object().put("role", "assistant");
                message.putArray("parts").addObject().put("type", "text").put("content", result.finalText());
                message.put("finish_reason", result.completed() ? "stop" : result.status());
                span.setAttribute(GenAiAttributes.OUTPUT_MESSAGES, Json.mapper().createArrayNode().add(message).toString());
            }
        }
        if (errorType != null) {
            span.setAttribute(GenAiAttributes.ERROR_TYPE, errorType);
            metric.put(GenAiAttributes.ERROR_TYPE, errorType);
        }
        Attributes attributes = metric.build();
        hooks.operationDuration.record((System.nanoTime() - startNanos) / 1e9, attributes, context);
        hooks.turns.add(1, attributes, context);
        span.end();
    }

    private void recordUsage(Tokens fallback) {
        long in;
        long out;
        if (usageSeen.get()) {
            in = inputTokens.get();
            out = outputTokens.get();
        } else if (fallback != null) {
            in = fallback.input();
            out = fallback.output();
        } else {
            return;
        }
        span.setAttribute(GenAiAttributes.USAGE_INPUT_TOKENS, in);
        span.setAttribute(GenAiAttributes.USAGE_OUTPUT_TOKENS, out);
        Attributes base = OtelHooks.baseAttributes(model);
        hooks.tokenUsage.record(in, base.toBuilder().put(GenAiAttributes.TOKEN_TYPE, "input").build(), context);
        hooks.tokenUsage.record(out, base.toBuilder().put(GenAiAttributes.TOKEN_TYPE, "output").build(), context);
    }

    /** The input as GenAI message parts: text as text, anything else by its type. */
    private static ArrayNode parts(JsonNode input) {
        ArrayNode parts = Json.mapper().createArrayNode();
        for (JsonNode item : input) {
            String type = item.path("type").asText();
            if ("text".equals(type)) {
                parts.addObject().put("type", "text").put("content", item.path("text").asText());
            } else {
                parts.addObject().put("type", type);
            }
        }
        return parts;
    }
}
