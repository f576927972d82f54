package dev.codexbridge.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.SessionSource;
import dev.codexbridge.a2a.StoredContext;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An A2A context whose first turn lost its conversation's lease (issue 61): its record names a
 * thread the conversation store never kept, and nobody holds it. Every message into it was refused
 * on every replica ("internal error"), for good. Now, once no host holds the thread (the one that
 * lost it may still store it until its lease runs out), the next message runs on a fresh thread
 * the record is put on (decision 0093); another caller sending into it gets a context of its own
 * under that id (decision 0102), and nothing of the owner's is touched. The state
 * is set up as the lost turn leaves it, on a fake codex and a disk store: another replica's view.
 */
class A2aContextOnALostThreadTest {
    private static final String ALICE = "alice-token-0123456789";
    private static final String BOB = "bob-token-0123456789ab";
    private static final String LOST = "0199a213-81c0-7800-8aa1-000000000000";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.store, () -> this.client, () -> this.server);
    private final FakeCodex codex = fake.codex();
    private final ContextStore contexts = ContextStore.inMemory(10);
    private DiskConversationStore store;
    private CodexClient client;
    private A2aServer server;

    @TempDir
    Path tmp;

    private void start() {
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;
        codex.threadNames = n -> String.format("0199a213-81c0-7800-8aa1-%012d", n);
        codex.onThreadTurnStart = (thread, turn) -> codex.completeThreadTurn(thread, turn, "completed");
        store = DiskConversationStore.open(tmp.resolve("store"));
        client = CodexClient.builder().transport(codex.factory()).connect();
        CodexGateway gateway = CodexGateway.builder().client(client).configure((p, b) -> b.cwd(Path.of("/w")))
                .storage(ConversationStorage.builder(store, "replica-b").exportAfterEachTurn(false).build()).build();
        // the context as the lost first turn left it: recorded on its thread, which the store never kept
        contexts.save(new StoredContext("ctx-1", "alice", LOST, List.of("task-lost"), System.currentTimeMillis()));
        server = A2aServer.builder().host("127.0.0.1").port(0).tokens(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob")))
                .contexts(contexts).sessions(SessionSource.of(gateway)).start();
    }

    @Test
    void whileAHostHoldsTheThreadItStaysThenTheOwnerGoesOnOnAFreshThreadTheRecordIsPutOnAndNobodyElseGetsIn() throws Exception {
        start();
        // the replica that ran the first turn still holds the lease (its turn not settled yet): it may still store it
        ConversationLease held = store.lease(LOST, "replica-a", Duration.ofSeconds(30));

        JsonNode whileHeld = send(ALICE, "ctx-1", "and now?");

        JsonNode status = whileHeld.path("result").path("task").path("status");
        assertThat(status.path("state").asText()).as("answered: %s", whileHeld).isEqualTo("TASK_STATE_FAILED");
        assertThat(status.path("message").path("parts").path(0).path("text").asText()).contains("is leased to replica-a until");
        assertThat(contexts.context("alice", "ctx-1").orElseThrow().threadId()).as("not replaced while held").isEqualTo(LOST);

        store.release(held);     // its lease has run out: the thread is lost for good
        JsonNode bobs = send(BOB, "ctx-1", "let me in");

        // alice's context id is, to bob, an id nobody used: a new context of his own, on a thread of his own
        JsonNode bobsTask = bobs.path("result").path("task");
        assertThat(bobsTask.path("status").path("state").asText()).as("answered: %s", bobs).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(bobsTask.path("contextId").asText()).isEqualTo("ctx-1");
        String bobsThread = bobsTask.path("metadata").path("codexThreadId").asText();
        assertThat(bobsThread).isNotEqualTo(LOST);
        assertThat(contexts.context("bob", "ctx-1").orElseThrow().threadId()).isEqualTo(bobsThread);
        StoredContext alices = contexts.context("alice", "ctx-1").orElseThrow();
        assertThat(alices.threadId()).as("nothing replaced for another caller").isEqualTo(LOST);
        assertThat(alices.taskIds()).as("nothing of bob's in alice's context").containsExactly("task-lost");
        assertThat(codex.received()).filteredOn(m -> "thread/start".equals(m.path("method").asText())).as("bob's thread only").hasSize(1);
        assertThat(codex.received()).noneMatch(m -> m.toString().contains(LOST));

        JsonNode answer = send(ALICE, "ctx-1", "and now?");

        assertThat(answer.path("error").isMissingNode()).as("answered: %s", answer).isTrue();
        assertThat(answer.path("result").path("task").path("status").path("state").asText()).isEqualTo("TASK_STATE_COMPLETED");
        StoredContext now = contexts.context("alice", "ctx-1").orElseThrow();
        assertThat(now.threadId()).as("the record names the fresh thread, so every replica resumes it").isNotEqualTo(LOST).isNotEqualTo(bobsThread)
                .isEqualTo(answer.path("result").path("task").path("metadata").path("codexThreadId").asText());
        assertThat(now.principal()).isEqualTo("alice");
        // the probe's lease on the lost thread was given back
        store.release(store.lease(LOST, "replica-c", Duration.ofSeconds(10)));
    }

    /** A blocking {@code SendMessage} into {@code contextId}: the whole JSON-RPC answer. */
    private JsonNode send(String token, String contextId, String text) throws Exception {
        return A2aCall.send(URI.create(server.uri().toString()), token, contextId, text);
    }
}
