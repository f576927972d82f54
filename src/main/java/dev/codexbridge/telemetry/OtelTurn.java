package dev.codexbridge.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.telemetry.internal.TelemetryHooks;
import dev.codexbridge.telemetry.internal.TelemetryHooks.TurnStartInfo;
import dev.codexbridge.telemetry.internal.TurnTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One turn's {@code invoke_agent codex} span (kind CLIENT, under the host's current span when the
 * turn began) and the turn's metrics. Children come from {@link TracingTurnListener}.
 */
final class OtelTurn implements TurnTelemetry {
    private static final Logger LOG = SafeLogger.getLogger(OtelTurn.class);

    final OtelHooks hooks;
    final Span span;
    final Context context;
    private final String model;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Summed from each model response's usage (thread/tokenUsage/updated's {@code last}). */
    final AtomicLong inputTokens = new AtomicLong();
    final AtomicLong outputTokens = new AtomicLong();
    final AtomicBoolean usageSeen = new AtomicBoolean();
    private volatile TracingTurnListener listener;

    OtelTurn(OtelHooks hooks, TurnStartInfo turn) {
        this.hooks = hooks;
        this.model = turn.model();
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
        if (hooks.captureContent && turn.input() != null) {
            JsonNode input = turn.input().get();
            if (input != null) {
                ObjectNode message = Json.object().put("role", "user");
                message.set("parts", parts(input));
                span.setAttribute(GenAiAttributes.INPUT_MESSAGES, Json.mapper().createArrayNode().add(message).toString());
            }
        }
    }

    @Override
    public TurnListener listener(TurnListener host) {
        TracingTurnListener l = new TracingTurnListener(this, host);
        listener = l;
        return l;
    }

    @Override
    public <T> T inScope(Supplier<T> work) {
        try (Scope ignored = context.makeCurrent()) {
            return work.get();
        }
    }

    /** Never throws: the session frees itself for the next turn right after this. */
    @Override
    public void ended(TurnResult result, Throwable failure) {
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

    private void end(TurnResult result, Throwable failure) {
        TracingTurnListener l = listener;
        if (l != null) {
            l.endOpenSpans();
        }
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
            span.setAttribute(GenAiAttributes.TURN_STATUS, result.status().wire());
            if (result.stopReason() != null) {
                span.setAttribute(GenAiAttributes.STOP_REASON, result.stopReason().name().toLowerCase(Locale.ROOT));
            }
            span.setAttribute(GenAiAttributes.TURN_ATTEMPTS, result.attempts());
            span.setAttribute(GenAiAttributes.TURN_STEPS, result.stepCount());
            metric.put(GenAiAttributes.TURN_STATUS, result.status().wire());
            if (result.status() != TurnOutcome.COMPLETED) {
                errorType = result.error() != null && result.error().category() != null ? result.error().category().wire()
                        : result.status().wire();
                span.setStatus(StatusCode.ERROR, errorType);
            }
            recordUsage(result.tokenUsage());
            if (hooks.captureContent && result.finalText() != null) {
                ObjectNode message = Json.object().put("role", "assistant");
                message.putArray("parts").addObject().put("type", "text").put("content", result.finalText());
                message.put("finish_reason", result.status() == TurnOutcome.COMPLETED ? "stop" : result.status().wire());
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

    private void recordUsage(TokenUsage fallback) {
        long in;
        long out;
        if (usageSeen.get()) {
            in = inputTokens.get();
            out = outputTokens.get();
        } else if (fallback != null && fallback.last() != null) {
            in = fallback.last().inputTokens();
            out = fallback.last().outputTokens();
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
