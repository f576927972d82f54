package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.OtlpReceiver.ReceivedSpan;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The receiver reads what the Java SDK's OTLP/HTTP exporter sends (binary protobuf, over the JDK's HTTP client). */
class OtlpReceiverTest {
    @Test
    void readsTheSdksProtobufSpans() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            SdkTracerProvider tracers = SdkTracerProvider.builder()
                    .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "proto-test").build()))
                    .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                            .setEndpoint(receiver.baseUrl() + "/v1/traces").build()))
                    .build();
            Span parent = tracers.get("t").spanBuilder("parent").startSpan();
            try (Scope ignored = parent.makeCurrent()) {
                tracers.get("t").spanBuilder("child").setAttribute("n", 42L).setAttribute("s", "x")
                        .setAttribute("b", true).setAttribute("d", 1.5).startSpan().end();
            }
            parent.end();
            tracers.shutdown().join(10, TimeUnit.SECONDS);

            assertThat(receiver.failures()).isEmpty();
            ReceivedSpan p = receiver.spans().stream().filter(s -> s.name().equals("parent")).findFirst().orElseThrow();
            ReceivedSpan c = receiver.spans().stream().filter(s -> s.name().equals("child")).findFirst().orElseThrow();
            assertThat(p.traceId()).isEqualTo(parent.getSpanContext().getTraceId());
            assertThat(p.spanId()).isEqualTo(parent.getSpanContext().getSpanId());
            assertThat(p.parentSpanId()).isEmpty();
            assertThat(c.parentSpanId()).isEqualTo(p.spanId());
            assertThat(c.service()).isEqualTo("proto-test");
            assertThat(c.attributes()).containsEntry("n", "42").containsEntry("s", "x").containsEntry("b", "true")
                    .containsEntry("d", "1.5");
        }
    }

    @Test
    void aCountingReceiverCountsWhatItDoesNotKeep() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.counting()) {
            SdkTracerProvider tracers = SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                            .setEndpoint(receiver.baseUrl() + "/v1/traces").build()))
                    .build();
            Span parent = tracers.get("t").spanBuilder("parent").startSpan();
            try (Scope ignored = parent.makeCurrent()) {
                for (int i = 0; i < 4; i++) {
                    tracers.get("t").spanBuilder("child " + i).setAttribute("gen_ai.tool.call.id", "call_" + i).startSpan().end();
                }
            }
            parent.end();
            tracers.shutdown().join(10, TimeUnit.SECONDS);

            assertThat(receiver.failures()).isEmpty();
            assertThat(receiver.spanCount()).isEqualTo(5);
            assertThat(receiver.spans()).isEmpty();
            assertThat(receiver.posts()).containsEntry("/v1/traces protobuf", 5);
        }
    }
}
