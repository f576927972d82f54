package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.support.OtelCapture;
import dev.codexbridge.telemetry.CodexTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A rate-limited turn retried by the governor: one turn span over both attempts, the wait a span of its own. */
class RateLimitTelemetryTest {
    private static final String USAGE_LIMIT = "{\"message\":\"You've hit your usage limit. Try again in 20s.\","
            + "\"codexErrorInfo\":\"usageLimitExceeded\"}";
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.otel);
    private final FakeCodex codex = fake.codex();
    private final OtelCapture otel = new OtelCapture();
    private final RateLimitGovernorTest.VirtualClock clock = new RateLimitGovernorTest.VirtualClock();

    @Test
    void theWaitBetweenAttemptsIsASpanUnderTheTurnAndBothTurnStartsCarryTheTurnsSpan() {
        AtomicInteger n = new AtomicInteger();
        codex.onTurnStart = (f, turn) -> {
            if (n.incrementAndGet() == 1) {
                f.completeTurn(turn, "failed", USAGE_LIMIT);
            } else {
                f.agentMessage(turn, "done");
                f.completeTurn(turn, "completed", null);
            }
        };
        RateLimitGovernor governor = RateLimitGovernor.builder().clock(clock).jitter(() -> 0.0).maxAttempts(3)
                .maxWait(Duration.ofMinutes(5)).backoff(Duration.ofSeconds(2), Duration.ofSeconds(60)).build();
        TurnResult r;
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options())
                .cwd(Path.of("/work")).limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO))
                .rateLimits(governor).telemetry(CodexTelemetry.of(otel.openTelemetry())).build()) {
            r = s.runTurn(TurnInput.text("go"));
        }
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.attempts()).isEqualTo(2);

        SpanData turn = otel.span("invoke_agent codex");
        assertThat(turn.getAttributes().get(AttributeKey.longKey("codex_bridge.turn.attempts"))).isEqualTo(2L);
        SpanData wait = otel.span("rate_limit_wait");
        assertThat(wait.getParentSpanId()).isEqualTo(turn.getSpanId());
        assertThat(wait.getAttributes().get(AttributeKey.longKey("codex_bridge.rate_limit.attempt"))).isEqualTo(2L);
        List<JsonNode> starts = codex.received().stream().filter(m -> m.path("method").asText().equals("turn/start")).toList();
        assertThat(starts).hasSize(2).allSatisfy(m -> assertThat(m.path("trace").path("traceparent").asText())
                .isEqualTo("00-" + turn.getTraceId() + "-" + turn.getSpanId() + "-01"));
        assertThat(otel.metric("codex_bridge.rate_limit.wait")).isPresent();
    }
}
