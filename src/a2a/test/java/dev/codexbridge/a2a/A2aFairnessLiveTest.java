package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.testkit.ModelReply;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One caller holding every stream it may does not stop another's calls, against the real codex:
 * alice opens her most {@code SubscribeToTask} streams on a running task and is refused one more
 * (by the per-principal limit, and told so); bob's blocking and streaming sends still run to
 * their answers within the server-wide limit.
 */
class A2aFairnessLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<CompletableFuture<HttpResponse<Stream<String>>>> held = new ArrayList<>();

    @AfterEach
    void tearDown() {
        held.forEach(f -> f.thenAccept(r -> r.body().close()));
        if (live != null) {
            live.close();
        }
    }

    private HttpRequest rpc(String bearer, String method, JsonNode params) {
        ObjectNode req = A2aWire.object().put("jsonrpc", "2.0").put("id", 1).put("method", method);
        req.set("params", params);
        return HttpRequest.newBuilder(live.server.uri()).header("Authorization", "Bearer " + bearer).header("A2A-Version", "1.0")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(req.toString())).build();
    }

    @Test
    void oneCallerAtItsStreamLimitLeavesRoomForAnother() throws Exception {
        live = new LiveA2a(tmp);
        // 4 server threads in all, 2 streams and 2 waiting sends per caller
        live.boot(h -> { }, A2aLimits.DEFAULTS.withStreams(4, 2, 2));
        RawA2a raw = new RawA2a(live.server.uri());
        live.model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 30").build(), ModelReply.message("Bob's blocking answer."),
                ModelReply.message("Bob's streamed answer."), ModelReply.message("Alice slept."));

        JsonNode started = raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("sleep a while", null, null, true));
        String aliceTask = started.at("/result/task/id").asText();
        assertThat(aliceTask).as(started.toString()).isNotEmpty();
        // codex runs alice's command before bob asks the model anything (the scripted replies are taken in order)
        await().atMost(Duration.ofSeconds(90)).until(() -> raw.rpc(LiveA2a.ALICE, "GetTask", A2aWire.object().put("id", aliceTask))
                .at("/result/status/message/parts/0/text").asText().startsWith("running: "));

        // alice's two streams, open (their first event, the task, came) and held
        for (int i = 0; i < 2; i++) {
            CompletableFuture<HttpResponse<Stream<String>>> s = http.sendAsync(rpc(LiveA2a.ALICE, "SubscribeToTask",
                    A2aWire.object().put("id", aliceTask)), HttpResponse.BodyHandlers.ofLines());
            HttpResponse<Stream<String>> r = s.get(30, TimeUnit.SECONDS);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            held.add(s);
        }
        JsonNode third = A2aWire.JSON.readTree(http.send(rpc(LiveA2a.ALICE, "SubscribeToTask", A2aWire.object().put("id", aliceTask)),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(third.at("/error/code").asInt()).as(third.toString()).isEqualTo(A2aError.UNSUPPORTED);
        assertThat(third.at("/error/message").asText()).startsWith("per-principal limit: this caller has 2 open streams");
        assertThat(third.at("/error/data/0/reason").asText()).isEqualTo("UNSUPPORTED_OPERATION");
        assertThat(third.at("/error/data/0/metadata/scope").asText()).isEqualTo("principal");
        assertThat(third.at("/error/data/0/metadata/limit").asText()).isEqualTo("streamsPerPrincipal");

        // bob: a blocking send, then a streaming one, each to its answer
        JsonNode blocking = raw.rpc(LiveA2a.BOB, "SendMessage", RawA2a.send("answer me", null, null, false));
        assertThat(blocking.at("/result/task/status/state").asText()).as(blocking.toString()).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(blocking.at("/result/task/artifacts/0/parts/0/text").asText()).isEqualTo("Bob's blocking answer.");

        List<JsonNode> events = new ArrayList<>();
        HttpResponse<Stream<String>> streamed = http.send(rpc(LiveA2a.BOB, "SendStreamingMessage", RawA2a.send("stream to me", null, null, false)),
                HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = streamed.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("data: ")) {
                    events.add(A2aWire.JSON.readTree(line.substring(6)));
                }
            }
        }
        assertThat(events).isNotEmpty();
        assertThat(events.get(events.size() - 1).at("/result/statusUpdate/status/state").asText()).as(events.toString())
                .isEqualTo("TASK_STATE_COMPLETED");
        assertThat(events.toString()).contains("Bob's streamed answer.");

        // alice's streams were open all along: her task still runs
        assertThat(raw.rpc(LiveA2a.ALICE, "GetTask", A2aWire.object().put("id", aliceTask)).at("/result/status/state").asText())
                .isEqualTo("TASK_STATE_WORKING");
        JsonNode canceled = raw.rpc(LiveA2a.ALICE, "CancelTask", A2aWire.object().put("id", aliceTask));
        assertThat(canceled.at("/result/status/state").asText()).as(canceled.toString()).isEqualTo("TASK_STATE_CANCELED");
    }
}
