package dev.codexbridge.mcp;

import static dev.codexbridge.mcp.HttpProbe.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ModelReply;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A replica stopped (SIGTERM, a rolling deploy) while a tool call runs: the call is answered with
 * its turn's result before the listener closes, and a call sent meanwhile is refused "send it
 * again" (503) before anything runs — where the stream used to close without an event, the
 * message landing in the conversation later, the client unable to tell whether to send again.
 */
class McpDrainLiveTest {
    private LiveMcp live;

    @AfterEach
    void close() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void aStoppingServerAnswersTheCallsInFlightAndRefusesNewOnes() throws Exception {
        live = new LiveMcp("mcp-drain");
        CountDownLatch modelAsked = new CountDownLatch(1);
        live.model.respondWhenEmpty(r -> {
            if (r.userTexts().stream().anyMatch(t -> t.contains("slow"))) {
                modelAsked.countDown();
                try {
                    Thread.sleep(3_000);        // the turn still runs when the server is told to stop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ModelReply.message("answered");
        });
        live.boot(false, List.of(), b -> { });
        String session = HttpProbe.openSession(live.http.uri(), LiveMcp.ALICE);
        String call = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"codex\",\"arguments\":{\"prompt\":\"%s\"}}}";
        CompletableFuture<HttpProbe.Answer> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return send(live.http.uri(), "POST", LiveMcp.ALICE, session, Map.of(), String.format(call, "slow"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(modelAsked.await(60, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(live.http::close);
        HttpProbe.Answer refused = null;
        for (int i = 0; i < 100 && refused == null; i++) {
            HttpProbe.Answer a = send(live.http.uri(), "POST", LiveMcp.ALICE, session, Map.of(), String.format(call, "another"));
            if (a.status() == 503) {
                refused = a;
            } else {
                Thread.sleep(20);       // the stop had not begun: that call ran
            }
        }
        assertThat(refused).as("a call sent while the server stops").isNotNull();
        assertThat(refused.headers()).containsEntry("retry-after", "1");
        assertThat(Json.parse(refused.body()).at("/error/message").asText()).contains("stopping: nothing was run; send it again");

        HttpProbe.Answer answered = inFlight.get(60, TimeUnit.SECONDS);
        assertThat(answered.status()).isEqualTo(200);
        JsonNode result = Json.parse(answered.body()).path("result");
        assertThat(result.path("isError").asBoolean()).as("%s", answered.body()).isFalse();
        assertThat(result.at("/content/0/text").asText()).isEqualTo("answered");
        stopping.get(60, TimeUnit.SECONDS);
    }
}
