package dev.codexbridge.telemetry;

import dev.codexbridge.observe.ReconnectTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@code codex.reconnect} span, from a client's lost connection to the end of the background
 * resumes after it, with a {@code codex.resume} child per resume (current while its
 * {@code thread/resume} is sent, so codex's handling of it joins the trace). A root span: a
 * connection is lost on the library's reader thread, in no host context. Failed attempts are
 * events; {@code error.type} is the failure's class, never its message (codex's words).
 */
final class OtelReconnect implements ReconnectTelemetry {
    private final OtelHooks hooks;
    private final Attributes client;
    private final Span span;
    private final long began = System.nanoTime();
    private final AtomicBoolean ended = new AtomicBoolean();

    OtelReconnect(OtelHooks hooks, Attributes client, int lostConnection, Throwable cause) {
        this.hooks = hooks;
        this.client = client;
        this.span = hooks.tracer.spanBuilder("codex.reconnect").setSpanKind(SpanKind.INTERNAL).setNoParent()
                .setAllAttributes(client)
                .setAttribute(GenAiAttributes.RECONNECT_LOST_CONNECTION, (long) lostConnection)
                .setAttribute(GenAiAttributes.RECONNECT_CAUSE, errorType(cause))
                .startSpan();
    }

    @Override
    public void attemptFailed(int attempt, Throwable error) {
        span.addEvent("codex.reconnect.attempt_failed", Attributes.of(GenAiAttributes.RECONNECT_ATTEMPTS, (long) attempt,
                GenAiAttributes.ERROR_TYPE, errorType(error)));
    }

    @Override
    public void reopened(int attempts, int generation, int resumes) {
        span.setAttribute(GenAiAttributes.RECONNECT_ATTEMPTS, (long) attempts);
        span.setAttribute(GenAiAttributes.RECONNECT_GENERATION, (long) generation);
        span.setAttribute(GenAiAttributes.RECONNECT_RESUMES, (long) resumes);
        span.addEvent("codex.reconnect.reopened");
        if (resumes == 0) {
            resumed(0);
        }
    }

    @Override
    public ResumeTelemetry startResume() {
        Span resume = hooks.tracer.spanBuilder("codex.resume").setSpanKind(SpanKind.INTERNAL)
                .setParent(Context.root().with(span)).setAllAttributes(client).startSpan();
        return new ResumeTelemetry() {
            @Override
            public AutoCloseable makeCurrent() {
                return resume.makeCurrent();
            }

            @Override
            public void end(Throwable error) {
                if (error != null) {
                    resume.setStatus(StatusCode.ERROR);
                    resume.setAttribute(GenAiAttributes.ERROR_TYPE, errorType(error));
                }
                resume.end();
            }
        };
    }

    @Override
    public void resumed(int failed) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        span.setAttribute(GenAiAttributes.RECONNECT_RESUMES_FAILED, (long) failed);
        span.end();
        record(null);
    }

    @Override
    public void gaveUp(int attempts, Throwable error) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        span.setAttribute(GenAiAttributes.RECONNECT_ATTEMPTS, (long) attempts);
        span.setAttribute(GenAiAttributes.ERROR_TYPE, errorType(error));
        span.setStatus(StatusCode.ERROR, "the connection could not be reopened");
        span.end();
        record(errorType(error));
    }

    private void record(String errorType) {
        double seconds = (System.nanoTime() - began) / 1e9;
        hooks.reconnectDuration.record(seconds, errorType == null ? client
                : client.toBuilder().put(GenAiAttributes.ERROR_TYPE, errorType).build());
    }

    /** The failure's class: its message may quote codex. */
    private static String errorType(Throwable error) {
        return error == null ? "unknown" : error.getClass().getSimpleName();
    }
}
