package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.testkit.ModelReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task continued as a generic A2A client continues one, against the real codex: codex asks to
 * run a command, the task goes {@code input-required}, the caller answers in free text (first
 * something the server does not take as an answer, then a word of the documented rule), and the
 * webhook set with the first send hears every status update in order.
 */
class A2aMultiTurnPushLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private WebhookReceiver hook;
    private RawA2a raw;

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(hook);
        if (live != null) {
            live.close();
        }
    }

    private void boot() throws Exception {
        hook = new WebhookReceiver();
        live = new LiveA2a(tmp);
        live.serverSettings = b -> b.push(PushOptions.DEFAULTS.allowingPrivateAddresses());
        live.boot(h -> { }, A2aLimits.DEFAULTS);
        raw = new RawA2a(live.server.uri());
    }

    /** A 1.0 reply of the caller's in {@code taskId}: one text part, as a generic client sends it. */
    private static ObjectNode reply(String taskId, String text) {
        ObjectNode p = A2aWire.object();
        ObjectNode m = p.putObject("message").put("messageId", UUID.randomUUID().toString()).put("role", "ROLE_USER").put("taskId", taskId);
        m.putArray("parts").addObject().put("text", text);
        return p;
    }

    /** The webhook's notifications as they came: each status update's state, each artifact as {@code artifact:NAME}. */
    private List<String> heard() {
        return hook.hits.stream().map(h -> h.body().has("statusUpdate") ? h.body().at("/statusUpdate/status/state").asText()
                : h.body().has("artifactUpdate") ? "artifact:" + h.body().at("/artifactUpdate/artifact/name").asText() : "?")
                .collect(Collectors.toList());
    }

    /** The states heard, a run of the same state once (progress updates repeat working). */
    private List<String> transitions() {
        List<String> out = new ArrayList<>();
        for (String s : heard()) {
            if (!s.startsWith("artifact:") && (out.isEmpty() || !out.get(out.size() - 1).equals(s))) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void aFreeTextYesApprovesAndTheWebhookHearsEveryUpdateInOrder() throws Exception {
        boot();
        live.model.enqueue(ModelReply.builder().execCommandEscalated("call-yes", "echo approved > ran.txt", "Needs approval").build(),
                ModelReply.message("Ran it."));
        JsonNode asked = raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("run it", hook.uri("/hook"), "note-1", false));
        assertThat(asked.at("/result/task/status/state").asText()).as(asked.toString()).isEqualTo("TASK_STATE_INPUT_REQUIRED");
        String taskId = asked.at("/result/task/id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> heard().contains("TASK_STATE_INPUT_REQUIRED"));

        // not an answer: the task still waits, and its status says which words are
        JsonNode unclear = raw.rpc(LiveA2a.ALICE, "SendMessage", reply(taskId, "hmm, what does it do?"));
        assertThat(unclear.at("/result/task/status/state").asText()).as(unclear.toString()).isEqualTo("TASK_STATE_INPUT_REQUIRED");
        assertThat(unclear.at("/result/task/status/message/parts/0/text").asText())
                .startsWith("\"hmm, what does it do?\" is not an answer").contains("yes, approve, accept, allow or ok");
        assertThat(unclear.at("/result/task/status/message/parts/1/data/codexRequest/command").asText()).contains("echo approved");
        assertThat(Files.exists(tmp.resolve("work/ran.txt"))).as("nothing ran yet").isFalse();

        JsonNode done = raw.rpc(LiveA2a.ALICE, "SendMessage", reply(taskId, "Yes."));
        assertThat(done.at("/result/task/status/state").asText()).as(done.toString()).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(Files.readString(tmp.resolve("work/ran.txt")).strip()).isEqualTo("approved");
        // the task's history holds both of the caller's replies
        assertThat(done.at("/result/task/history").toString()).contains("hmm, what does it do?", "Yes.");

        await().atMost(Duration.ofSeconds(60)).until(() -> heard().contains("TASK_STATE_COMPLETED"));
        assertThat(transitions()).containsExactly("TASK_STATE_WORKING", "TASK_STATE_INPUT_REQUIRED", "TASK_STATE_WORKING", "TASK_STATE_COMPLETED");
        assertThat(heard().stream().filter("TASK_STATE_INPUT_REQUIRED"::equals)).as("the request, then the reply not understood").hasSize(2);
        assertThat(heard()).endsWith("artifact:answer", "TASK_STATE_COMPLETED");
        assertThat(hook.hits).allSatisfy(h -> {
            assertThat(h.header("X-A2A-Notification-Token")).isEqualTo("note-1");
            assertThat(h.body().toString()).contains(taskId);
        });
        // in the order sent: each arrived after the one before it
        for (int i = 1; i < hook.hits.size(); i++) {
            assertThat(hook.hits.get(i).atNanos()).isGreaterThanOrEqualTo(hook.hits.get(i - 1).atNanos());
        }
    }

    @Test
    void aFreeTextNoDeclinesOverA03StreamAndTheCommandNeverRuns() throws Exception {
        boot();
        live.model.enqueue(ModelReply.builder().execCommandEscalated("call-no", "echo declined > ran.txt", "Needs approval").build(),
                ModelReply.message("Did not run it."));
        ObjectNode send = A2aWire.object();
        send.putObject("message").put("kind", "message").put("messageId", "m1").put("role", "user").putArray("parts").addObject()
                .put("kind", "text").put("text", "run it");
        send.putObject("configuration").putObject("pushNotificationConfig").put("url", hook.uri("/hook03").toString()).put("token", "note-03");
        JsonNode asked = raw.rpc03(LiveA2a.ALICE, "message/send", send).path("result");
        assertThat(asked.at("/status/state").asText()).isEqualTo("input-required");

        RawCaller alice = new RawCaller(live.server.uri(), LiveA2a.ALICE);
        ObjectNode no = RawCaller.message("DENY", null).put("taskId", asked.path("id").asText());
        List<JsonNode> events = alice.stream(no);
        assertThat(events.get(events.size() - 1).at("/status/state").asText()).as(events.toString()).isEqualTo("completed");
        assertThat(Files.exists(tmp.resolve("work/ran.txt"))).as("declined: never ran").isFalse();

        await().atMost(Duration.ofSeconds(60)).until(() -> hook.hits.stream().anyMatch(h -> h.body().at("/status/state").asText().equals("completed")));
        List<String> states = hook.hits.stream().map(h -> h.body().at("/status/state").asText()).collect(Collectors.toList());
        assertThat(states).startsWith("working").containsSubsequence("working", "input-required", "working", "completed").endsWith("completed");
    }
}
