package dev.codexbridge.observe;

import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What the library calls when a host turned telemetry on: given to
 * {@code CodexClient.Builder#telemetry}, {@code CodexSession.Builder#telemetry} or
 * {@code CodexPool.Builder#telemetry}. Written without a type of any telemetry library, so a
 * client, a session and a pool load and run with none on the class path; OpenTelemetry's
 * implementation is {@code CodexTelemetry}, artifact {@code codex-bridge-opentelemetry}.
 *
 * <p>Every method has a default that records nothing, so an implementation overrides only what
 * it observes. The library calls them on its own threads (the reader, the dispatch and callback
 * pools) and never waits for host code through them: an implementation returns at once and
 * never throws.
 */
public interface TelemetryHooks {
    /** {@link TurnStartInfo#operation()} of a turn followed with {@code attachTurn}, not started here. */
    String ATTACH = "attachTurn";

    /**
     * The calling thread's current trace context, sent to codex with every request (codex's
     * {@code trace} member) so codex's own spans join the host's trace; null when there is none.
     */
    default @Nullable TraceContext currentTraceContext() {
        return null;
    }

    /** A turn begins, on the thread that asked for it: its span starts under that thread's current context. */
    default TurnTelemetry startTurn(TurnStartInfo turn) {
        return TurnTelemetry.NONE;
    }

    /**
     * Observes a connected client until the returned handle is closed: its attached threads (one
     * per open session) and its reconnects, read when the metrics are collected; and traces its
     * reconnects.
     */
    default ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects) {
        return ClientTelemetry.NONE;
    }

    /**
     * {@link #observeClient(IntSupplier, IntSupplier)}, and {@code recycles}: the times the client
     * started its codex again by its launch's recycle bound ({@code AppServerRecycle}). The
     * library calls this one; by default it observes what the two-argument method does.
     */
    default ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects, IntSupplier recycles) {
        return observeClient(attachedThreads, reconnects);
    }

    /** Observes a pool's endpoints until the returned handle is closed, read when the metrics are collected. */
    default AutoCloseable observePool(Supplier<List<EndpointHealth>> endpoints) {
        return () -> {
        };
    }

    /** W3C trace context: a {@code traceparent} header's value, and {@code tracestate}'s when there is one. */
    record TraceContext(String traceparent, @Nullable String tracestate) {
    }

    /** A pool endpoint as the metrics show it: whether it takes sessions, and its load. */
    record EndpointHealth(String name, boolean up, int threads) {
    }

    /**
     * What is known of a turn as it starts: its thread, model, how it began ({@code turn/start},
     * {@code review/start}, {@link #ATTACH}, …), its input as a JSON array of codex's
     * {@code UserInput} items, read only when asked for (null for a turn with no input of its own),
     * and the version of the codex that runs it as its {@code initialize} answer said, read once
     * the turn started on codex (the thread's connection may open after this; null when there
     * is no way to know, and the supplier's answer null when codex said none).
     */
    record TurnStartInfo(@Nullable String threadId, @Nullable String model, String operation,
                         @Nullable Supplier<String> inputJson, @Nullable Supplier<String> codexVersion) {
        /** Without the codex version. */
        public TurnStartInfo(@Nullable String threadId, @Nullable String model, String operation,
                             @Nullable Supplier<String> inputJson) {
            this(threadId, model, operation, inputJson, null);
        }
    }
}
