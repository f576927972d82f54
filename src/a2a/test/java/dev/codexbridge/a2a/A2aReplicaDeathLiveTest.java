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
import java.nio.file.Files;
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
 * answers the ended task at once from its record; the running one reads {@code working} while the
 * dead replica's lease on the conversation lasts, then is settled from codex's record as the
 * conversation store kept it (the turn never stored: {@code failed}, safe to send again); and the
 * context's next message goes on there with the whole history.
 */
@Slow("waits once for a dead replica's conversation lease to run out: ConversationStorage.MIN_LEASE, 75 s")
@ExtendWith(PostgresServer.Extension.class)
class A2aReplicaDeathLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Replica a;
    private Replica b;

    @AfterEach
    void stop() {
        LiveA2a.closeAll(a, b, model);
    }

    @Test
    void aDeadReplicasTasksAreAnsweredAndSettledByAnotherAndItsContextGoesOnThere(PostgresServer postgres) throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("codexbridge.skipLiveTests"), "live tests skipped by -DskipLiveTests");
        model = ScriptedModelServer.start();
        String url = postgres.newDatabase();
        Path work = Files.createDirectories(tmp.resolve("work"));
        a = Replica.start("replica-a", url, model.baseUrl(), tmp.resolve("home-a"), work);
        b = Replica.start("replica-b", url, model.baseUrl(), tmp.resolve("home-b"), work);
        RawCaller aliceOnA = new RawCaller(a.uri(), LiveA2a.ALICE);
        RawCaller aliceOnB = new RawCaller(b.uri(), LiveA2a.ALICE);
        model.enqueue(ModelReply.message("noted: juniper"), ModelReply.builder().execCommand("call-sleep", "sleep 60").build());

        JsonNode ended = aliceOnA.send(RawCaller.message("remember the word juniper", null));
        assertThat(ended.at("/status/state").asText()).as(ended.toString()).isEqualTo("completed");
        String context = ended.path("contextId").asText();
        ObjectNode running = RawCaller.params(RawCaller.message("sleep a while", context));
        running.putObject("configuration").put("blocking", false);
        String runningTask = aliceOnA.call("message/send", running).at("/result/id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> aliceOnB.call("tasks/get", id(runningTask)).at("/result/status/message/parts/0/text")
                .asText().startsWith("running: "));

        a.kill();
        assertThat(aliceOnB.call("tasks/get", id(ended.path("id").asText())).path("result")).as("from its record, at once").isEqualTo(ended);
        assertThat(aliceOnB.call("tasks/get", id(runningTask)).at("/result/status/state").asText())
                .as("the dead replica holds the conversation until its lease runs out").isEqualTo("working");

        await().atMost(ConversationStorage.MIN_LEASE.plusSeconds(45)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !aliceOnB.call("tasks/get", id(runningTask)).at("/result/status/state").asText().equals("working"));
        JsonNode settled = aliceOnB.call("tasks/get", id(runningTask)).path("result");
        assertThat(settled.at("/status/state").asText()).as(settled.toString()).isEqualTo("failed");
        assertThat(settled.at("/metadata/codexOutcome").asText()).isEqualTo("notReceived");
        assertThat(settled.at("/metadata/safeToSendAgain").asBoolean()).isTrue();
        assertThat(settled.at("/history/0/parts/0/text").asText()).as("the caller's message, from the record").isEqualTo("sleep a while");

        model.enqueue(ModelReply.message("juniper"));
        JsonNode next = aliceOnB.send(RawCaller.message("which word?", context));
        assertThat(next.at("/status/state").asText()).as(next.toString()).isEqualTo("completed");
        assertThat(next.at("/metadata/codexThreadId").asText()).isEqualTo(ended.at("/metadata/codexThreadId").asText());
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("remember the word juniper"))
                .anySatisfy(t -> assertThat(t).contains("which word?"));
    }

    private static ObjectNode id(String taskId) {
        return A2aWire.object().put("id", taskId);
    }
}
