package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * Two replicas of the agent behind one PostgreSQL database, on the real codex with the scripted
 * model: each its own codex and {@code CODEX_HOME}, the A2A records and the conversations shared.
 * Whichever replica a call lands on, the caller gets the same answer: a task sent to one is the
 * same task on the other, read from its record once its replica let go of it; a context's next message goes on on the other with the whole history
 * (its conversation handed over); a task running on one is {@code working} on the other, which
 * refuses a second message into its context, cancels it, streams it and delivers a push config to
 * it through the replica running it; an answer to its request given to the other reaches it; and a
 * replica shut down leaves its conversations to the other at once.
 */
@ExtendWith(PostgresServer.Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class A2aReplicasLiveTest {
    @TempDir
    static Path tmp;
    private ScriptedModelServer model;
    private Replica a;
    private Replica b;
    private RawCaller aliceOnA;
    private RawCaller aliceOnB;
    private String url;

    @BeforeAll
    void start(PostgresServer postgres) throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        model = ScriptedModelServer.start();
        url = postgres.newDatabase();
        a = Replica.start("replica-a", url, model.baseUrl(), tmp);
        b = Replica.start("replica-b", url, model.baseUrl(), tmp);
        aliceOnA = new RawCaller(a.uri(), LiveA2a.ALICE);
        aliceOnB = new RawCaller(b.uri(), LiveA2a.ALICE);
    }

    @AfterAll
    void stop() {
        LiveA2a.closeAll(a, b, model);
    }

    private static ObjectNode id(String taskId) {
        return A2aWire.object().put("id", taskId);
    }

    private static ObjectNode returningAtOnce(ObjectNode message) {
        ObjectNode p = RawCaller.params(message);
        p.putObject("configuration").put("blocking", false);
        return p;
    }

    private static String statusText(JsonNode task) {
        return task.at("/status/message/parts/0/text").asText();
    }

    @Test
    @Order(1)
    void aTaskSentToOneReplicaIsTheSameTaskOnTheOther() throws Exception {
        model.enqueue(ModelReply.message("the first answer"));
        JsonNode sent = aliceOnA.send(RawCaller.message("remember the word lantern", null));
        assertThat(sent.at("/status/state").asText()).as(sent.toString()).isEqualTo("completed");
        String task = sent.path("id").asText();
        // its end recorded, replica a keeps nothing of the task: both replicas answer from the record
        await().atMost(Duration.ofSeconds(60)).until(() -> a.server.tasksHeld() == 0);

        JsonNode onB = aliceOnB.call("tasks/get", id(task)).path("result");
        assertThat(aliceOnA.call("tasks/get", id(task)).path("result")).as("read back as the caller was answered").isEqualTo(sent);
        assertThat(onB).as("the same task, whichever replica answers").isEqualTo(aliceOnA.call("tasks/get", id(task)).path("result"));
        assertThat(onB.at("/artifacts/0/parts/0/text").asText()).isEqualTo("the first answer");
        assertThat(onB.at("/history/0/parts/0/text").asText()).as("the caller's message too").isEqualTo("remember the word lantern");

        ObjectNode query = A2aWire.object().put("contextId", sent.path("contextId").asText()).put("includeArtifacts", true);
        JsonNode listedOnB = new RawA2a(b.uri()).rpc(LiveA2a.ALICE, "ListTasks", query).path("result");
        assertThat(listedOnB.path("tasks")).hasSize(1);
        assertThat(listedOnB).isEqualTo(new RawA2a(a.uri()).rpc(LiveA2a.ALICE, "ListTasks", query).path("result"));

        RawCaller bobOnB = new RawCaller(b.uri(), LiveA2a.BOB);
        assertThat(bobOnB.call("tasks/get", id(task)).at("/error/code").asInt()).as("another caller's").isEqualTo(A2aError.TASK_NOT_FOUND);
        assertThat(new RawA2a(b.uri()).rpc(LiveA2a.BOB, "ListTasks", query).at("/result/tasks")).isEmpty();
    }

    @Test
    @Order(2)
    void aContextsNextMessageGoesOnOnTheOtherReplicaWithItsWholeHistory() throws Exception {
        model.enqueue(ModelReply.message("noted"), ModelReply.message("heliotrope"), ModelReply.message("still heliotrope"));
        JsonNode one = aliceOnA.send(RawCaller.message("remember the word heliotrope", null));
        String context = one.path("contextId").asText();
        String thread = one.at("/metadata/codexThreadId").asText();
        assertThat(thread).isNotBlank();

        // replica a holds the conversation awake; replica b asks for it and a hands it over
        JsonNode two = aliceOnB.send(RawCaller.message("which word?", context));
        assertThat(two.at("/status/state").asText()).as(two.toString()).isEqualTo("completed");
        assertThat(two.at("/metadata/codexThreadId").asText()).as("the same codex thread").isEqualTo(thread);
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts()).as("b's codex got the history")
                .anySatisfy(t -> assertThat(t).contains("remember the word heliotrope"))
                .anySatisfy(t -> assertThat(t).contains("which word?"));

        // and back again
        JsonNode three = aliceOnA.send(RawCaller.message("and now?", context));
        assertThat(three.at("/status/state").asText()).as(three.toString()).isEqualTo("completed");
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("which word?"))
                .anySatisfy(t -> assertThat(t).contains("and now?"));
        assertThat(aliceOnA.call("tasks/get", id(two.path("id").asText())).path("result"))
                .isEqualTo(aliceOnB.call("tasks/get", id(two.path("id").asText())).path("result"));
    }

    @Test
    @Order(3)
    void aTaskRunningOnOneReplicaIsFollowedRefusedAnotherMessageAndCanceledOnTheOther() throws Exception {
        model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 30").build());
        JsonNode started = aliceOnA.call("message/send", returningAtOnce(RawCaller.message("sleep a while", null))).path("result");
        String task = started.path("id").asText();
        String context = started.path("contextId").asText();
        await().atMost(Duration.ofSeconds(90)).until(() -> statusText(aliceOnA.call("tasks/get", id(task)).path("result")).startsWith("running: "));
        await().atMost(Duration.ofSeconds(60)).until(() -> statusText(aliceOnB.call("tasks/get", id(task)).path("result")).startsWith("running: "));
        assertThat(aliceOnB.call("tasks/get", id(task)).at("/result/status/state").asText()).isEqualTo("working");

        try (WebhookReceiver hook = new WebhookReceiver()) {
            // set on b, kept for every replica, delivered by a, which runs the task
            ObjectNode push = A2aWire.object().put("taskId", task);
            push.putObject("pushNotificationConfig").put("url", hook.uri("/set-on-b").toString()).put("token", "token-set-on-b");
            assertThat(aliceOnB.call("tasks/pushNotificationConfig/set", push).has("result")).isTrue();
            JsonNode listedOnA = aliceOnA.call("tasks/pushNotificationConfig/list", id(task)).path("result");
            assertThat(listedOnA).hasSize(1);
            assertThat(listedOnA.at("/0/pushNotificationConfig/url").asText()).isEqualTo(hook.uri("/set-on-b").toString());

            // one task at a time per context, wherever it runs: no second writer
            JsonNode refused = aliceOnB.call("message/send", RawCaller.params(RawCaller.message("me too", context)));
            assertThat(refused.at("/error/code").asInt()).as(refused.toString()).isEqualTo(A2aError.UNSUPPORTED);
            assertThat(refused.at("/error/message").asText()).contains("busy").contains(task);
            assertThat(refused.at("/error/data/0/metadata/taskId").asText()).isEqualTo(task);

            CompletableFuture<List<JsonNode>> followed = CompletableFuture.supplyAsync(() -> {
                try {
                    return aliceOnB.events("tasks/resubscribe", id(task));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            JsonNode canceled = aliceOnB.call("tasks/cancel", id(task)).path("result");
            assertThat(canceled.at("/status/state").asText()).as(canceled.toString()).isEqualTo("canceled");
            assertThat(canceled.at("/metadata/codexOutcome").asText()).as("codex's turn interrupted on a").isEqualTo("interrupted");
            assertThat(aliceOnA.call("tasks/get", id(task)).at("/result/status/state").asText()).isEqualTo("canceled");

            List<JsonNode> events = followed.get(30, TimeUnit.SECONDS);
            assertThat(events.get(0).path("kind").asText()).isEqualTo("task");
            assertThat(events.get(events.size() - 1).at("/status/state").asText()).as("b's stream, to the end").isEqualTo("canceled");
            assertThat(events.get(events.size() - 1).path("final").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(90)).until(() -> hook.hits.stream()
                    .anyMatch(h -> h.body().at("/status/state").asText().equals("canceled")));
            assertThat(hook.hits).allSatisfy(h -> assertThat(h.header("X-A2A-Notification-Token")).isEqualTo("token-set-on-b"));
        }
    }

    @Test
    @Order(4)
    void anAnswerGivenToTheOtherReplicaReachesTheTaskWaitingForIt() throws Exception {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-yes", "echo approved > answered-elsewhere.txt", "Needs approval").build(),
                ModelReply.message("Done."));
        JsonNode started = aliceOnA.call("message/send", returningAtOnce(RawCaller.message("write the file", null))).path("result");
        String task = started.path("id").asText();
        await().atMost(Duration.ofSeconds(90)).until(() -> aliceOnB.call("tasks/get", id(task)).at("/result/status/state").asText()
                .equals("input-required"));

        JsonNode answered = aliceOnB.send(RawCaller.message("Yes.", started.path("contextId").asText()).put("taskId", task));
        assertThat(answered.at("/status/state").asText()).as(answered.toString()).isEqualTo("completed");
        assertThat(answered.at("/artifacts/0/parts/0/text").asText()).isEqualTo("Done.");
        assertThat(Files.readString(tmp.resolve("work/answered-elsewhere.txt"))).as("codex ran the command on a").contains("approved");
    }

    /**
     * What the shared records cost a turn: the same codex and conversation store behind a server
     * of one (contexts in memory) and behind replica a, a context's turns one after another; and
     * a context whose turns go to a and b in turn, each a hand-over. Three rounds in the suite;
     * {@code -Dcodexbridge.a2aReplicaRounds=N} for a measurement (the first fifth left out).
     */
    @Test
    @Order(5)
    void whatTheSharedRecordsAndAHandOverAddToATurn() throws Exception {
        int rounds = Integer.getInteger("codexbridge.a2aReplicaRounds", 3);
        model.respondWhenEmpty(r -> ModelReply.message("ok"));
        List<Long> alone = new ArrayList<>();
        List<Long> shared = new ArrayList<>();
        List<Long> handedOver = new ArrayList<>();
        try (A2aServer single = a.alone()) {
            RawCaller onSingle = new RawCaller(single.uri(), LiveA2a.ALICE);
            String[] contexts = new String[3];
            for (int i = 0; i < rounds; i++) {
                contexts[0] = timed(onSingle, contexts[0], i, alone);
                contexts[1] = timed(aliceOnA, contexts[1], i, shared);
                contexts[2] = timed(i % 2 == 0 ? aliceOnA : aliceOnB, contexts[2], i, handedOver);
            }
        } finally {
            model.respondWhenEmpty(null);
        }
        int skip = rounds / 5;
        System.out.printf("a2a replicas, %d rounds: a turn's median %d ms on a server of one, %d ms on a replica with shared records, "
                + "%d ms handed over between replicas%n", rounds - skip, median(alone, skip), median(shared, skip), median(handedOver, skip));
    }

    /** One blocking send into {@code context} (a new one when null), its time added to {@code times}; the context. */
    private static String timed(RawCaller caller, String context, int round, List<Long> times) throws Exception {
        long start = System.nanoTime();
        JsonNode r = caller.send(RawCaller.message("round " + round, context));
        times.add((System.nanoTime() - start) / 1_000_000);
        assertThat(r.at("/status/state").asText()).as(r.toString()).isEqualTo("completed");
        return r.path("contextId").asText();
    }

    private static long median(List<Long> times, int skip) {
        List<Long> kept = new ArrayList<>(times.subList(skip, times.size()));
        kept.sort(null);
        return kept.get(kept.size() / 2);
    }

    @Test
    @Order(6)
    void aReplicaShutDownLeavesItsConversationsToTheOther() throws Exception {
        model.enqueue(ModelReply.message("kept"), ModelReply.message("quince"));
        JsonNode one = aliceOnA.send(RawCaller.message("remember the word quince", null));
        String context = one.path("contextId").asText();

        a.close();
        // its conversation stored and let go, its tasks in the records: b answers at once
        assertThat(aliceOnB.call("tasks/get", id(one.path("id").asText())).path("result")).isEqualTo(one);
        JsonNode two = aliceOnB.send(RawCaller.message("which word?", context));
        assertThat(two.at("/status/state").asText()).as(two.toString()).isEqualTo("completed");
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("remember the word quince"));
    }

    @Test
    @Order(7)
    void aContextWhoseConversationSleepsInTheStoreIsNotKeptWithItsSession() throws Exception {
        try (Replica c = Replica.start("replica-c", url, model.baseUrl(), tmp, Duration.ofSeconds(1))) {
            RawCaller aliceOnC = new RawCaller(c.uri(), LiveA2a.ALICE);
            model.enqueue(ModelReply.message("kept"), ModelReply.message("medlar"));
            JsonNode one = aliceOnC.send(RawCaller.message("remember the word medlar", null));
            String context = one.path("contextId").asText();
            // asleep after 1 s idle, stored: the replica's tick lets go of its session (the context stays)
            await().atMost(Duration.ofSeconds(90)).until(() -> c.server.sessionsHeld() == 0);
            JsonNode two = aliceOnC.send(RawCaller.message("which word?", context));
            assertThat(two.at("/status/state").asText()).as(two.toString()).isEqualTo("completed");
            assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                    .anySatisfy(t -> assertThat(t).contains("remember the word medlar"));
        }
    }
}
