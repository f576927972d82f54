package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.process.CodexProcessException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link McpSessions#starting}: a call past the wait, a source that is up, one that failed (decision 0110). */
class StartingSessionsTest {
    @Test
    void aCallPastTheWaitIsToldCodexIsStillStartingAndOnceUpTheSourceAnswers() {
        CompletableFuture<McpSessions> source = new CompletableFuture<>();
        McpSessions sessions = McpSessions.starting(source, Duration.ofMillis(50));
        assertThatThrownBy(() -> sessions.open("local", null)).isInstanceOf(StartingSessions.NotUp.class)
                .hasMessage("codex is still starting (waited 50 ms for it); nothing was run; try again");
        assertThatThrownBy(() -> sessions.resume("local", "thread-1", null)).isInstanceOf(StartingSessions.NotUp.class);
        source.complete(NoCodex.sessions());
        // the source's own answer from now on
        assertThatThrownBy(() -> sessions.open("local", null)).isInstanceOf(McpCallException.class).hasMessage("no codex in this test");
    }

    @Test
    void aSourceThatFailedRefusesEveryCallWithCodexsReason() {
        CompletableFuture<McpSessions> codex = new CompletableFuture<>();
        McpSessions sessions = McpSessions.starting(codex.thenApply(s -> s), McpSessions.START_WAIT);
        codex.completeExceptionally(new CodexProcessException("codex (pid 7) exited with code 3 before answering initialize"));
        String why = "codex did not start; nothing was run, and this server runs nothing until it is started again: "
                + "codex (pid 7) exited with code 3 before answering initialize";
        assertThatThrownBy(() -> sessions.open("local", null)).isInstanceOf(StartingSessions.NotUp.class).hasMessage(why);
        assertThatThrownBy(() -> sessions.resume("local", "thread-1", null)).hasMessage(why);
        assertThatThrownBy(sessions::callerApprovals).hasMessage(why);
    }

    @Test
    void aNegativeWaitIsRefused() {
        assertThatThrownBy(() -> McpSessions.starting(new CompletableFuture<>(), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
