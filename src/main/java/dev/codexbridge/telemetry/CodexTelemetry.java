package dev.codexbridge.telemetry;

import dev.codexbridge.telemetry.internal.TelemetryHooks;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Objects;

/**
 * Turns on traces and metrics for the clients and sessions it is given to
 * ({@code CodexClient.Builder#telemetry}, {@code CodexSession.Builder#telemetry}), through the
 * host's {@link OpenTelemetry}: a span per turn and per tool call by the GenAI conventions, the
 * trace context on every request so codex's own spans join the host's trace, and the GenAI client
 * metrics. See docs/observability.md for what is emitted.
 *
 * <pre>{@code
 * CodexTelemetry telemetry = CodexTelemetry.of(openTelemetry);               // no content
 * CodexTelemetry verbose = CodexTelemetry.builder(openTelemetry).captureContent(true).build();
 * }</pre>
 *
 * <p>OpenTelemetry's API is an optional dependency of the library: a host that never builds one
 * of these needs none of it on its class path.
 */
public final class CodexTelemetry {
    static {
        TelemetryHooks.install(t -> t.hooks);
    }

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
