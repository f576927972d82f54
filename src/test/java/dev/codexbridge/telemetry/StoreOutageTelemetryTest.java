package dev.codexbridge.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.store.spi.OutageGate;
import dev.codexbridge.support.OtelCapture;
import java.nio.file.Path;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store's outage gate through OpenTelemetry ({@link CodexTelemetry#observeStore}): down while
 * its database does not answer, the outages and the calls refused meanwhile counted; a store
 * without a gate (on disk) gets no outage instruments; what a store's leases went through is counted by event.
 */
class StoreOutageTelemetryTest {
    @TempDir
    Path dir;

    private final OtelCapture otel = new OtelCapture();
    private final AtomicLong now = new AtomicLong();
    private final OutageGate gate = new OutageGate(now::get);

    private long value(String name) {
        var metric = otel.metric(name).orElseThrow();
        return metric.getLongSumData().getPoints().isEmpty()
                ? metric.getLongGaugeData().getPoints().iterator().next().getValue()
                : metric.getLongSumData().getPoints().iterator().next().getValue();
    }

    private void call(RuntimeException failure) {
        gate.call(() -> {
            if (failure != null) {
                throw failure;
            }
            return null;
        }, down -> new ConversationStoreException(null, "not tried", down.failure()));
    }

    @Test
    void theGateIsReadWhenMetricsAreCollected() throws Exception {
        try (DiskConversationStore disk = DiskConversationStore.open(dir.resolve("store"))) {
            ConversationStore gated = new ForwardingStore(disk) {
                @Override
                public Optional<OutageGate> outageGate() {
                    return Optional.of(gate);
                }
            };
            CodexTelemetry telemetry = CodexTelemetry.of(otel.openTelemetry());
            try (AutoCloseable observed = telemetry.observeStore(gated)) {
                call(null);
                assertThat(value("codex_bridge.store.down")).isZero();
                RuntimeException away = new ConversationStoreException(null, "timed out", new SQLTransientConnectionException("timed out"));
                assertThatThrownBy(() -> call(away));
                assertThatThrownBy(() -> call(null)).hasMessage("not tried");
                assertThatThrownBy(() -> call(null)).hasMessage("not tried");
                assertThat(value("codex_bridge.store.down")).isOne();
                assertThat(value("codex_bridge.store.outages")).isOne();
                assertThat(value("codex_bridge.store.refused")).isEqualTo(2);
                now.addAndGet(OutageGate.PROBE_EVERY.toNanos());
                call(null);
                assertThat(value("codex_bridge.store.down")).isZero();
            }
            try (AutoCloseable none = CodexTelemetry.of(new OtelCapture().openTelemetry()).observeStore(disk)) {
                assertThat(disk.outageGate()).isEmpty();
            }
        }
    }

    @Test
    void aStoresLeaseEventsAreCountedByEvent() throws Exception {
        try (DiskConversationStore a = DiskConversationStore.open(dir.resolve("shared"));
             DiskConversationStore b = DiskConversationStore.open(dir.resolve("shared"))) {
            String id = "0199a213-81c0-7800-8aa1-bbab2a035a53";
            var held = a.lease(id, "host-a", java.time.Duration.ofMinutes(1));
            assertThatThrownBy(() -> b.lease(id, "host-b", java.time.Duration.ofMinutes(1)));
            assertThat(b.askHandOver(id)).isTrue();
            OtelCapture otelB = new OtelCapture();
            try (AutoCloseable observedA = CodexTelemetry.of(otel.openTelemetry()).observeStore(a);
                 AutoCloseable observedB = CodexTelemetry.of(otelB.openTelemetry()).observeStore(b)) {
                assertThat(a.release(held)).isTrue();
                assertThat(leases(otel)).containsEntry("handed_over", 1L).containsEntry("refused", 0L).containsEntry("asked", 0L)
                        .containsEntry("taken_over", 0L).as("a disk store hears nothing: its asks ride on renewals")
                        .containsEntry("ask_heard", 0L).containsEntry("release_heard", 0L);
                assertThat(leases(otelB)).containsEntry("refused", 1L).containsEntry("asked", 1L).containsEntry("handed_over", 0L);
            }
        }
    }

    private static java.util.Map<String, Long> leases(OtelCapture capture) {
        java.util.Map<String, Long> byEvent = new java.util.TreeMap<>();
        capture.metric("codex_bridge.store.leases").orElseThrow().getLongSumData().getPoints()
                .forEach(p -> byEvent.put(p.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("event")), p.getValue()));
        return byEvent;
    }
}
