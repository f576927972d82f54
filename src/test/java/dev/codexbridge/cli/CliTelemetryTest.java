package dev.codexbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which OTEL_* settings turn the command line's SDK on, and the defaults it sets below them. */
class CliTelemetryTest {
    @Test
    void onlyANamedExporterTurnsItOn() {
        assertThat(CliTelemetry.exporterNamed(Map.of())).isFalse();
        assertThat(CliTelemetry.exporterNamed(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_SERVICE_NAME", "x"))).isFalse();
        assertThat(CliTelemetry.exporterNamed(Map.of("OTEL_TRACES_EXPORTER", "none", "OTEL_METRICS_EXPORTER", " "))).isFalse();
        assertThat(CliTelemetry.exporterNamed(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
        assertThat(CliTelemetry.exporterNamed(Map.of("OTEL_METRICS_EXPORTER", "console"))).isTrue();
        assertThat(CliTelemetry.exporterNamed(Map.of("OTEL_LOGS_EXPORTER", "otlp"))).isTrue();
        assertThat(CliTelemetry.exporterNamed(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_SDK_DISABLED", "true"))).isFalse();
        assertThat(CliTelemetry.fromEnvironment(Map.of())).isSameAs(CliTelemetry.OFF);
    }

    @Test
    void unsetSignalsExportNothingAndTheServiceIsNamed() {
        assertThat(OtelSdkTelemetry.defaults(Map.of("OTEL_TRACES_EXPORTER", "otlp")))
                .containsEntry("otel.metrics.exporter", "none").containsEntry("otel.logs.exporter", "none")
                .doesNotContainKey("otel.traces.exporter")
                .containsEntry("otel.exporter.otlp.protocol", "http/protobuf")
                .containsEntry("otel.service.name", "codex-bridge");
        // a service name in the resource attributes is the user's: the default would override it
        assertThat(OtelSdkTelemetry.defaults(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.name=agent")))
                .doesNotContainKey("otel.service.name");
    }

    @Test
    void grpcIsAUsageError() {
        assertThatThrownBy(() -> CliTelemetry.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OTLP over HTTP only");
    }

    @Test
    void anEarlyStartIsTakenOnceAndItsErrorsAreTheSame() {
        Map<String, String> grpc = Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
        CliTelemetry.startEarly(grpc);
        assertThat(CliTelemetry.EARLY.get()).isNotNull();
        assertThatThrownBy(() -> CliTelemetry.fromEnvironment(grpc))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OTLP over HTTP only");
        assertThat(CliTelemetry.EARLY.get()).isNull();

        // nothing named: nothing started early, and the command's own call is off
        CliTelemetry.startEarly(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"));
        assertThat(CliTelemetry.EARLY.get()).isNull();
        assertThat(CliTelemetry.fromEnvironment(Map.of())).isSameAs(CliTelemetry.OFF);

        Map<String, String> console = Map.of("OTEL_TRACES_EXPORTER", "console");
        CliTelemetry.startEarly(console);
        try (CliTelemetry early = CliTelemetry.fromEnvironment(console)) {
            assertThat(early).isInstanceOf(OtelSdkTelemetry.class);
            assertThat(CliTelemetry.EARLY.get()).isNull();
        }
    }
}
