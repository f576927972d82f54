package dev.codexbridge.support;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * An OpenTelemetry SDK that keeps what it records in memory: every ended span (exported at once)
 * and the metrics, collected on demand. The SDK's testing artifact in a few lines.
 */
public final class OtelCapture implements AutoCloseable {
    private final List<SpanData> spans = new ArrayList<>();
    private volatile CollectionRegistration metrics = CollectionRegistration.noop();
    private final OpenTelemetrySdk sdk;

    public OtelCapture() {
        SpanExporter exporter = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
                synchronized (spans) {
                    spans.addAll(batch);
                }
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        MetricReader reader = new MetricReader() {
            @Override
            public void register(CollectionRegistration registration) {
                metrics = registration;
            }

            @Override
            public CompletableResultCode forceFlush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return AggregationTemporality.CUMULATIVE;
            }
        };
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
                .build();
    }

    public OpenTelemetry openTelemetry() {
        return sdk;
    }

    public List<SpanData> spans() {
        synchronized (spans) {
            return List.copyOf(spans);
        }
    }

    public List<SpanData> spansNamed(String name) {
        return spans().stream().filter(s -> s.getName().equals(name)).toList();
    }

    public SpanData span(String name) {
        List<SpanData> named = spansNamed(name);
        if (named.size() != 1) {
            throw new AssertionError("expected one span " + name + ", got " + named.size() + " in " + names());
        }
        return named.get(0);
    }

    public List<String> names() {
        return spans().stream().map(SpanData::getName).toList();
    }

    public Collection<MetricData> metrics() {
        return metrics.collectAllMetrics();
    }

    public Optional<MetricData> metric(String name) {
        return metrics().stream().filter(m -> m.getName().equals(name)).findFirst();
    }

    /** Whether any span carries {@code key}. */
    public boolean anySpanHas(AttributeKey<?> key) {
        return spans().stream().anyMatch(s -> s.getAttributes().get(key) != null);
    }

    @Override
    public void close() {
        sdk.close();
    }
}
