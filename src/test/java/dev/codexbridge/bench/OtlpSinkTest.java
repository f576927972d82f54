package dev.codexbridge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The benchmark's span count is what the SDK's own OTLP exporter sent, nested spans and attributes included. */
class OtlpSinkTest {
    @Test
    void countsTheSpansTheOtlpExporterSends() throws Exception {
        try (OtlpSink sink = OtlpSink.start()) {
            OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(sink.endpoint() + "/v1/traces").build();
            SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
            var tracer = provider.get("test");
            var parent = tracer.spanBuilder("parent").startSpan();
            for (int i = 0; i < 4; i++) {
                tracer.spanBuilder("child " + i).setParent(Context.root().with(parent))
                        .setAttribute("gen_ai.tool.call.id", "call_" + i).setAttribute("n", (long) i).startSpan().end();
            }
            parent.end();
            provider.forceFlush().join(10, TimeUnit.SECONDS);
            provider.shutdown().join(10, TimeUnit.SECONDS);

            assertThat(sink.spans()).isEqualTo(5);
            assertThat(sink.requests()).isEqualTo(5);
        }
    }
}
