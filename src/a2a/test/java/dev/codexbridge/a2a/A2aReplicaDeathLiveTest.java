package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.support.Slow;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica lost as a machine is lost — its database connections cut and its codex killed, nothing
 * closed or handed back — while one of its tasks has ended and the next runs. The other replica
 * answers the ended task at once from its record and the running one as {@code working}; the
 * context's next message is refused as busy while the replica still counts as alive, then waits
 * for its lease (a door's, 6 s) to run out rather than be refused, then the running task is settled from codex's record as
 * the conversation store kept it (the turn never stored: {@code failed}, safe to send again) and
 * the message goes on there with the whole history; a webhook set on the task after the loss hears
 * its end from the replica that settled it.
 */
@Slow("waits once for a dead replica's conversation lease to run out: ConversationStorage.DOORS_LEASE, 6 s")
@ExtendWith(PostgresServer.Extension.class)
class A2aReplicaDeathLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Replica a;
    private Replica b;
    private AutoCloseable closing;

    @AfterEach
    void stop() {
        LiveA2a.closeAll(a, b, model, closing);
    }

    @Test
    void aDeadReplicasTasksAreAnsweredAndSettledByAnotherAndItsContextGoesOnThere(PostgresServer postgres) throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        model = ScriptedModelServer.start();
        String url = postgres.newDatabase();
        a = Replica.start("replica-a", url, model.baseUrl(), tmp);
        b = Replica.start("replica-b", url, model.baseUrl(), tmp);
        RawCaller aliceOnA = new RawCaller(a.uri(), LiveA2a.ALICE);
        RawCaller aliceOnB = new RawCaller(b.uri(), LiveA2a.ALICE);
        model.enqueue(ModelReply.message("noted: juniper"), ModelReply.builder().execCommand("call-sleep", "sleep 60").build());

        ObjectNode endedMessage = RawCaller.message("remember the word juniper", null);
        JsonNode ended = aliceOnA.send(endedMessage.deepCopy());
        assertThat(ended.at("/status/state").asText()).as(ended.toString()).isEqualTo("completed");
        String context = ended.path("contextId").asText();
        ObjectNode runningMessage = RawCaller.message("sleep a while", context);
        ObjectNode running = RawCaller.params(runningMessage.deepCopy());
        running.putObject("configuration").put("blocking", false);
        String runningTask = aliceOnA.call("message/send", running).at("/result/id").asText();
        await().atMost(Duration.ofSeconds(90)).until(() -> aliceOnB.call("tasks/get", id(runningTask)).at("/result/status/message/parts/0/text")
                .asText().startsWith("running: "));

        a.kill();
        long killed = System.nanoTime();
        assertThat(aliceOnB.call("tasks/get", id(ended.path("id").asText())).path("result")).as("from its record, at once").isEqualTo(ended);
        assertThat(aliceOnB.call("tasks/get", id(runningTask)).at("/result/status/state").asText())
                .as("the dead replica holds the conversation until its lease runs out").isEqualTo("working");
        // its ended task's message sent again (decision 0117): that task, from its record, nothing run
        assertThat(aliceOnB.send(endedMessage.deepCopy())).as("sent again to the other replica").isEqualTo(ended);
        WebhookReceiver hook = new WebhookReceiver();
        closing = hook;
        ObjectNode push = A2aWire.object().put("taskId", runningTask);
        push.putObject("pushNotificationConfig").put("url", hook.uri("/after-the-loss").toString());
        assertThat(aliceOnB.call("tasks/pushNotificationConfig/set", push).has("result")).isTrue();

        // the context's next message: refused while the dead replica's task is unsettled, then served here
        model.enqueue(ModelReply.message("juniper"));
        List<JsonNode> refusals = new ArrayList<>();
        JsonNode[] next = new JsonNode[1];
        await().atMost(ConversationStorage.DOORS_LEASE.plusSeconds(45)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode r = aliceOnB.call("message/send", RawCaller.params(RawCaller.message("which word?", context)));
            if (r.has("error")) {
                refusals.add(r.path("error"));
                return false;
            }
            next[0] = r.path("result");
            return true;
        });
        assertThat(refusals).as("refused only while the replica counts as alive: once dead, a message waits for its lease")
                .allSatisfy(e -> {
                    assertThat(e.path("code").asInt()).isEqualTo(A2aError.UNSUPPORTED);
                    assertThat(e.path("message").asText()).contains("context " + context + " is busy")
                            .contains("in it on another replica");
                });
        System.out.printf("a2a replica death: the context's next message served on the other replica %.1f s after the kill, "
                + "refused %d times before%n", (System.nanoTime() - killed) / 1e9, refusals.size());
        assertThat(next[0].at("/status/state").asText()).as(next[0].toString()).isEqualTo("completed");
        assertThat(next[0].at("/metadata/codexThreadId").asText()).isEqualTo(ended.at("/metadata/codexThreadId").asText());
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("remember the word juniper"))
                .anySatisfy(t -> assertThat(t).contains("which word?"));

        // the dead replica's running task was settled first, from codex's record as the store kept it
        JsonNode settled = aliceOnB.call("tasks/get", id(runningTask)).path("result");
        assertThat(settled.at("/status/state").asText()).as(settled.toString()).isEqualTo("failed");
        assertThat(settled.at("/metadata/codexOutcome").asText()).isEqualTo("notReceived");
        assertThat(settled.at("/metadata/safeToSendAgain").asBoolean()).isTrue();
        assertThat(settled.at("/history/0/parts/0/text").asText()).as("the caller's message, from the record").isEqualTo("sleep a while");
        await().atMost(Duration.ofSeconds(90)).until(() -> hook.hits.stream()
                .anyMatch(h -> h.body().at("/status/state").asText().equals("failed")));

        // codex never received it: its message sent again is a new task, and runs
        model.enqueue(ModelReply.message("slept now"));
        int requests = model.responsesRequests().size();
        JsonNode again = aliceOnB.send(runningMessage.deepCopy());
        assertThat(again.path("id").asText()).isNotEqualTo(runningTask);
        assertThat(again.at("/status/state").asText()).as(again.toString()).isEqualTo("completed");
        assertThat(model.responsesRequests()).hasSize(requests + 1);
    }

    private static ObjectNode id(String taskId) {
        return A2aWire.object().put("id", taskId);
    }
}
