package dev.codexbridge.a2a;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.gateway.CodexGateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contexts across app-servers, with the real codex: through a {@link CodexPool} of two
 * app-servers a context keeps its thread across turns and across a restart of the A2A server;
 * through {@link CodexTenants} (a tenant per principal) two callers see nothing of each other's,
 * and the store's {@code ThreadAccess} rule refuses one caller's resume of another's thread.
 */
class A2aAppServersLiveTest {
    private final Path dir = TestDirs.create("a2a-app-servers");
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private final List<AutoCloseable> open = new ArrayList<>();
    private ScriptedModelServer model;
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        model = ScriptedModelServer.start();
        work = Files.createDirectories(dir.resolve("work"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            LiveA2a.closeAll(open.get(i));
        }
        LiveA2a.closeAll(model);
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent to codex matches its schema").isEmpty();
        TestDirs.delete(dir);
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private final Consumer<dev.codexbridge.session.CodexSession.Builder> inWork =
            b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO));

    private A2aServer server(SessionSource sessions, ContextStore store) {
        return keep(A2aServer.builder().tokens(BearerTokens.of(Map.of(LiveA2a.ALICE, "alice", LiveA2a.BOB, "bob")))
                .contexts(store).sessions(sessions).start());
    }

    private JsonNode turn(RawCaller caller, String text, String context, String answer) throws Exception {
        model.enqueue(ModelReply.message(answer));
        JsonNode t = caller.send(RawCaller.message(text, context));
        assertThat(t.at("/status/state").asText()).as(t.toString()).isEqualTo("completed");
        assertThat(t.at("/artifacts/0/parts/0/text").asText()).isEqualTo(answer);
        return t;
    }

    @Test
    void aContextKeepsItsThreadAcrossTurnsAndRestartsThroughAPoolOfTwoAppServers() throws Exception {
        List<ListeningAppServer> nodes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path home = IsolatedCodexHome.builder(dir.resolve("home-" + i), model.baseUrl()).askForApproval("on-request").write();
            nodes.add(keep(ListeningAppServer.websocket(new CodexLocator().locate(null).binary(), home, work, List.of())));
        }
        ContextStore store = ContextStore.files(dir.resolve("contexts"), 100);
        CodexPool pool = keep(CodexPool.builder().endpoint("codex-0", nodes.get(0).endpoint()).endpoint("codex-1", nodes.get(1).endpoint())
                .threadAccess(store.threadAccess()).clientConfigurer(c -> c.wireTap(wire)).build());
        A2aServer server = server(SessionSource.of(CodexGateway.builder().pool(pool).configure(inWork).callerApprovals(true).build()), store);
        RawCaller alice = new RawCaller(server.uri(), LiveA2a.ALICE);

        JsonNode a1 = turn(alice, "first in a", null, "a one");
        JsonNode b1 = turn(alice, "first in b", null, "b one");
        String threadA = a1.at("/metadata/codexThreadId").asText();
        String threadB = b1.at("/metadata/codexThreadId").asText();
        // two contexts placed by load: one on each app-server
        assertThat(List.of(pool.endpointOf(threadA).orElseThrow(), pool.endpointOf(threadB).orElseThrow()))
                .containsExactlyInAnyOrder("codex-0", "codex-1");
        JsonNode a2 = turn(alice, "second in a", a1.path("contextId").asText(), "a two");
        assertThat(a2.at("/metadata/codexThreadId").asText()).isEqualTo(threadA);

        // a new A2A server and a new pool (nothing remembered but the store): the pool finds each thread where it lives
        LiveA2a.closeAll(server, pool);
        CodexPool again = keep(CodexPool.builder().endpoint("codex-0", nodes.get(0).endpoint()).endpoint("codex-1", nodes.get(1).endpoint())
                .threadAccess(store.threadAccess()).clientConfigurer(c -> c.wireTap(wire)).build());
        server = server(SessionSource.of(CodexGateway.builder().pool(again).configure(inWork).callerApprovals(true).build()), ContextStore.files(dir.resolve("contexts"), 100));
        alice = new RawCaller(server.uri(), LiveA2a.ALICE);
        JsonNode b2 = turn(alice, "second in b", b1.path("contextId").asText(), "b two");
        assertThat(b2.at("/metadata/codexThreadId").asText()).isEqualTo(threadB);
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("first in b")).noneSatisfy(t -> assertThat(t).contains("first in a"));
        assertThat(alice.call("tasks/get", A2aWire.object().put("id", a2.path("id").asText())).at("/result/status/state").asText())
                .isEqualTo("completed");

        // another caller, with the ids: alice's context id is bob's own new context (on a thread of his), her task not found, and
        // the pool itself refuses her thread
        RawCaller bob = new RawCaller(server.uri(), LiveA2a.BOB);
        JsonNode bobs = turn(bob, "mine?", a1.path("contextId").asText(), "yours, bob");
        assertThat(bobs.at("/metadata/codexThreadId").asText()).isNotEqualTo(threadA).isNotEqualTo(threadB);
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("mine?")).noneSatisfy(t -> assertThat(t).contains("first in a"))
                .noneSatisfy(t -> assertThat(t).contains("second in a"));
        assertThat(bob.call("tasks/get", A2aWire.object().put("id", a1.path("id").asText())).at("/error/code").asInt())
                .isEqualTo(A2aError.TASK_NOT_FOUND);
        assertThatThrownBy(() -> SessionSource.of(CodexGateway.builder().pool(again).configure(inWork).callerApprovals(true).build()).resume("bob", "guess", threadA, r -> null))
                .isInstanceOf(ThreadAccessDeniedException.class);
    }

    @Test
    void principalsOnTenantsSeeNothingOfEachOther() throws Exception {
        String toml = IsolatedCodexHome.builder(dir.resolve("unused"), model.baseUrl()).askForApproval("on-request").configToml();
        ContextStore store = ContextStore.inMemory(100);
        CodexTenants tenants = keep(CodexTenants.builder().homesRoot(dir.resolve("tenants"))
                .launch(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).build())
                .homeSetup(TenantHomeSetup.configToml(toml)).threadAccess(store.threadAccess())
                .client(c -> c.wireTap(wire)).build());
        // no cwd: each principal's thread runs in its tenant's own workspace
        SessionSource sessions = SessionSource.of(CodexGateway.builder().tenants(tenants)
                .configure(b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).callerApprovals(true).build());
        A2aServer server = server(sessions, store);
        RawCaller alice = new RawCaller(server.uri(), LiveA2a.ALICE);
        RawCaller bob = new RawCaller(server.uri(), LiveA2a.BOB);

        JsonNode a1 = turn(alice, "alice's secret plan", null, "noted, alice");
        String context = a1.path("contextId").asText();
        JsonNode a2 = turn(alice, "and again", context, "again, alice");
        assertThat(a2.at("/metadata/codexThreadId").asText()).isEqualTo(a1.at("/metadata/codexThreadId").asText());
        JsonNode b1 = turn(bob, "bob here", null, "hello bob");
        // each caller's codex is its own tenant's: two app-servers, two homes
        assertThat(tenants.usage("alice").processes()).isEqualTo(1);
        assertThat(tenants.usage("bob").processes()).isEqualTo(1);
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .noneSatisfy(t -> assertThat(t).contains("secret plan"));

        // bob with alice's ids, and alice with bob's: not found, and nothing reaches the other's codex
        for (String id : List.of(a1.path("id").asText(), a2.path("id").asText())) {
            assertThat(bob.call("tasks/get", A2aWire.object().put("id", id)).at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);
            assertThat(bob.call("tasks/cancel", A2aWire.object().put("id", id)).at("/error/code").asInt()).isEqualTo(A2aError.TASK_NOT_FOUND);
        }
        assertThat(alice.call("tasks/get", A2aWire.object().put("id", b1.path("id").asText())).at("/error/code").asInt())
                .isEqualTo(A2aError.TASK_NOT_FOUND);
        // alice's context id, to bob, is an id nobody used: a context of his own under it, on his own tenant's codex, with
        // nothing of alice's in what the model is sent; alice's context goes on as it was
        JsonNode guessed = turn(bob, "let me in", context, "welcome, bob");
        assertThat(guessed.path("contextId").asText()).isEqualTo(context);
        assertThat(guessed.at("/metadata/codexThreadId").asText()).isNotEqualTo(a1.at("/metadata/codexThreadId").asText())
                .isNotEqualTo(b1.at("/metadata/codexThreadId").asText());
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("let me in"))
                .noneSatisfy(t -> assertThat(t).contains("secret plan")).noneSatisfy(t -> assertThat(t).contains("bob here"));
        assertThat(tenants.usage("alice").processes()).isEqualTo(1);
        assertThat(store.context("alice", context).orElseThrow().threadId()).isEqualTo(a1.at("/metadata/codexThreadId").asText());
        JsonNode a3 = turn(alice, "still mine?", context, "yes, alice");
        assertThat(a3.at("/metadata/codexThreadId").asText()).isEqualTo(a1.at("/metadata/codexThreadId").asText());
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                .anySatisfy(t -> assertThat(t).contains("secret plan")).noneSatisfy(t -> assertThat(t).contains("let me in"));
        // the thread id itself is refused for bob by the tenants, before codex is asked
        assertThatThrownBy(() -> sessions.resume("bob", context, a1.at("/metadata/codexThreadId").asText(), r -> null))
                .isInstanceOf(ThreadAccessDeniedException.class);
    }

    @Test
    void aTurnStillRunningWhenTheServerStoppedIsFollowedToItsEnd() throws Exception {
        Path home = IsolatedCodexHome.builder(dir.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
        ListeningAppServer node = keep(ListeningAppServer.websocket(new CodexLocator().locate(null).binary(), home, work, List.of()));
        ContextStore store = ContextStore.inMemory(100);   // kept by the test across the two servers, as a file store would be
        CodexClient first = keep(CodexClient.builder().wireTap(wire).connect(node.endpoint()));
        // a stop that does not wait for the turn (a drain of zero): one on an app-server that outlives the server is left running
        A2aServer server = keep(A2aServer.builder().tokens(BearerTokens.of(Map.of(LiveA2a.ALICE, "alice", LiveA2a.BOB, "bob")))
                .contexts(store).sessions(SessionSource.of(CodexGateway.builder().client(first).configure(inWork).callerApprovals(true)
                        .build())).drainTimeout(Duration.ZERO).start());
        model.enqueue(ModelReply.builder().execCommand("call-s", "sleep 6; echo slept").build(), ModelReply.message("After the sleep."));
        ObjectNode params = RawCaller.params(RawCaller.message("sleep a little", null));
        params.putObject("configuration").put("blocking", false);
        JsonNode started = new RawCaller(server.uri(), LiveA2a.ALICE).call("message/send", params).path("result");
        String task = started.path("id").asText();
        model.awaitResponsesRequests(1, Duration.ofSeconds(30));

        // the server and its connection go while codex runs the command; the app-server stays
        LiveA2a.closeAll(server, first);
        CodexClient second = keep(CodexClient.builder().wireTap(wire).connect(node.endpoint()));
        server = server(SessionSource.of(CodexGateway.builder().client(second).configure(inWork).callerApprovals(true).build()), store);
        RawCaller alice = new RawCaller(server.uri(), LiveA2a.ALICE);
        JsonNode found = alice.call("tasks/get", A2aWire.object().put("id", task)).path("result");
        // read from codex's record while codex still runs it: followed from here
        assertThat(found.at("/status/state").asText()).as(found.toString()).isEqualTo("working");
        assertThat(found.at("/metadata/codexTurnId").asText()).isNotBlank();
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(alice.call("tasks/get",
                A2aWire.object().put("id", task)).at("/result/status/state").asText()).isEqualTo("completed"));
        JsonNode done = alice.call("tasks/get", A2aWire.object().put("id", task)).path("result");
        assertThat(done.at("/artifacts/0/parts/0/text").asText()).isEqualTo("After the sleep.");
        assertThat(done.path("contextId").asText()).isEqualTo(started.path("contextId").asText());
    }
}
