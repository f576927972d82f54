package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A message sent again with its {@code messageId} (decision 0117), on a fake codex: answered with
 * the task the first copy became — ended or still running, sent one after the other or at the same
 * moment — and codex gets one turn; the same id with other parts or from another principal is not
 * taken for it.
 */
class SentMessagesTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client, () -> this.agent);
    private final FakeCodex codex = fake.codex();
    /** Turns codex runs now, by turn id, and their threads: the test ends each when it likes. */
    private final Map<String, String> running = new ConcurrentHashMap<>();
    private CodexClient client;
    private A2aAgent agent;
    private A2aOps ops;

    @BeforeEach
    void start() {
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;
        codex.onThreadTurnStart = (thread, turn) -> running.put(turn, thread);
        client = CodexClient.builder().transport(codex.factory()).connect();
        CodexGateway gateway = CodexGateway.builder().client(client).configure((p, b) -> b.cwd(Path.of("/w"))).build();
        agent = new A2aAgent(SessionSource.of(gateway), ContextStore.inMemory(10), A2aLimits.DEFAULTS);
        ops = new A2aOps(agent);
    }

    private long turnStarts() {
        return codex.received().stream().filter(m -> "turn/start".equals(m.path("method").asText())).count();
    }

    private void completeAll() {
        await().atMost(Duration.ofSeconds(30)).until(() -> !running.isEmpty());
        new ArrayList<>(running.keySet()).forEach(turn -> codex.completeThreadTurn(running.remove(turn), turn, "completed"));
    }

    private ObjectNode atOnce(ObjectNode message) throws InterruptedException {
        return ops.send("alice", message, false, null, null);
    }

    @Test
    void aMessageSentAgainIsAnsweredWithItsTaskRunningOrEndedAndRunsOnce() throws Exception {
        ObjectNode message = RawCaller.message("write the report", null);
        ObjectNode first = atOnce(message.deepCopy());
        String task = first.path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> turnStarts() == 1);

        // no answer reached the caller: it sends the same message again, while codex still runs it
        ObjectNode again = atOnce(message.deepCopy());
        assertThat(again.path("id").asText()).as("the same task, still running").isEqualTo(task);
        assertThat(again.path("contextId").asText()).isEqualTo(first.path("contextId").asText());
        A2aOps.Streamed streamed = ops.stream("alice", message.deepCopy(), null);
        assertThat(streamed.task().id).as("a stream sent again follows the first").isEqualTo(task);

        completeAll();
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.task("alice", task).ended());
        JsonNode ended = ops.send("alice", message.deepCopy(), true, null, null);
        assertThat(ended.path("id").asText()).isEqualTo(task);
        assertThat(ended.at("/status/state").asText()).isEqualTo("completed");
        assertThat(streamed.events().next(Duration.ofSeconds(30))).as("the stream's first event: the task").isNotNull();
        assertThat(turnStarts()).as("codex ran the message once").isOne();

        // a new message (a new id) into the same context is a new task
        ObjectNode next = RawCaller.message("and the summary", first.path("contextId").asText());
        assertThat(atOnce(next).path("id").asText()).isNotEqualTo(task);
        await().atMost(Duration.ofSeconds(30)).until(() -> turnStarts() == 2);
        completeAll();
    }

    @Test
    void theSameIdWithOtherPartsOrIntoAnotherContextIsRefusedAndAnotherPrincipalsIsItsOwn() throws Exception {
        ObjectNode message = RawCaller.message("deploy the site", null);
        ObjectNode first = atOnce(message.deepCopy());
        await().atMost(Duration.ofSeconds(30)).until(() -> turnStarts() == 1);

        ObjectNode other = message.deepCopy();
        other.withArray("parts").removeAll().add(A2aWire.textPart("delete the site"));
        assertThatThrownBy(() -> atOnce(other)).isInstanceOfSatisfying(A2aError.class, e -> {
            assertThat(e.code()).isEqualTo(A2aError.INVALID_PARAMS);
            assertThat(e.getMessage()).contains("other parts").contains("new messageId");
        });
        assertThatThrownBy(() -> atOnce(message.deepCopy().put("contextId", "elsewhere")))
                .isInstanceOfSatisfying(A2aError.class, e -> assertThat(e.getMessage()).contains("another context"));

        // bob's message of the same id: his own task, never alice's
        ObjectNode bobs = ops.send("bob", message.deepCopy(), false, null, null);
        assertThat(bobs.path("id").asText()).isNotEqualTo(first.path("id").asText());
        assertThatThrownBy(() -> agent.task("bob", first.path("id").asText())).isInstanceOfSatisfying(A2aError.class,
                e -> assertThat(e.code()).isEqualTo(A2aError.TASK_NOT_FOUND));
        await().atMost(Duration.ofSeconds(30)).until(() -> turnStarts() == 2);
        completeAll();
    }

    @Test
    void copiesSentAtTheSameMomentAreOneTask() throws Exception {
        ObjectNode message = RawCaller.message("count to three", null);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<ObjectNode>> sent = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                sent.add(callers.submit(() -> atOnce(message.deepCopy())));
            }
            List<String> ids = new ArrayList<>();
            for (Future<ObjectNode> f : sent) {
                ids.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS).path("id").asText());
            }
            assertThat(ids).as("one task for every copy").containsOnly(ids.get(0));
        } finally {
            callers.shutdownNow();
            assertThat(callers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> turnStarts() >= 1);
        completeAll();
        assertThat(turnStarts()).isOne();
    }
}
