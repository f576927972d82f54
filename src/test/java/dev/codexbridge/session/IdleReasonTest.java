package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.internal.turn.TurnVerdict;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A turn the idle limit ends names codex's reason from what codex told the client while it
 * retried (its {@code error} notification with {@code willRetry}), not from codex's log: codex
 * 0.169.0 sends "Reconnecting... waiting for network" with the cause in {@code additionalDetails}
 * each time it retries a model it cannot reach.
 */
class IdleReasonTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.session);
    private final FakeCodex codex = fake.codex();
    private CodexSession session;

    @Test
    void theIdleLimitsMessageNamesTheCauseCodexGaveWhenItLastRetried() {
        String reason = idleTimeoutAfterRetrying("{\"message\":\"Reconnecting... waiting for network\","
                + "\"additionalDetails\":\"Connection failed: error sending request\","
                + "\"codexErrorInfo\":{\"responseStreamDisconnected\":{\"httpStatusCode\":null}}}");
        assertThat(reason).contains("turn inactive for").endsWith("; codex's last reason: Connection failed: error sending request");
    }

    @Test
    void withoutDetailsTheRetrysMessageIsTheReason() {
        assertThat(idleTimeoutAfterRetrying("{\"message\":\"Reconnecting... 2/5\"}")).endsWith("; codex's last reason: Reconnecting... 2/5");
    }

    @Test
    void aTurnCodexNeverRetriedNamesNoReason() {
        session = builder(Duration.ofMillis(300)).build();
        codex.onTurnStart = (f, turn) -> { };
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(r.error().message()).contains("turn inactive for").doesNotContain("codex's last");
    }

    @Test
    void theReasonIsEscapedAndCapped() {
        String coloured = "\u001b[31mConnection failed\u001b[0m\nforged line";
        assertThat(TurnVerdict.codexReason(null, coloured))
                .isEqualTo("; codex's last reason: \\u001b[31mConnection failed\\u001b[0m\\nforged line");
        assertThat(TurnVerdict.codexReason(null, "x".repeat(400))).isEqualTo("; codex's last reason: " + "x".repeat(300) + "…");
        assertThat(TurnVerdict.codexReason(null, "  ")).isEmpty();
        assertThat(TurnVerdict.codexReason(TurnFailure.of("stream closed", ErrorCategory.OTHER, null), "Connection failed"))
                .isEqualTo("; codex's last error: stream closed");
    }

    private String idleTimeoutAfterRetrying(String error) {
        // the idle limit must outlast the retry's notification reaching the turn: 300 ms did not on a loaded machine
        session = builder(Duration.ofSeconds(2)).build();
        codex.onTurnStart = (f, turn) -> f.notify("error", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn
                + "\",\"willRetry\":true,\"error\":" + error + "}");
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.TIMED_OUT);
        return r.error().message();
    }

    private CodexSession.Builder builder(Duration idle) {
        return CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(Path.of("/work"))
                .limits(TurnLimits.of(Duration.ZERO, idle)).interruptGrace(Duration.ofSeconds(2));
    }
}
