package dev.codexbridge.telemetry;

import dev.codexbridge.observe.ClientTelemetry;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.observe.TurnTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.spi.OutageGate;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The library's telemetry hooks ({@link TelemetryHooks}) through the host's {@link OpenTelemetry}:
 * given to {@code CodexClient.Builder#telemetry}, {@code CodexSession.Builder#telemetry} or
 * {@code CodexPool.Builder#telemetry}, a span per turn and per tool call by the GenAI conventions,
 * the trace context on every request so codex's own spans join the host's trace, and the GenAI
 * client metrics. See docs/observability.md for what is emitted.
 *
 * <pre>{@code
 * CodexTelemetry telemetry = CodexTelemetry.of(openTelemetry);               // no content
 * CodexTelemetry verbose = CodexTelemetry.builder(openTelemetry).captureContent(true).build();
 * }</pre>
 *
 * <p>Artifact {@code codex-bridge-opentelemetry}, the only one that depends on OpenTelemetry's
 * API: a host without it needs none of OpenTelemetry on its class path (decision 0052).
 */
public final class CodexTelemetry implements TelemetryHooks {
    private final TelemetryHooks hooks;
    private final boolean captureContent;

    private CodexTelemetry(Builder b) {
        this.captureContent = b.captureContent;
        this.hooks = OtelHooks.create(b.openTelemetry, b.captureContent);
    }

    /** Telemetry through {@code openTelemetry}, without content. */
    public static CodexTelemetry of(OpenTelemetry openTelemetry) {
        return builder(openTelemetry).build();
    }

    public static Builder builder(OpenTelemetry openTelemetry) {
        return new Builder(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    /** Whether prompts, answers, tool arguments and results are recorded on spans. */
    public boolean capturesContent() {
        return captureContent;
    }

    @Override
    public @Nullable TraceContext currentTraceContext() {
        return hooks.currentTraceContext();
    }

    @Override
    public TurnTelemetry startTurn(TurnStartInfo turn) {
        return hooks.startTurn(turn);
    }

    @Override
    public ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects) {
        return hooks.observeClient(attachedThreads, reconnects);
    }

    @Override
    public ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects, IntSupplier recycles) {
        return hooks.observeClient(attachedThreads, reconnects, recycles);
    }

    @Override
    public AutoCloseable observePool(Supplier<List<EndpointHealth>> endpoints) {
        return hooks.observePool(endpoints);
    }

    /**
     * The conversation store's outage gate as metrics ({@code codex_bridge.store.down},
     * {@code codex_bridge.store.outages}, {@code codex_bridge.store.refused}; decision 0099), for a
     * store whose database has one (PostgreSQL), and what its leases went through
     * ({@code codex_bridge.store.leases}, attribute {@code event}: {@code refused}, {@code asked},
     * {@code handed_over}, {@code taken_over}; decision 0105; {@code ask_heard}, {@code release_heard},
     * PostgreSQL's notifications; decision 0118) for a store that counts them (both of the
     * library's); closing removes them.
     */
    public AutoCloseable observeStore(ConversationStore store) {
        if (!(hooks instanceof OtelHooks otel)) {
            return () -> { };
        }
        Optional<OutageGate> gate = store.outageGate();
        AutoCloseable outage = gate.isPresent() ? otel.observeStore(gate.get()) : () -> { };
        AutoCloseable leases = store.leaseCounts().map(otel::observeLeases).orElse(() -> { });
        return () -> {
            outage.close();
            leases.close();
        };
    }

    @Override
    public String toString() {
        return "CodexTelemetry[captureContent=" + captureContent + "]";
    }

    /** Configures a {@link CodexTelemetry}. */
    public static final class Builder {
        private final OpenTelemetry openTelemetry;
        private boolean captureContent;

        private Builder(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
        }

        /**
         * Records content as the GenAI conventions name it ({@code gen_ai.input.messages},
         * {@code gen_ai.output.messages}, {@code gen_ai.tool.call.arguments},
         * {@code gen_ai.tool.call.result}). Off by default: prompts, commands and their output
         * may hold secrets.
         */
        public Builder captureContent(boolean capture) {
            this.captureContent = capture;
            return this;
        }

        public CodexTelemetry build() {
            return new CodexTelemetry(this);
        }
    }
}
