package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server request an older codex in the matrix still sends and the pinned one no longer defines:
 * codex 0.169.0's {@code currentTime/read} (gone in 0.171.0) is answered {@code -32601}, as it was
 * when the pin defined it, and the turn goes on.
 */
class RetiredServerRequestTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.session);
    private final FakeCodex codex = fake.codex();
    private CodexSession session;

    @Test
    void codex0169sCurrentTimeReadIsAnsweredUnsupportedAndTheTurnCompletes() {
        assertThat(ServerRequests.BY_METHOD).doesNotContainKey("currentTime/read");
        AtomicReference<Throwable> answered = new AtomicReference<>();
        codex.onTurnStart = (f, turn) -> {
            CompletableFuture<JsonNode> asked = f.request("currentTime/read", "{\"threadId\":\"" + f.threadId + "\"}");
            try {
                answered.set(new AssertionError("answered with a result: " + asked.join()));
            } catch (CompletionException e) {
                answered.set(Futures.unwrap(e));
            }
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        session = CodexSession.builder()
                .connection(CodexClient.builder().transport(codex.factory()).options())
                .cwd(Path.of("/work"))
                .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO))
                .build();

        TurnResult r = session.runTurn(TurnInput.text("what time is it"));

        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("done");
        assertThat(answered.get()).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(-32601);
            assertThat(e.error().message()).isEqualTo("Unsupported method: currentTime/read");
        });
    }
}
