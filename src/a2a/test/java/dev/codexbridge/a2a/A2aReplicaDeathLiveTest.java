package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica lost as a machine is lost — its database connections cut and its codex killed, nothing
 * closed or handed back — while one of its tasks has ended and the next runs. The other replica
 * answers the ended task at once from its record; the replica is dead to it as its conversation
 * store's session ends (decision 0138), so the running task is settled there from codex's record
 * as the conversation store kept it (the turn never stored: {@code failed}, safe to send again),
 * a webhook set on the other replica hears that end, and the context's next message goes on there
 * with the whole history, never refused as busy.
 */
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

        // a webhook set on the other replica while the task runs: it hears the end from the replica that settles it
        WebhookReceiver hook = new WebhookReceiver();
        closing = hook;
        ObjectNode push = A2aWire.object().put("taskId", runningTask);
        push.putObject("pushNotificationConfig").put("url", hook.uri("/before-the-loss").toString());
        assertThat(aliceOnB.call("tasks/pushNotificationConfig/set", push).has("result")).isTrue();

        a.kill();
        long killed = System.nanoTime();
        assertThat(aliceOnB.call("tasks/get", id(ended.path("id").asText())).path("result")).as("from its record, at once").isEqualTo(ended);
        // its ended task's message sent again (decision 0117): that task, from its record, nothing run
        assertThat(aliceOnB.send(endedMessage.deepCopy())).as("sent again to the other replica").isEqualTo(ended);

        // dead as its conversation store's session ended (decision 0138), not once its heartbeat grew old: the running task is
        // settled here from codex's record as the store kept it (the turn never stored: failed, safe to send again)
        JsonNode[] settledNow = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            settledNow[0] = aliceOnB.call("tasks/get", id(runningTask)).path("result");
            return !settledNow[0].at("/status/state").asText().equals("working");
        });
        double settledAfter = (System.nanoTime() - killed) / 1e9;
        JsonNode settled = settledNow[0];
        assertThat(settled.at("/status/state").asText()).as(settled.toString()).isEqualTo("failed");
        assertThat(settled.at("/metadata/codexOutcome").asText()).isEqualTo("notReceived");
        assertThat(settled.at("/metadata/safeToSendAgain").asBoolean()).isTrue();
        assertThat(settled.at("/history/0/parts/0/text").asText()).as("the caller's message, from the record").isEqualTo("sleep a while");
        await().atMost(Duration.ofSeconds(90)).until(() -> hook.hits.stream()
                .anyMatch(h -> h.body().at("/status/state").asText().equals("failed")));

        // the context's next message: served here, nothing refused as busy (the replica counted as alive for 5 s before)
        model.enqueue(ModelReply.message("juniper"));
        JsonNode nextCall = aliceOnB.call("message/send", RawCaller.params(RawCaller.message("which word?", context)));
        assertThat(nextCall.has("error")).as(nextCall.toString()).isFalse();
        JsonNode next = nextCall.path("result");
        System.out.printf("a2a replica death: the running task settled on the other replica %.1f s after the kill, the context's next "
                + "message served %.1f s after it%n", settledAfter, (System.nanoTime() - killed) / 1e9);
        assertThat(next.at("/status/state").asText()).as(next.toString()).isEqualTo("completed");
        assertThat(next.at("/metadata/codexThreadId").asText()).isEqualTo(ended.at("/metadata/codexThreadId").asText());
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("remember the word juniper"))
                .anySatisfy(t -> assertThat(t).contains("which word?"));

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
