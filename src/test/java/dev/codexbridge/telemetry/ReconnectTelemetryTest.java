package dev.codexbridge.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.support.OtelCapture;
import dev.codexbridge.transport.CodexTransport;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client's reconnects and the background resumes after them, as spans, against an in-memory codex. */
class ReconnectTelemetryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.otel, () -> this.shared);
    private final FakeCodex codex = fake.codex();
    private final OtelCapture otel = new OtelCapture();
    private CodexClient shared;

    private void openSessions(int n) {
        for (int i = 0; i < n; i++) {
            CodexSession s = CodexSession.builder().client(shared).cwd(Path.of("/w")).build();
            fake.track(s);
            s.start();
        }
    }

    private List<JsonNode> sent(String method) {
        return codex.received().stream().filter(m -> method.equals(m.path("method").asText())).toList();
    }

    @Test
    void aReconnectIsASpanWithAChildPerResumeAndCodexsResumesJoinItsTrace() {
        codex.distinctThreads = true;
        codex.scriptDelayMs = 0;
        shared = CodexClient.builder().transport(codex.factory()).telemetry(CodexTelemetry.of(otel.openTelemetry()))
                .reconnect(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), 4)).connect();
        openSessions(2);
        assertThat(otel.spansNamed("codex.reconnect")).isEmpty();

        codex.die();

        await().atMost(WAIT).until(() -> otel.spansNamed("codex.reconnect").size() == 1);
        SpanData reconnect = otel.span("codex.reconnect");
        assertThat(reconnect.getParentSpanContext().isValid()).as("a root: no host context on the reader thread").isFalse();
        assertThat(reconnect.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.CLIENT)).isNotBlank();
        assertThat(reconnect.getAttributes().get(GenAiAttributes.RECONNECT_LOST_CONNECTION)).isEqualTo(1L);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.RECONNECT_ATTEMPTS)).isEqualTo(1L);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.RECONNECT_GENERATION)).isEqualTo(2L);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.RECONNECT_RESUMES)).isEqualTo(2L);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.RECONNECT_RESUMES_FAILED)).isZero();
        assertThat(reconnect.getEvents()).extracting(e -> e.getName()).contains("codex.reconnect.reopened");

        List<SpanData> resumes = otel.spansNamed("codex.resume");
        assertThat(resumes).hasSize(2).allSatisfy(r -> {
            assertThat(r.getParentSpanId()).isEqualTo(reconnect.getSpanId());
            assertThat(r.getTraceId()).isEqualTo(reconnect.getTraceId());
            assertThat(r.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        });
        // each thread/resume carries its resume's span, so codex's handling of it hangs under it
        List<String> parents = sent("thread/resume").stream().map(m -> m.path("trace").path("traceparent").asText()).toList();
        assertThat(parents).hasSize(2).containsExactlyInAnyOrderElementsOf(
                resumes.stream().map(r -> "00-" + r.getTraceId() + "-" + r.getSpanId() + "-01").toList());
        assertThat(sent("initialize")).allSatisfy(m -> assertThat(m.has("trace")).isFalse());

        HistogramPointData took = otel.metric("codex_bridge.client.reconnect.duration").orElseThrow()
                .getHistogramData().getPoints().iterator().next();
        assertThat(took.getCount()).isEqualTo(1);
        assertThat(took.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isNull();
    }

    @Test
    void aReconnectThatGivesUpEndsItsSpanWithTheError() {
        AtomicBoolean refuse = new AtomicBoolean();
        CodexTransport.Factory real = codex.factory();
        shared = CodexClient.builder().transport(sink -> {
            if (refuse.get()) {
                throw new CodexException("codex is gone for good sk-proj-abcdefghijklmnop");
            }
            return real.open(sink);
        }).telemetry(CodexTelemetry.of(otel.openTelemetry()))
                .reconnect(new ReconnectPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 4)).connect();
        openSessions(1);
        refuse.set(true);

        codex.die();

        await().atMost(WAIT).until(() -> otel.spansNamed("codex.reconnect").size() == 1);
        SpanData reconnect = otel.span("codex.reconnect");
        assertThat(reconnect.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.RECONNECT_ATTEMPTS)).isEqualTo(3L);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isEqualTo("CodexException");
        assertThat(reconnect.getEvents()).extracting(e -> e.getName())
                .containsExactly("codex.reconnect.attempt_failed", "codex.reconnect.attempt_failed");
        assertThat(otel.spansNamed("codex.resume")).isEmpty();
        assertThat(otel.spans().toString()).as("codex's words stay out of the span").doesNotContain("gone for good", "sk-proj");
        assertThat(otel.metric("codex_bridge.client.reconnect.duration").orElseThrow().getHistogramData().getPoints())
                .singleElement().satisfies(p -> assertThat(p.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isEqualTo("CodexException"));
    }

    @Test
    void aClientClosedWhileItReconnectsEndsTheReconnectsSpan() {
        AtomicBoolean refuse = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        CodexTransport.Factory real = codex.factory();
        shared = CodexClient.builder().transport(sink -> {
            if (refuse.get()) {
                refused.incrementAndGet();
                throw new CodexException("not yet");
            }
            return real.open(sink);
        }).telemetry(CodexTelemetry.of(otel.openTelemetry()))
                .reconnect(new ReconnectPolicy(5, Duration.ofMillis(10), Duration.ofMillis(500), 4)).connect();
        openSessions(1);
        refuse.set(true);

        codex.die();
        // an attempt ran, so the reconnect (and its span) had begun: the host closes the client during it
        await().atMost(WAIT).until(() -> refused.get() >= 1);
        shared.close();

        await().atMost(WAIT).until(() -> otel.spansNamed("codex.reconnect").size() == 1);
        SpanData reconnect = otel.span("codex.reconnect");
        assertThat(reconnect.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(reconnect.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isIn("ConnectionClosedException", "CodexException");
        assertThat(otel.spansNamed("codex.resume")).isEmpty();
    }
}
