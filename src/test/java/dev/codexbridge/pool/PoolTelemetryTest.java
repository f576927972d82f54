package dev.codexbridge.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.support.OtelCapture;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.transport.CodexEndpoint;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A pool with telemetry: each endpoint's health and load as metrics, its connections traced. */
class PoolTelemetryTest {
    private static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("codex_bridge.pool.endpoint");

    private static Map<String, Long> byEndpoint(OtelCapture otel, String metric) {
        MetricData data = otel.metric(metric).orElseThrow();
        Collection<LongPointData> points = data.getLongGaugeData().getPoints().isEmpty()
                ? data.getLongSumData().getPoints() : data.getLongGaugeData().getPoints();
        Map<String, Long> out = new TreeMap<>();
        for (LongPointData p : points) {
            out.put(p.getAttributes().get(ENDPOINT), p.getValue());
        }
        return out;
    }

    @Test
    void eachEndpointsHealthAndLoadAreObservedAndItsConnectionsTraced() {
        Map<String, FakeAppServer> servers = new LinkedHashMap<>();
        servers.put("a", new FakeAppServer("a"));
        servers.put("b", new FakeAppServer("b"));
        servers.get("b").ready = false;
        try (OtelCapture otel = new OtelCapture();
             CodexPool pool = CodexPool.builder().link(FakeAppServer.link(servers)).healthInterval(Duration.ofMinutes(10))
                     .endpoint("a", CodexEndpoint.parse("ws://127.0.0.1:1")).endpoint("b", CodexEndpoint.parse("ws://127.0.0.1:2"))
                     .telemetry(CodexTelemetry.of(otel.openTelemetry())).build()) {
            CodexSession s = pool.newSession(b -> b.cwd(Path.of("/w")));
            try {
                assertThat(byEndpoint(otel, "codex_bridge.pool.endpoint.up")).containsExactly(Map.entry("a", 1L), Map.entry("b", 0L));
                assertThat(byEndpoint(otel, "codex_bridge.pool.endpoint.threads")).containsExactly(Map.entry("a", 1L), Map.entry("b", 0L));
                // the pool's connection has the telemetry: it is observed like any client
                assertThat(otel.metric("codex_bridge.client.threads")).isPresent();

                servers.get("a").ready = false;
                servers.get("b").ready = true;
                pool.checkNow();
                assertThat(byEndpoint(otel, "codex_bridge.pool.endpoint.up")).containsExactly(Map.entry("a", 0L), Map.entry("b", 1L));
            } finally {
                s.close();
            }
        }
    }
}
