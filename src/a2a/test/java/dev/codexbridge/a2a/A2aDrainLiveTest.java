package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ModelReply;
import io.a2a.client.ClientEvent;
import io.a2a.client.TaskUpdateEvent;
import io.a2a.spec.Task;
import io.a2a.spec.TaskState;
import io.a2a.spec.TaskStatusUpdateEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica stopped (SIGTERM, a rolling deploy) while A2A calls run: a blocking send gets its
 * completed task and a stream ends with its task's final event before the listener closes, and a
 * message sent meanwhile is refused "send it again" (503, {@code Retry-After}) with nothing run —
 * codex never sees it. The rolling deploys of issue 81 found such calls' connections closed
 * unanswered and their turns run after.
 */
class A2aDrainLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private SdkCaller alice;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(alice);
        if (live != null) {
            live.close();
        }
    }

    @Test
    void aStoppingServerAnswersTheCallsInFlightAndRefusesNewTasks() throws Exception {
        live = new LiveA2a(tmp);
        CountDownLatch bothAsked = new CountDownLatch(2);
        live.model.respondWhenEmpty(r -> {
            if (r.userTexts().stream().anyMatch(t -> t.contains("slow"))) {
                bothAsked.countDown();
                try {
                    Thread.sleep(3_000);        // the turns still run when the server is told to stop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ModelReply.message("answered");
        });
        A2aServer server = live.boot(h -> { }, A2aLimits.DEFAULTS).server;
        alice = new SdkCaller(server.uri().toString(), LiveA2a.ALICE);

        CompletableFuture<Task> blocking = CompletableFuture.supplyAsync(() -> {
            try {
                return alice.send(SdkCaller.text("slow blocking", null, null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<List<ClientEvent>> streamed = CompletableFuture.supplyAsync(() -> {
            try {
                return alice.stream(SdkCaller.text("slow streamed", null, null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(bothAsked.await(60, TimeUnit.SECONDS)).as("both turns reached the model").isTrue();

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
        awaitStopping(server.uri());

        // through the SDK: the send fails with the 503, nothing run
        Throwable refused = null;
        try {
            alice.send(SdkCaller.text("late through the sdk", null, null));
        } catch (Throwable t) {
            refused = t;
        }
        assertThat(refused).as("a send while the server stops").isNotNull();
        assertThat(causes(refused)).contains("503");
        // on the wire: 503, Retry-After, the binding's own error shape
        HttpResponse<String> rpc = post(server.uri(), "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"message/send\",\"params\":{\"message\":"
                + "{\"role\":\"user\",\"messageId\":\"m9\",\"parts\":[{\"kind\":\"text\",\"text\":\"late over json-rpc\"}]}}}", null);
        assertThat(rpc.statusCode()).isEqualTo(503);
        assertThat(rpc.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode error = Json.parse(rpc.body()).path("error");
        assertThat(Json.parse(rpc.body()).path("id").asInt()).isEqualTo(9);
        assertThat(error.path("code").asInt()).isEqualTo(A2aError.UNSUPPORTED);
        assertThat(error.path("message").asText()).contains("stopping: nothing was run; send it again");
        assertThat(error.at("/data/0/metadata/retryAfterSeconds").asText()).isEqualTo("1");
        HttpResponse<String> rest = post(server.uri().resolve("/message:send"), "{\"message\":{\"messageId\":\"m10\",\"role\":\"ROLE_USER\","
                + "\"parts\":[{\"text\":\"late over http+json\"}]}}", "1.0");
        assertThat(rest.statusCode()).isEqualTo(503);
        assertThat(rest.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(Json.parse(rest.body()).at("/error/status").asText()).isEqualTo("UNAVAILABLE");
        assertThat(Json.parse(rest.body()).at("/error/details/0/retryDelay").asText()).isEqualTo("1s");

        Task answered = blocking.get(60, TimeUnit.SECONDS);
        assertThat(answered.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        List<ClientEvent> events = streamed.get(60, TimeUnit.SECONDS);
        ClientEvent last = events.get(events.size() - 1);
        assertThat(last).isInstanceOf(TaskUpdateEvent.class);
        TaskStatusUpdateEvent end = (TaskStatusUpdateEvent) ((TaskUpdateEvent) last).getUpdateEvent();
        assertThat(end.isFinal()).isTrue();
        assertThat(end.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        stopping.get(60, TimeUnit.SECONDS);

        List<String> seen = live.model.requests().stream().flatMap(r -> r.userTexts().stream()).toList();
        assertThat(seen).anyMatch(t -> t.contains("slow blocking")).anyMatch(t -> t.contains("slow streamed"))
                .noneMatch(t -> t.contains("late"));
    }

    /** Past the drain's bound a working turn is interrupted, and its stream still ends with its task's final event, saying why. */
    @Test
    void aTurnStillWorkingPastTheBoundIsInterruptedAndItsStreamToldWhy() throws Exception {
        live = new LiveA2a(tmp);
        CountDownLatch asked = new CountDownLatch(1);
        live.model.respondWhenEmpty(r -> {
            if (r.userTexts().stream().anyMatch(t -> t.contains("slow"))) {
                asked.countDown();
                try {
                    Thread.sleep(8_000);        // longer than the drain: codex's turn is interrupted meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ModelReply.message("answered");
        });
        live.serverSettings = b -> b.drainTimeout(java.time.Duration.ZERO);
        A2aServer server = live.boot(h -> { }, A2aLimits.DEFAULTS).server;
        alice = new SdkCaller(server.uri().toString(), LiveA2a.ALICE);
        CompletableFuture<List<ClientEvent>> streamed = CompletableFuture.supplyAsync(() -> {
            try {
                return alice.stream(SdkCaller.text("slow streamed", null, null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(asked.await(60, TimeUnit.SECONDS)).isTrue();
        server.close();

        List<ClientEvent> events = streamed.get(60, TimeUnit.SECONDS);
        TaskStatusUpdateEvent end = (TaskStatusUpdateEvent) ((TaskUpdateEvent) events.get(events.size() - 1)).getUpdateEvent();
        assertThat(end.isFinal()).isTrue();
        assertThat(end.getStatus().state()).isEqualTo(TaskState.CANCELED);
        assertThat(((io.a2a.spec.TextPart) end.getStatus().message().getParts().get(0)).getText())
                .startsWith("this replica stopped before codex's turn ended");
    }

    /** Waits until the probe says the server stops: from then on no task starts. */
    private void awaitStopping(URI uri) throws Exception {
        for (int i = 0; i < 6000; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 503 && r.body().contains("stopping")) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the server never said it stops");
    }

    private HttpResponse<String> post(URI uri, String body, String version) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + LiveA2a.ALICE)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (version != null) {
            b.header("A2A-Version", version);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append(" | ");
        }
        return b.toString();
    }
}
