package dev.codexbridge.telemetry.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.telemetry.CodexTelemetry;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What the library's own packages call when a host turned telemetry on: written without a single
 * OpenTelemetry type, so a session, a client and the JSON-RPC peer load and run with no
 * OpenTelemetry on the class path. Only {@link CodexTelemetry} (which a host can only build from
 * an OpenTelemetry instance) leads to the classes that use it. Not API.
 */
public interface TelemetryHooks {
    /** {@link TurnStartInfo#operation()} of a turn followed with {@code attachTurn}, not started here. */
    String ATTACH = "attachTurn";

    /**
     * The calling thread's current trace context as codex's {@code trace} member
     * ({@code {"traceparent": …, "tracestate": …}}), or null when there is no valid span.
     */
    JsonNode currentTraceContext();

    /** A turn begins: its span starts under the calling thread's current context. */
    TurnTelemetry startTurn(TurnStartInfo turn);

    /**
     * Observes a connected client until the returned handle is closed: its attached threads (one
     * per open session) and its reconnects, read when the metrics are collected; and traces its
     * reconnects.
     */
    ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects);

    /** Observes a pool's endpoints until the returned handle is closed, read when the metrics are collected. */
    AutoCloseable observePool(Supplier<List<EndpointHealth>> endpoints);

    /** The hooks of a {@link CodexTelemetry}. */
    static TelemetryHooks of(CodexTelemetry telemetry) {
        return Access.access.apply(Objects.requireNonNull(telemetry, "telemetry"));
    }

    /**
     * Installs the accessor {@link CodexTelemetry} uses to hand over its hooks (from its static
     * initializer, the JDK's {@code SharedSecrets} pattern).
     */
    static void install(Function<CodexTelemetry, TelemetryHooks> access) {
        Access.access = Objects.requireNonNull(access, "access");
    }

    /** A pool endpoint as the metrics show it: whether it takes sessions, and its load. */
    record EndpointHealth(String name, boolean up, int threads) {
    }

    /** What is known of a turn as it starts. */
    record TurnStartInfo(String threadId, String model, String operation, Supplier<JsonNode> input) {
    }

    /** Holds the accessor; loading {@link CodexTelemetry} installs it. */
    final class Access {
        static volatile Function<CodexTelemetry, TelemetryHooks> access;

        static {
            try {
                Class.forName(CodexTelemetry.class.getName(), true, CodexTelemetry.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }

        private Access() {
        }
    }
}
