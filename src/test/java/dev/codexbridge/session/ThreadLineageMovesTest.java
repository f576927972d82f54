package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.FakeCodex;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ThreadLineageMoves} against a fake codex. */
class ThreadLineageMovesTest {
    @Test
    void aSleepSendsNoThreadDeleteWhileAnotherIsInFlightOnItsConnection() throws Exception {
        FakeCodex codex = new FakeCodex();
        CompletableFuture<JsonNode> firstAnswer = new CompletableFuture<>();
        codex.onThreadDelete = id -> id.equals("t1") ? firstAnswer : CompletableFuture.completedFuture(Json.object());
        try (CodexClient client = CodexClient.builder().transport(codex.factory()).connect()) {
            CompletableFuture<Void> first = new ThreadLineageMoves().forgetAsync(client, "t1");

            // another session's sleep on the same connection: codex runs deletes one at a time, so none is queued
            CompletableFuture<Void> second = new ThreadLineageMoves().forgetAsync(client, "t2");

            assertThat(second).isDone();
            assertThat(first).isNotDone();
            firstAnswer.complete(Json.object());
            first.get(5, TimeUnit.SECONDS);
            new ThreadLineageMoves().forgetAsync(client, "t3").get(5, TimeUnit.SECONDS);
            assertThat(codex.received()).filteredOn(m -> "thread/delete".equals(m.path("method").asText()))
                    .extracting(m -> m.path("params").path("threadId").asText()).containsExactly("t1", "t3");
        } finally {
            codex.shutdown();
        }
    }

    @Test
    void aDeleteCodexRefusesStillLetsTheNextOneGo() throws Exception {
        FakeCodex codex = new FakeCodex();
        codex.onThreadDelete = id -> id.equals("t1") ? CompletableFuture.failedFuture(new IllegalStateException("no such thread"))
                : CompletableFuture.completedFuture(Json.object());
        try (CodexClient client = CodexClient.builder().transport(codex.factory()).connect()) {
            CompletableFuture<Void> refused = new ThreadLineageMoves().forgetAsync(client, "t1");
            assertThat(refused).failsWithin(Duration.ofSeconds(5));

            new ThreadLineageMoves().forgetAsync(client, "t2").get(5, TimeUnit.SECONDS);

            assertThat(codex.received()).filteredOn(m -> "thread/delete".equals(m.path("method").asText())).hasSize(2);
        } finally {
            codex.shutdown();
        }
    }
}
