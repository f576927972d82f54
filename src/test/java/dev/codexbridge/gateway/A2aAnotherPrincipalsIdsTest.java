package dev.codexbridge.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.SealingKeys;
import dev.codexbridge.a2a.SessionSource;
import dev.codexbridge.a2a.StoredContext;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 71, item 7: another principal learns nothing of a principal's ids, not even that they
 * exist. Context ids are each principal's own (decision 0102): bob's message naming a context id
 * alice used is answered as one naming an id nobody used (a task in a new context of bob's, under
 * that id, on a codex thread of his own), and nothing of alice's is read, touched or waited on;
 * every call naming alice's task or context is answered as one naming an unknown id. Compared as
 * an attacker would: the answers' JSON with the ids and times masked. On a fake codex, with the
 * stores in memory and with the store replicas share (alice's context busy on another replica).
 */
@ExtendWith(PostgresServer.Extension.class)
class A2aAnotherPrincipalsIdsTest {
    private static final String ALICE = "alice-token-0123456789";
    private static final String BOB = "bob-token-0123456789ab";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z");

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.pool, () -> this.client, () -> this.server);
    private final FakeCodex codex = fake.codex();
    private HikariDataSource pool;
    private CodexClient client;
    private A2aServer server;

    private URI start(ContextStore contexts) {
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;
        codex.onThreadTurnStart = (thread, turn) -> codex.completeThreadTurn(thread, turn, "completed");
        client = CodexClient.builder().transport(codex.factory()).connect();
        CodexGateway gateway = CodexGateway.builder().client(client).configure((p, b) -> b.cwd(Path.of("/w"))).build();
        server = A2aServer.builder().host("127.0.0.1").port(0).tokens(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob")))
                .pushSecretKeys(SealingKeys.parse(SealingKeys.newKey())).contexts(contexts).sessions(SessionSource.of(gateway)).start();
        return URI.create(server.uri().toString());
    }

    @Test
    void aContextIdAliceUsedIsToBobAnIdNobodyUsedAndHerTasksAreUnknownIds() throws Exception {
        ContextStore contexts = ContextStore.inMemory(100);
        URI uri = start(contexts);
        JsonNode first = A2aCall.send(uri, ALICE, "ctx-alice", "alice's secret plan");
        String alicesTask = first.at("/result/task/id").asText();
        String alicesThread = first.at("/result/task/metadata/codexThreadId").asText();
        assertThat(first.at("/result/task/status/state").asText()).as("answered: %s", first).isEqualTo("TASK_STATE_COMPLETED");

        // every call naming alice's task or context, as one naming an id nobody used
        sameAnswers(uri, alicesTask, "no-such-task", "ctx-alice", "ctx-nobody");

        // bob's message into alice's context id, as into an id nobody used: a task of his own in a new context of his
        int sentBefore = codex.received().size();
        JsonNode intoAlices = A2aCall.send(uri, BOB, "ctx-alice", "let me in");
        JsonNode intoNobodys = A2aCall.send(uri, BOB, "ctx-nobody", "let me in");
        assertThat(masked(intoAlices, "ctx-alice")).as("bob's answers for alice's id and for an unused one")
                .isEqualTo(masked(intoNobodys, "ctx-nobody"));
        JsonNode bobs = intoAlices.at("/result/task");
        assertThat(bobs.at("/status/state").asText()).as("answered: %s", intoAlices).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(bobs.path("contextId").asText()).isEqualTo("ctx-alice");
        String bobsThread = bobs.at("/metadata/codexThreadId").asText();
        assertThat(bobsThread).isNotEqualTo(alicesThread);
        List<JsonNode> sent = codex.received().subList(sentBefore, codex.received().size());
        assertThat(sent).as("nothing of alice's thread asked of codex for bob").noneMatch(m -> m.toString().contains(alicesThread));
        assertThat(sent).noneMatch(m -> "thread/resume".equals(m.path("method").asText()));

        // alice's context untouched, and it goes on on her thread
        assertThat(contexts.context("alice", "ctx-alice")).hasValueSatisfying(c -> {
            assertThat(c.threadId()).isEqualTo(alicesThread);
            assertThat(c.taskIds()).containsExactly(alicesTask);
        });
        assertThat(contexts.context("bob", "ctx-alice")).map(StoredContext::threadId).hasValue(bobsThread);
        JsonNode again = A2aCall.send(uri, ALICE, "ctx-alice", "and now?");
        assertThat(again.at("/result/task/metadata/codexThreadId").asText()).isEqualTo(alicesThread);
        // each lists its own under the id
        JsonNode alicesList = JSON.readTree(A2aCall.rpc(uri, ALICE, "1.0", "ListTasks", JSON.createObjectNode().put("contextId", "ctx-alice"))
                .body());
        assertThat(alicesList.at("/result/tasks")).extracting(t -> t.path("id").asText())
                .containsExactly(again.at("/result/task/id").asText(), alicesTask);
        JsonNode bobsList = JSON.readTree(A2aCall.rpc(uri, BOB, "1.0", "ListTasks", JSON.createObjectNode().put("contextId", "ctx-alice"))
                .body());
        assertThat(bobsList.at("/result/tasks")).extracting(t -> t.path("id").asText()).containsExactly(bobs.path("id").asText());
    }

    @Test
    void withSharedRecordsAliceBusyOnAnotherReplicaIsNeitherShownToBobNorWaitedOn(PostgresServer postgres) throws Exception {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(postgres.newDatabase());
        c.setMaximumPoolSize(4);
        pool = new HikariDataSource(c);
        URI uri = start(ContextStore.postgres(pool, "replica-b", 100));
        // alice's context as another replica, alive, left it: a task of hers running there on her thread
        ContextStore.postgres(pool, "replica-a", 100).save(new StoredContext("ctx-alice", "alice", "thread-of-alice",
                List.of("task-of-alice"), System.currentTimeMillis()));
        sql("INSERT INTO codex_a2a_replica (replica, seen_at) SELECT replica, now() + interval '1 hour' FROM codex_a2a_task"
                + " WHERE task_id = 'task-of-alice'");
        JsonNode refused = A2aCall.send(uri, ALICE, "ctx-alice", "and now?");
        assertThat(refused.at("/error/code").asInt()).as("alice herself waits for her task: %s", refused).isEqualTo(-32004);
        assertThat(refused.at("/error/message").asText()).contains("task-of-alice");

        sameAnswers(uri, "task-of-alice", "no-such-task", "ctx-alice", "ctx-nobody");
        long began = System.nanoTime();
        JsonNode intoAlices = A2aCall.send(uri, BOB, "ctx-alice", "let me in");
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        JsonNode intoNobodys = A2aCall.send(uri, BOB, "ctx-nobody", "let me in");

        assertThat(intoAlices.at("/result/task/status/state").asText()).as("answered: %s", intoAlices).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(masked(intoAlices, "ctx-alice")).isEqualTo(masked(intoNobodys, "ctx-nobody"));
        // a wait for alice's conversation is the hand-over's whole 10 s here (her replica never hands it over): bob's is less however slow
        assertThat(tookMs).as("no wait for alice's conversation (a hand-over waits up to 10 s)").isLessThan(10_000);
        assertThat(intoAlices.at("/result/task/metadata/codexThreadId").asText()).isNotEqualTo("thread-of-alice");
        assertThat(codex.received()).noneMatch(m -> m.toString().contains("thread-of-alice"));
        assertThat(sql("SELECT count(*) FROM codex_a2a_context WHERE principal = 'alice' AND handoff_asked_at IS NOT NULL"))
                .as("alice's conversation never asked for").isEqualTo("0");
        assertThat(sql("SELECT string_agg(task_id, ',') FROM codex_a2a_task WHERE principal = 'alice'")).isEqualTo("task-of-alice");
        assertThat(sql("SELECT string_agg(principal || ':' || thread_id, ',' ORDER BY principal) FROM codex_a2a_context"
                + " WHERE context_id = 'ctx-alice'")).isEqualTo("alice:thread-of-alice,bob:"
                + intoAlices.at("/result/task/metadata/codexThreadId").asText());

        // once her task ended there, alice's context goes on here, on her thread
        sql("UPDATE codex_a2a_task SET state = 'completed', revision = 1 WHERE task_id = 'task-of-alice'");
        JsonNode goesOn = A2aCall.send(uri, ALICE, "ctx-alice", "and now?");
        assertThat(goesOn.at("/result/task/status/state").asText()).as("answered: %s", goesOn).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(goesOn.at("/result/task/metadata/codexThreadId").asText()).isEqualTo("thread-of-alice");
    }

    /**
     * Bob's answers to every call naming alice's task {@code alices} (or her context {@code alicesContext}) and to the same
     * call naming {@code unknown} (or {@code unknownContext}): the same status and body but for the id.
     */
    private void sameAnswers(URI uri, String alices, String unknown, String alicesContext, String unknownContext) throws Exception {
        Map<String, List<String>> answers = new LinkedHashMap<>();
        for (String id : List.of(alices, unknown)) {
            String ctx = id.equals(alices) ? alicesContext : unknownContext;
            List<HttpResponse<String>> r = new ArrayList<>();
            r.add(A2aCall.rpc(uri, BOB, "1.0", "GetTask", JSON.createObjectNode().put("id", id)));
            r.add(A2aCall.rpc(uri, BOB, "1.0", "CancelTask", JSON.createObjectNode().put("id", id)));
            r.add(A2aCall.rpc(uri, BOB, "1.0", "SubscribeToTask", JSON.createObjectNode().put("id", id)));
            r.add(A2aCall.rpc(uri, BOB, "1.0", "ListTasks", JSON.createObjectNode().put("contextId", ctx)));
            r.add(A2aCall.rpc(uri, BOB, "1.0", "CreateTaskPushNotificationConfig", JSON.createObjectNode().put("taskId", id)
                    .put("url", "https://hooks.example/bob")));
            r.add(A2aCall.rpc(uri, BOB, "1.0", "GetTaskPushNotificationConfig", JSON.createObjectNode().put("taskId", id).put("id", "p1")));
            r.add(A2aCall.rpc(uri, BOB, "1.0", "ListTaskPushNotificationConfigs", JSON.createObjectNode().put("taskId", id)));
            r.add(A2aCall.rpc(uri, BOB, "1.0", "DeleteTaskPushNotificationConfig", JSON.createObjectNode().put("taskId", id).put("id", "p1")));
            ObjectNode answer = A2aCall.message(ctx, "yes");
            ((ObjectNode) answer.path("message")).put("taskId", id);
            r.add(A2aCall.rpc(uri, BOB, "1.0", "SendMessage", answer));
            r.add(A2aCall.rpc(uri, BOB, "0.3", "tasks/get", JSON.createObjectNode().put("id", id)));
            r.add(A2aCall.rpc(uri, BOB, "0.3", "tasks/cancel", JSON.createObjectNode().put("id", id)));
            r.add(A2aCall.rpc(uri, BOB, "0.3", "tasks/resubscribe", JSON.createObjectNode().put("id", id)));
            r.add(A2aCall.rest(uri, BOB, "GET", "/tasks/" + id, null));
            r.add(A2aCall.rest(uri, BOB, "POST", "/tasks/" + id + ":cancel", null));
            r.add(A2aCall.rest(uri, BOB, "GET", "/tasks/" + id + ":subscribe", null));
            r.add(A2aCall.rest(uri, BOB, "GET", "/tasks?contextId=" + ctx, null));
            r.add(A2aCall.rest(uri, BOB, "GET", "/tasks/" + id + "/pushNotificationConfigs", null));
            answers.put(id, r.stream().map(h -> h.statusCode() + " " + h.body().replace(id, "<id>").replace(ctx, "<ctx>")).toList());
        }
        assertThat(answers.get(alices)).as("bob's answers naming alice's ids, and naming unknown ones").isEqualTo(answers.get(unknown));
        assertThat(answers.get(alices).get(0)).contains("-32001");
    }

    /** The answer with every id, time and context id masked: what is left is its shape and what it says. */
    private static JsonNode masked(JsonNode answer, String contextId) {
        JsonNode copy = answer.deepCopy();
        mask(copy, contextId);
        return copy;
    }

    private static void mask(JsonNode node, String contextId) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual()) {
                    e.setValue(new TextNode(maskText(e.getValue().asText(), contextId)));
                } else {
                    mask(e.getValue(), contextId);
                }
            }
        } else if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                if (node.get(i).isTextual()) {
                    ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, new TextNode(maskText(node.get(i).asText(), contextId)));
                } else {
                    mask(node.get(i), contextId);
                }
            }
        }
    }

    private static String maskText(String text, String contextId) {
        String t = text.replace(contextId, "<ctx>");
        t = UUID.matcher(t).replaceAll("<uuid>");
        t = TIME.matcher(t).replaceAll("<time>");
        return t.replaceAll("thread-\\d+", "<thread>").replaceAll("turn-\\d+", "<turn>");
    }

    private String sql(String statement) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            if (!s.execute(statement)) {
                return String.valueOf(s.getUpdateCount());
            }
            try (ResultSet rs = s.getResultSet()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
