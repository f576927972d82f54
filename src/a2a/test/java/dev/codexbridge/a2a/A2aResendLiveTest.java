package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.a2a.client.ClientEvent;
import io.a2a.client.TaskEvent;
import io.a2a.spec.Message;
import io.a2a.spec.Part;
import io.a2a.spec.Task;
import io.a2a.spec.TaskState;
import io.a2a.spec.TextPart;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message sent again with its {@code messageId} (decision 0117), through the A2A Java SDK's client,
 * on the real codex with the scripted model, two replicas behind one PostgreSQL database: whichever
 * replica the copy reaches, after the first ended or while it still runs (its caller gave up
 * waiting), it is answered with the task the first became, and codex's own record of the thread
 * holds one turn; another principal sending a message of the same id gets a turn of its own.
 */
@ExtendWith(PostgresServer.Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class A2aResendLiveTest {
    @TempDir
    static Path tmp;
    private ScriptedModelServer model;
    private Replica a;
    private Replica b;
    private SdkCaller aliceOnA;
    private SdkCaller aliceOnB;
    private SdkCaller bobOnB;
    /** Alice's first message: bob sends one of the same id last. */
    private Message lantern;
    private Task alicesTask;

    @BeforeAll
    void start(PostgresServer postgres) throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        model = ScriptedModelServer.start();
        String url = postgres.newDatabase();
        a = Replica.start("replica-a", url, model.baseUrl(), tmp);
        b = Replica.start("replica-b", url, model.baseUrl(), tmp);
        aliceOnA = new SdkCaller(a.uri().toString(), LiveA2a.ALICE);
        aliceOnB = new SdkCaller(b.uri().toString(), LiveA2a.ALICE);
        bobOnB = new SdkCaller(b.uri().toString(), LiveA2a.BOB);
    }

    @AfterAll
    void stop() {
        LiveA2a.closeAll(aliceOnA, aliceOnB, bobOnB, a, b, model);
    }

    private static Message message(String messageId, String text) {
        return new Message.Builder().role(Message.Role.USER).messageId(messageId).parts(List.<Part<?>>of(new TextPart(text))).build();
    }

    private static String thread(Task t) {
        return String.valueOf(t.getMetadata().get("codexThreadId"));
    }

    private static String answer(Task t) {
        return ((TextPart) t.getArtifacts().get(0).parts().get(0)).getText();
    }

    @Test
    @Order(1)
    void aMessageSentAgainAfterItsTaskEndedIsThatTaskOnEitherReplicaAndCodexRanOneTurn() throws Exception {
        model.enqueue(ModelReply.message("lantern, noted"));
        lantern = message(UUID.randomUUID().toString(), "remember the word lantern");
        int requests = model.responsesRequests().size();
        alicesTask = aliceOnA.send(lantern);
        assertThat(alicesTask.getStatus().state()).isEqualTo(TaskState.COMPLETED);

        Task again = aliceOnA.send(lantern);
        Task onB = aliceOnB.send(lantern);
        for (Task t : List.of(again, onB)) {
            assertThat(t.getId()).as("the first copy's task").isEqualTo(alicesTask.getId());
            assertThat(t.getContextId()).isEqualTo(alicesTask.getContextId());
            assertThat(t.getStatus().state()).isEqualTo(TaskState.COMPLETED);
            assertThat(answer(t)).isEqualTo("lantern, noted");
        }
        List<ClientEvent> streamed = aliceOnB.stream(lantern);
        assertThat(streamed).hasSize(1).first().isInstanceOfSatisfying(TaskEvent.class, e -> {
            assertThat(e.getTask().getId()).isEqualTo(alicesTask.getId());
            assertThat(e.getTask().getStatus().state()).isEqualTo(TaskState.COMPLETED);
        });

        assertThat(model.responsesRequests()).as("the model asked once").hasSize(requests + 1);
        assertThat(a.codexTurns(thread(alicesTask))).as("codex's record: one turn on the thread").isOne();
    }

    @Test
    @Order(2)
    void aMessageWhoseCallerGaveUpSentAgainToTheOtherReplicaJoinsTheTurnStillRunning() throws Exception {
        model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 4").build(), ModelReply.message("slept well"));
        String id = UUID.randomUUID().toString();
        ObjectNode raw = RawCaller.message("sleep a little", null).put("messageId", id);
        int requests = model.responsesRequests().size();
        // the caller's client gives up on replica a while codex runs the turn: it does not know whether the message ran
        new RawCaller(a.uri(), LiveA2a.ALICE).sendGivingUp(raw, Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> model.responsesRequests().size() > requests);

        Task joined = aliceOnB.send(message(id, "sleep a little"));
        assertThat(joined.getStatus().state()).as("%s", joined).isEqualTo(TaskState.COMPLETED);
        assertThat(answer(joined)).isEqualTo("slept well");
        assertThat(aliceOnA.get(joined.getId()).getStatus().state()).isEqualTo(TaskState.COMPLETED);
        Task later = aliceOnA.send(message(id, "sleep a little"));
        assertThat(later.getId()).isEqualTo(joined.getId());

        assertThat(model.responsesRequests()).as("one turn's two model requests").hasSize(requests + 2);
        assertThat(a.codexTurns(thread(joined))).as("codex's record: one turn on the thread").isOne();
    }

    @Test
    @Order(3)
    void anotherPrincipalSendingAMessageOfTheSameIdGetsItsOwnTurn() throws Exception {
        model.enqueue(ModelReply.message("bob's own answer"));
        Task bobs = bobOnB.send(lantern);
        assertThat(bobs.getId()).as("never alice's task").isNotEqualTo(alicesTask.getId());
        assertThat(bobs.getContextId()).isNotEqualTo(alicesTask.getContextId());
        assertThat(bobs.getStatus().state()).isEqualTo(TaskState.COMPLETED);
        assertThat(answer(bobs)).isEqualTo("bob's own answer");
        assertThat(thread(bobs)).isNotEqualTo(thread(alicesTask));
        assertThat(b.codexTurns(thread(bobs))).isOne();
        assertThat(a.codexTurns(thread(alicesTask))).as("alice's thread untouched").isOne();
        // and bob's copy is bob's: sent again, his task
        assertThat(bobOnB.send(lantern).getId()).isEqualTo(bobs.getId());
    }
}
