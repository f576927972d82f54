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
 * without a gate (on disk) gets no instruments.
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
}
