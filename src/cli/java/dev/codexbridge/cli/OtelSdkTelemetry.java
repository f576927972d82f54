package dev.codexbridge.cli;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.telemetry.CodexTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The OpenTelemetry SDK configured from {@code OTEL_*} by its autoconfiguration, for one command.
 * Loaded only when {@link CliTelemetry#exporterNamed} said so. Differences from the SDK's own
 * defaults, all overridden by the environment: a signal whose exporter variable is unset exports
 * nothing (the SDK would send it to a local collector), the OTLP protocol is
 * {@code http/protobuf} (this command line carries the JDK's HTTP client, no gRPC), and the
 * service is {@code codex-bridge}. No shutdown hook: {@link #close} flushes before the exit code
 * is returned, so a span is never lost to the order hooks run in.
 */
final class OtelSdkTelemetry implements CliTelemetry {
    private static final AttributeKey<Long> EXIT_CODE = AttributeKey.longKey("process.exit.code");
    private static final String[] PROTOCOL_VARIABLES = {"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"};

    /** The spans a run may hold unexported before the SDK drops new ones. */
    static final int SPAN_QUEUE = 32_768;

    private final OpenTelemetrySdk sdk;
    private final CodexTelemetry telemetry;

    private OtelSdkTelemetry(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
        this.telemetry = CodexTelemetry.of(sdk);
    }

    static CliTelemetry start(Map<String, String> env) {
        for (String variable : PROTOCOL_VARIABLES) {
            if ("grpc".equalsIgnoreCase(CliTelemetry.setting(env, variable))) {
                throw new IllegalArgumentException(variable + "=grpc: the command line exports OTLP over HTTP only "
                        + "(http/protobuf, port 4318 on a collector)");
            }
        }
        SdkLogLines.install(System.err);
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults(env))
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
            return new OtelSdkTelemetry(sdk);
        } catch (ConfigurationException e) {
            // the SDK wraps the cause in "Unexpected configuration error"
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause().getMessage() != null) {
                cause = cause.getCause();
            }
            throw new IllegalArgumentException("OTEL_* settings: " + cause.getMessage(), e);
        }
    }

    /** The command line's defaults, below the environment's and system properties' settings. */
    static Map<String, String> defaults(Map<String, String> env) {
        Map<String, String> d = new HashMap<>();
        for (String variable : EXPORTER_VARIABLES) {
            if (CliTelemetry.setting(env, variable) == null) {
                d.put(property(variable), "none");
            }
        }
        d.put("otel.exporter.otlp.protocol", "http/protobuf");
        // a turn ends thousands of tool spans in a second or two, faster than the first exports
        // (a cold JVM, a new connection) drain the SDK's default queue of 2,048: the excess was
        // dropped. The queue bounds memory at about 1 KiB a waiting span.
        d.put("otel.bsp.max.queue.size", Integer.toString(SPAN_QUEUE));
        String resource = CliTelemetry.setting(env, "OTEL_RESOURCE_ATTRIBUTES");
        if (resource == null || !resource.contains("service.name=")) {
            d.put("otel.service.name", "codex-bridge");
        }
        return d;
    }

    private static String property(String variable) {
        return variable.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    @Override
    public CodexClient.Builder client(CodexClient.Builder b) {
        return b.telemetry(telemetry);
    }

    @Override
    public CodexSession.Builder session(CodexSession.Builder b) {
        return b.telemetry(telemetry);
    }

    @Override
    public int traced(String name, IntSupplier body) {
        Span span = sdk.getTracer("dev.codexbridge.cli").spanBuilder(name).startSpan();
        int code = 1;
        try (Scope ignored = span.makeCurrent()) {
            code = body.getAsInt();
            return code;
        } finally {
            span.setAttribute(EXIT_CODE, code);
            if (code != 0) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }

    @Override
    public void close() {
        // exports the spans and metrics still buffered; a collector that does not answer costs
        // at most this long at exit
        sdk.shutdown().join(10, TimeUnit.SECONDS);
    }
}
