package dev.codexbridge.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.codexbridge.support.OtlpReceiver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the OpenTelemetry SDK alone costs for a turn's tool spans, without the library: in a JVM
 * of its own (run with the launcher's flags for a CLI's cold, C1-only figures), the SDK set up by
 * autoconfiguration as the CLI sets it up, {@code N} spans shaped like {@code execute_tool} spans
 * (the same name, kind and attributes) under one parent, exported over OTLP/HTTP to a counting
 * receiver in this process (or to no exporter with {@code none}). Prints the wall and process CPU
 * of the set-up, of the spans, and of the final export.
 *
 * <p>{@code java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "target/test-classes:$(cat
 * target/bench.classpath)" dev.codexbridge.bench.SpanCostBench otlp 15000} (after one
 * {@code bin/bench} run has written the class path).
 */
public final class SpanCostBench {
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    private static final AttributeKey<String> TOOL = AttributeKey.stringKey("gen_ai.tool.name");
    private static final AttributeKey<String> TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    private static final AttributeKey<String> CALL = AttributeKey.stringKey("gen_ai.tool.call.id");
    private static final AttributeKey<String> STATUS = AttributeKey.stringKey("codex_bridge.tool.status");

    private SpanCostBench() {
    }

    public static void main(String[] args) throws Exception {
        String exporter = args.length > 0 ? args[0] : "otlp";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 15_000;
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (OtlpReceiver receiver = OtlpReceiver.counting()) {
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> Map.of("otel.traces.exporter", exporter, "otel.metrics.exporter", "none",
                            "otel.logs.exporter", "none", "otel.exporter.otlp.protocol", "http/protobuf",
                            "otel.exporter.otlp.endpoint", receiver.baseUrl().toString(), "otel.bsp.max.queue.size", "32768"))
                    .disableShutdownHook().build().getOpenTelemetrySdk();
            long cpu1 = os.getProcessCpuTime();
            long wall1 = System.nanoTime();
            Tracer tracer = sdk.getTracer("dev.codexbridge");
            Span turn = tracer.spanBuilder("invoke_agent codex").setSpanKind(SpanKind.CLIENT).startSpan();
            Context context = Context.root().with(turn);
            for (int i = 0; i < count; i++) {
                String name = i % 2 == 0 ? "fileChange" : "commandExecution";
                Span tool = tracer.spanBuilder("execute_tool " + name).setParent(context).setSpanKind(SpanKind.INTERNAL)
                        .setAttribute(OPERATION, "execute_tool").setAttribute(TOOL, name).setAttribute(TYPE, "extension")
                        .setAttribute(CALL, "item-" + i).startSpan();
                tool.setAttribute(STATUS, "completed");
                tool.end();
            }
            turn.end();
            long cpu2 = os.getProcessCpuTime();
            long wall2 = System.nanoTime();
            sdk.shutdown().join(30, TimeUnit.SECONDS);
            long cpu3 = os.getProcessCpuTime();
            long wall3 = System.nanoTime();
            System.out.printf("span-cost: exporter %s, %d spans (%d received): set-up %.0f ms wall, %.0f ms CPU; spans %.0f ms, %.0f ms CPU;"
                            + " final export %.0f ms, %.0f ms CPU; all %.0f ms CPU%n", exporter, count + 1, receiver.spanCount(),
                    (wall1 - wall0) / 1e6, (cpu1 - cpu0) / 1e6, (wall2 - wall1) / 1e6, (cpu2 - cpu1) / 1e6,
                    (wall3 - wall2) / 1e6, (cpu3 - cpu2) / 1e6, (cpu3 - cpu0) / 1e6);
        }
    }
}
