package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Spring Boot 4 application with {@code spring-boot-starter-opentelemetry} and Actuator, as a
 * host writes it: the starter hands Spring Boot's own {@code OpenTelemetrySdk} bean to the
 * library, so a turn's {@code invoke_agent codex} span goes out through Spring Boot's span
 * processor (here to the application's {@code SpanExporter} bean, where OTLP would take it), the
 * library's own instruments through the application's {@code SdkMeterProvider} bean (Spring
 * Boot makes none: its metrics go through Micrometer), and the
 * starter's Micrometer meters into Actuator's registry; {@code /actuator/health/codex} is UP.
 */
// its codex and model server end with the class: the context cache would keep them for the JVM
@DirtiesContext
@SpringBootTest(classes = OpenTelemetrySpringBootTest.TracedHost.class, properties = {
        "management.endpoint.health.show-details=always",
        "management.tracing.sampling.probability=1.0",
        "management.opentelemetry.tracing.export.schedule-delay=100ms",
        // no collector in the test: Micrometer's OTLP registry (from spring-boot-starter-opentelemetry) stays quiet
        "management.otlp.metrics.export.enabled=false"})
class OpenTelemetrySpringBootTest {
    private static ScriptedModelServer model;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class TracedHost {
        /** Spring Boot's span processor exports to every SpanExporter bean. */
        @Bean
        InMemorySpanExporter spanExporter() {
            return InMemorySpanExporter.create();
        }

        @Bean
        InMemoryMetricReader metricReader() {
            return InMemoryMetricReader.create();
        }

        /** Spring Boot builds its OpenTelemetrySdk with the application's SdkMeterProvider bean. */
        @Bean(destroyMethod = "close")
        SdkMeterProvider sdkMeterProvider(InMemoryMetricReader reader) {
            return SdkMeterProvider.builder().registerMetricReader(reader).build();
        }
    }

    @Autowired
    ApplicationContext context;
    @Autowired
    CodexSessions sessions;
    @Autowired
    OpenTelemetry openTelemetry;
    @Autowired
    CodexTelemetry telemetry;
    @Autowired
    MeterRegistry meters;
    @Autowired
    InMemorySpanExporter spans;
    @Autowired
    InMemoryMetricReader metrics;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, binary, model, "never");
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void aTurnsSpanAndMetersArriveThroughSpringBootsOpenTelemetry() {
        assertThat(openTelemetry).as("Spring Boot's own SDK bean").isInstanceOf(OpenTelemetrySdk.class);
        assertThat(sessions.client().options().telemetry()).isSameAs(telemetry);

        model.enqueue(ModelReply.message("traced"));
        TurnResult result;
        String thread;
        try (CodexSession session = sessions.open()) {
            thread = session.threadId();
            result = session.runTurn(TurnInput.text("hello"));
        }
        assertThat(result.status()).as("%s", result.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(result.finalText()).isEqualTo("traced");

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(spans.getFinishedSpanItems())
                .anySatisfy(span -> {
                    assertThat(span.getName()).isEqualTo("invoke_agent codex");
                    assertThat(span.getAttributes().asMap()).anySatisfy((key, value) -> {
                        assertThat(key.getKey()).isEqualTo("gen_ai.conversation.id");
                        assertThat(value).isEqualTo(thread);
                    });
                }));
        assertThat(metrics.collectAllMetrics()).extracting(MetricData::getName).contains("codex_bridge.turns");
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(meters.get("codex.bridge.turns.completed").tag("status", "completed").counter().count()).isEqualTo(1.0));
        assertThat(meters.get("codex.bridge.connection.up").tag("connection", "client").gauge().value()).isEqualTo(1.0);
        assertThat(Actuator.status(context, "codex")).isEqualTo("UP");
    }
}
