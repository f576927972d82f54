package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.a2a.client.ClientEvent;
import io.a2a.client.TaskEvent;
import io.a2a.client.TaskUpdateEvent;
import io.a2a.spec.DataPart;
import io.a2a.spec.Task;
import io.a2a.spec.TaskArtifactUpdateEvent;
import io.a2a.spec.TaskState;
import io.a2a.spec.TaskStatusUpdateEvent;
import io.a2a.spec.TextPart;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The A2A server in front of the real pinned codex and the test kit's scripted model, driven by
 * the A2A Java SDK's client (protocol 0.3, JSON-RPC).
 */
class A2aServerLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private ScriptedModelServer model;
    private A2aServer server;
    private SdkCaller alice;
    private SdkCaller bob;

    @BeforeEach
    void setUp() throws Exception {
        live = new LiveA2a(tmp);
        model = live.model;
        boot(h -> { }, A2aLimits.DEFAULTS);
    }

    private void boot(Consumer<IsolatedCodexHome.Builder> homeSettings, A2aLimits limits) throws Exception {
        LiveA2a.closeAll(alice, bob);
        server = live.boot(homeSettings, limits).server;
        alice = new SdkCaller(server.uri().toString(), LiveA2a.ALICE);
        bob = new SdkCaller(server.uri().toString(), LiveA2a.BOB);
    }

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(alice, bob);
        if (live != null) {
            live.close();
        }
    }

    @Test
    void theCardNamesStreamingAndBearerTokens() {
        assertThat(alice.card.capabilities().streaming()).isTrue();
        assertThat(alice.card.url()).isEqualTo(server.uri().toString());
        assertThat(alice.card.securitySchemes()).containsKey("bearer");
        assertThat(alice.card.skills()).extracting(s -> s.id()).containsExactly("codex");
    }

    @Test
    void sendCompletesWithTheAnswer() throws Exception {
        model.enqueue(ModelReply.message("Hello from codex"));
        Task t = alice.send(SdkCaller.text("say hello", null, null));
        assertThat(t.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(t.getArtifacts()).filteredOn(a -> a.name().equals("answer")).singleElement()
                .satisfies(a -> assertThat(((TextPart) a.parts().get(0)).getText()).isEqualTo("Hello from codex"));
        assertThat(t.getMetadata()).containsEntry("codexOutcome", "completed").containsKey("codexTurnId");
        Task again = alice.get(t.getId(), 10);
        assertThat(again.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(again.getHistory()).extracting(m -> ((TextPart) m.getParts().get(0)).getText()).containsExactly("say hello", "Hello from codex");
        assertThat(alice.get(t.getId(), 1).getHistory()).hasSize(1);
    }

    @Test
    void streamDeliversTheEventsInOrderToCompleted() throws Exception {
        model.enqueue(ModelReply.builder().reasoning("Think", null).message("Streamed answer").build());
        List<ClientEvent> events = alice.stream(SdkCaller.text("stream please", null, null));
        assertThat(events.get(0)).isInstanceOf(TaskEvent.class);
        assertThat(((TaskEvent) events.get(0)).getTask().getStatus().state()).isEqualTo(TaskState.SUBMITTED);
        List<String> kinds = events.stream().skip(1).map(e -> {
            var u = ((TaskUpdateEvent) e).getUpdateEvent();
            return u instanceof TaskStatusUpdateEvent s ? s.getStatus().state().asString() + (s.isFinal() ? "!" : "")
                    : "artifact:" + ((TaskArtifactUpdateEvent) u).getArtifact().name();
        }).collect(Collectors.toList());
        // working once codex names the turn, the coalesced message as progress, the answer, then the end
        assertThat(kinds).startsWith("working").endsWith("artifact:answer", "completed!");
        assertThat(kinds).filteredOn(k -> k.endsWith("!")).hasSize(1);
        TaskUpdateEvent last = (TaskUpdateEvent) events.get(events.size() - 1);
        assertThat(last.getTask().getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(((TextPart) last.getTask().getStatus().message().getParts().get(0)).getText()).isEqualTo("Streamed answer");
    }

    @Test
    void anApprovalIsAnsweredThroughInputRequiredAndSurvivesAResubscribe() throws Exception {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-1", "echo approved-run", "Need to run it").build(),
                ModelReply.message("done"));
        Task asked = alice.send(SdkCaller.text("run it", null, null));
        assertThat(asked.getStatus().state()).isEqualTo(TaskState.INPUT_REQUIRED);
        Map<String, Object> request = codexRequest(asked);
        assertThat(request).containsEntry("kind", "command").containsEntry("reason", "Need to run it");
        assertThat((String) request.get("command")).contains("echo approved-run");

        // a client that lost its stream resubscribes: the pending request once, in the task it gets
        List<ClientEvent> again = alice.resubscribe(asked.getId());
        assertThat(again).singleElement().isInstanceOf(TaskEvent.class);
        Task seen = ((TaskEvent) again.get(0)).getTask();
        assertThat(seen.getStatus().state()).isEqualTo(TaskState.INPUT_REQUIRED);
        assertThat(codexRequest(seen)).containsEntry("requestId", request.get("requestId"));

        Task done = alice.send(SdkCaller.decision(asked.getId(), "accept"));
        assertThat(done.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(done.getId()).isEqualTo(asked.getId());
        assertThat(model.responsesRequests().get(1).functionCallOutput("call-1")).hasValueSatisfying(o -> assertThat(o).contains("approved-run"));
    }

    @Test
    void anUnansweredRequestIsDeclinedAtTheDeadline() throws Exception {
        boot(h -> { }, A2aLimits.DEFAULTS.withApprovalDeadline(Duration.ofSeconds(2)));
        model.enqueue(ModelReply.builder().execCommandEscalated("call-d", "echo never-run", "Needs approval").build(),
                ModelReply.message("it was declined"));
        Task asked = alice.send(SdkCaller.text("run it", null, null));
        assertThat(asked.getStatus().state()).isEqualTo(TaskState.INPUT_REQUIRED);
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Task t = asked;
        while (!t.getStatus().state().isFinal() && System.nanoTime() < end) {
            Thread.sleep(200);
            t = alice.get(asked.getId());
        }
        assertThat(t.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(model.responsesRequests().get(1).functionCallOutput("call-d")).hasValueSatisfying(o -> assertThat(o).contains("rejected by user"));
    }

    @Test
    void cancelInterruptsCodexsTurn() throws Exception {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-c", "echo never", "Needs approval").build());
        Task asked = alice.send(SdkCaller.text("run it", null, null));
        assertThat(asked.getStatus().state()).isEqualTo(TaskState.INPUT_REQUIRED);
        Task canceled = alice.cancel(asked.getId());
        assertThat(canceled.getStatus().state()).isEqualTo(TaskState.CANCELED);
        assertThat(canceled.getMetadata()).containsEntry("codexOutcome", "interrupted");
        assertThatThrownBy(() -> alice.cancel(asked.getId())).hasMessageContaining("already canceled");
    }

    @Test
    void cancelDuringARunningCommandInterruptsCodexsTurn() throws Exception {
        boot(h -> h.sandboxMode("danger-full-access"), A2aLimits.DEFAULTS);
        // far longer than any turn's start and cancel on a loaded machine: the bound below stays generous
        model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 300").build());
        CompletableFuture<String> running = new CompletableFuture<>();
        long start = System.nanoTime();
        List<ClientEvent> events = alice.stream(SdkCaller.text("wait", null, null), event -> {
            if (event instanceof TaskUpdateEvent u && u.getUpdateEvent() instanceof TaskStatusUpdateEvent st && st.getStatus().message() != null
                    && ((TextPart) st.getStatus().message().getParts().get(0)).getText().startsWith("running: ")) {
                running.complete(u.getTask().getId());
            }
        }, () -> alice.cancel(running.get(60, TimeUnit.SECONDS)));
        TaskUpdateEvent last = (TaskUpdateEvent) events.get(events.size() - 1);
        assertThat(last.getTask().getStatus().state()).isEqualTo(TaskState.CANCELED);
        assertThat(((TaskStatusUpdateEvent) last.getUpdateEvent()).getMetadata()).containsEntry("codexOutcome", "interrupted");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the 300 s command did not run to its end").isLessThan(Duration.ofSeconds(150));
    }

    @Test
    void aStreamDroppedMidTurnAndResubscribedMissesAndRepeatsNothing() throws Exception {
        boot(h -> h.sandboxMode("danger-full-access"), A2aLimits.DEFAULTS);
        model.enqueue(ModelReply.builder().execCommand("call-s", "sleep 2; echo slept").build(), ModelReply.message("After the sleep."));
        HttpRequest stream = HttpRequest.newBuilder(server.uri()).header("Authorization", "Bearer " + LiveA2a.ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"message/stream\",\"params\":"
                        + "{\"message\":{\"role\":\"user\",\"messageId\":\"m\",\"parts\":[{\"kind\":\"text\",\"text\":\"sleep\"}]}}}")).build();
        String taskId = null;
        HttpResponse<java.util.stream.Stream<String>> r = HttpClient.newHttpClient().send(stream, HttpResponse.BodyHandlers.ofLines());
        try (java.util.stream.Stream<String> lines = r.body()) {
            // read up to the command's start, then drop the connection while codex runs it
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("data: ")) {
                    com.fasterxml.jackson.databind.JsonNode e = A2aWire.JSON.readTree(line.substring(6)).path("result");
                    taskId = e.has("taskId") ? e.path("taskId").asText() : e.path("id").asText();
                    if (e.path("status").path("message").path("parts").path(0).path("text").asText().startsWith("running: ")) {
                        break;
                    }
                }
            }
        }
        assertThat(taskId).isNotNull();
        List<ClientEvent> again = alice.resubscribe(taskId);
        Task first = ((TaskEvent) again.get(0)).getTask();
        assertThat(first.getStatus().state()).isEqualTo(TaskState.WORKING);
        long answers = first.getArtifacts().stream().filter(a -> a.name().equals("answer")).count() + again.stream().skip(1)
                .filter(e -> ((TaskUpdateEvent) e).getUpdateEvent() instanceof TaskArtifactUpdateEvent a && a.getArtifact().name().equals("answer"))
                .count();
        assertThat(answers).as("the answer, once").isEqualTo(1);
        assertThat(again).filteredOn(e -> e instanceof TaskUpdateEvent u && u.getUpdateEvent() instanceof TaskStatusUpdateEvent st && st.isFinal())
                .singleElement().satisfies(e -> assertThat(((TaskUpdateEvent) e).getTask().getStatus().state()).isEqualTo(TaskState.COMPLETED));
        assertThat(alice.get(taskId, 10).getArtifacts()).filteredOn(a -> a.name().equals("answer")).hasSize(1);
    }

    @Test
    void aSecondMessageInTheContextContinuesTheCodexThread() throws Exception {
        model.enqueue(ModelReply.message("The secret is 42."));
        Task first = alice.send(SdkCaller.text("remember 42", null, null));
        model.enqueue(ModelReply.message("It was 42."));
        Task second = alice.send(SdkCaller.text("what was it?", first.getContextId(), null));
        assertThat(second.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(second.getContextId()).isEqualTo(first.getContextId());
        assertThat(second.getId()).isNotEqualTo(first.getId());
        assertThat(second.getMetadata().get("codexThreadId")).isNotNull().isEqualTo(first.getMetadata().get("codexThreadId"));
        // codex sent the model the first turn's exchange again: the same conversation
        assertThat(model.responsesRequests().get(1).bodyJson()).contains("remember 42", "The secret is 42.");
    }

    @Test
    void onePrincipalCannotSeeAnothersTasks() throws Exception {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-p", "echo never", "Needs approval").build());
        Task alices = alice.send(SdkCaller.text("run it", null, null));
        assertThat(alices.getStatus().state()).isEqualTo(TaskState.INPUT_REQUIRED);
        assertThatThrownBy(() -> bob.get(alices.getId())).hasMessageContaining("task not found");
        assertThatThrownBy(() -> bob.cancel(alices.getId())).hasMessageContaining("task not found");
        assertThatThrownBy(() -> bob.send(SdkCaller.decision(alices.getId(), "accept"))).hasMessageContaining("task not found");
        assertThat(alice.get(alices.getId()).getStatus().state()).isEqualTo(TaskState.INPUT_REQUIRED);
        alice.cancel(alices.getId());
    }

    @Test
    void noTokenNoAnswerAndBadRequestsGetClearErrors() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI rpc = server.uri();
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(rpc).POST(HttpRequest.BodyPublishers.ofString(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/get\",\"params\":{\"id\":\"x\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        HttpRequest.Builder authed = HttpRequest.newBuilder(rpc).header("Authorization", "Bearer " + LiveA2a.ALICE);
        assertThat(http.send(authed.POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .contains("-32700");
        assertThat(http.send(authed.POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/list\"}")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("-32601", "no such method: tasks/list");
        assertThat(http.send(authed.POST(HttpRequest.BodyPublishers.ofString(
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"message/send\",\"params\":{\"message\":{\"role\":\"user\",\"messageId\":\"m\","
                        + "\"parts\":[{\"kind\":\"file\",\"file\":{}}]}}}"))
                .build(), HttpResponse.BodyHandlers.ofString()).body()).contains("-32005", "file parts are not supported", "CONTENT_TYPE_NOT_SUPPORTED");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> codexRequest(Task t) {
        DataPart d = (DataPart) t.getStatus().message().getParts().stream().filter(p -> p instanceof DataPart).findFirst().orElseThrow();
        return (Map<String, Object>) d.getData().get("codexRequest");
    }
}
