package dev.codexbridge.a2a;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.gateway.CodexGateway;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contexts across a restart: the server and its codex stop, a new server starts on the same
 * context store and codex home, and the context's next message continues the same codex thread,
 * while {@code tasks/get} of the task from before the restart reads it back from codex's record.
 */
class A2aRestartLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path home;
    private Path work;
    private CodexClient codex;
    private A2aServer server;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        model = ScriptedModelServer.start();
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(server, codex, model);
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent to codex matches its schema").isEmpty();
    }

    /** A codex on the fixed home and a server in front of it, its contexts kept in {@code tmp/contexts}. */
    private void boot() {
        LiveA2a.closeAll(server, codex);
        codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .wireTap(wire).connect();
        server = A2aServer.builder().tokens(BearerTokens.of(Map.of(LiveA2a.ALICE, "alice", LiveA2a.BOB, "bob")))
                .contexts(ContextStore.files(tmp.resolve("contexts"), 100))
                .sessions(SessionSource.of(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)
                        .limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).callerApprovals(true).build()))
                .start();
    }

    @Test
    void aContextContinuesItsThreadAndAnOldTaskIsFoundAfterARestart() throws Exception {
        boot();
        model.enqueue(ModelReply.message("first answer"));
        JsonNode first = new RawCaller(server.uri(), LiveA2a.ALICE).send(RawCaller.message("remember the word lantern", null));
        assertThat(first.at("/status/state").asText()).isEqualTo("completed");
        String context = first.path("contextId").asText();
        String thread = first.at("/metadata/codexThreadId").asText();
        String task = first.path("id").asText();
        assertThat(thread).isNotBlank();

        boot();   // the server and its codex stopped; a new one on the same store and home
        RawCaller alice = new RawCaller(server.uri(), LiveA2a.ALICE);
        JsonNode old = alice.call("tasks/get", A2aWire.object().put("id", task)).path("result");
        assertThat(old.at("/status/state").asText()).as(old.toString()).isEqualTo("completed");
        assertThat(old.path("contextId").asText()).isEqualTo(context);
        assertThat(old.at("/metadata/codexThreadId").asText()).isEqualTo(thread);
        assertThat(old.at("/artifacts/0/name").asText()).isEqualTo("answer");
        assertThat(old.at("/artifacts/0/parts/0/text").asText()).isEqualTo("first answer");

        model.enqueue(ModelReply.message("second answer"));
        JsonNode second = alice.send(RawCaller.message("which word?", context));
        assertThat(second.at("/status/state").asText()).isEqualTo("completed");
        assertThat(second.path("contextId").asText()).isEqualTo(context);
        assertThat(second.at("/metadata/codexThreadId").asText()).as("the same codex thread, resumed").isEqualTo(thread);
        // codex sent the model the thread's history: the first message is in the second request
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("remember the word lantern"))
                .anySatisfy(t -> assertThat(t).contains("which word?"));

        // another principal reaches neither the old task nor the context, even knowing their ids: alice's context id is, to bob,
        // an id nobody used (decision 0102): a task in a context of bob's own under that id, on a codex thread of his own
        RawCaller bob = new RawCaller(server.uri(), LiveA2a.BOB);
        assertThat(bob.call("tasks/get", A2aWire.object().put("id", task)).at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);
        model.enqueue(ModelReply.message("bob's answer"));
        JsonNode bobs = bob.send(RawCaller.message("let me in", context));
        assertThat(bobs.at("/status/state").asText()).as(bobs.toString()).isEqualTo("completed");
        assertThat(bobs.path("contextId").asText()).isEqualTo(context);
        assertThat(bobs.at("/metadata/codexThreadId").asText()).as("a thread of bob's own").isNotBlank().isNotEqualTo(thread);
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("let me in"))
                .noneSatisfy(t -> assertThat(t).contains("lantern"));
        assertThat(ContextStore.files(tmp.resolve("contexts"), 100).context("alice", context)).hasValueSatisfying(c -> {
            assertThat(c.threadId()).isEqualTo(thread);
            assertThat(c.taskIds()).containsExactly(task, second.path("id").asText());
        });

        // alice's context goes on as it was
        model.enqueue(ModelReply.message("third answer"));
        JsonNode third = alice.send(RawCaller.message("and again?", context));
        assertThat(third.at("/metadata/codexThreadId").asText()).isEqualTo(thread);
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("remember the word lantern"))
                .noneSatisfy(t -> assertThat(t).contains("let me in"));
    }

    @Test
    void aTaskCodexNeverReceivedIsFailedAndSafeToSendAgain() throws Exception {
        boot();
        model.enqueue(ModelReply.message("kept"));
        JsonNode first = new RawCaller(server.uri(), LiveA2a.ALICE).send(RawCaller.message("hello", null));
        String context = first.path("contextId").asText();
        // a task the store recorded whose turn codex never got (the server stopped between the two)
        ContextStore store = ContextStore.files(tmp.resolve("contexts"), 100);
        StoredContext known = store.context("alice", context).orElseThrow();
        store.save(known.withTask(known.threadId(), "never-sent-task", System.currentTimeMillis()));

        boot();
        JsonNode lost = new RawCaller(server.uri(), LiveA2a.ALICE).call("tasks/get", A2aWire.object().put("id", "never-sent-task"))
                .path("result");
        assertThat(lost.at("/status/state").asText()).isEqualTo("failed");
        assertThat(lost.at("/metadata/safeToSendAgain").asBoolean()).isTrue();
        assertThat(lost.at("/metadata/codexOutcome").asText()).isEqualTo("notReceived");
    }
}
