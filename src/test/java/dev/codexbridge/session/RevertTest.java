package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.support.FakeCodex;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link CodexSession#revert} right after a turn: codex may still hold the thread's writer for a
 * moment and refuse ("already has an active writer", seen on the real codex beside two busy loops).
 * That refusal is asked again until codex lets go; any other refusal is the caller's at once.
 */
class RevertTest {

    private static CompletableFuture<JsonNode> refused(String message) {
        return CompletableFuture.failedFuture(new RpcException("thread/revert", new RpcError(-32600, message)));
    }

    @Test
    void aRevertRefusedWhileCodexStillHoldsTheWriterIsAskedAgainUntilCodexLetsGo() {
        FakeCodex codex = new FakeCodex();
        AtomicInteger asked = new AtomicInteger();
        codex.onRevert = p -> asked.incrementAndGet() <= 2
                ? refused("thread " + p.path("threadId").asText() + " already has an active writer")
                : CompletableFuture.completedFuture(FakeCodex.thread(p.path("threadId").asText()));
        try (CodexClient client = CodexClient.builder().transport(codex.factory()).connect();
             CodexSession session = CodexSession.builder().client(client).cwd(Path.of("/work")).build()) {
            String thread = session.start();
            assertThat(session.revert("turn-2").thread().id()).isEqualTo(thread);
            assertThat(asked).as("refused twice, then taken").hasValue(3);
        }
    }

    @Test
    void anyOtherRefusalIsTheCallersAtOnce() {
        FakeCodex codex = new FakeCodex();
        AtomicInteger asked = new AtomicInteger();
        codex.onRevert = p -> {
            asked.incrementAndGet();
            return refused("no turn turn-9 in this thread");
        };
        try (CodexClient client = CodexClient.builder().transport(codex.factory()).connect();
             CodexSession session = CodexSession.builder().client(client).cwd(Path.of("/work")).build()) {
            session.start();
            assertThatThrownBy(() -> session.revert("turn-9")).isInstanceOf(RpcException.class).hasMessageContaining("no turn turn-9");
            assertThat(asked).hasValue(1);
        }
    }
}
