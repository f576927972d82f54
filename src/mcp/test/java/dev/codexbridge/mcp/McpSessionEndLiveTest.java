package dev.codexbridge.mcp;

import static dev.codexbridge.mcp.HttpProbe.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of the MCP server over Streamable HTTP on one store (a codex per principal on each,
 * the doors' lease), as a rolling deploy or a rebalance moves a client: alice's conversation is
 * awake on replica A; her client ends its session there ({@code DELETE}) and goes on by thread id on
 * replica B. The ended session let go of the conversation at once (stored, lease given back), so B
 * serves the reply — where A kept it and B refused it "in use" until A's hibernation let go.
 */
class McpSessionEndLiveTest {
    private static final String ALICE = "alice-token-0123456789";
    private final List<AutoCloseable> closing = new ArrayList<>();
    private Path dir;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            LiveMcp.closeQuietly(closing.get(i));
        }
        if (dir != null) {
            TestDirs.delete(dir);
        }
    }

    private record Replica(CodexMcpServer server, McpHttpServer http, DiskConversationStore store) {
    }

    private Replica replica(String name, ScriptedModelServer model) throws Exception {
        String toml = IsolatedCodexHome.builder(dir.resolve("unused-" + name), model.baseUrl()).configToml();
        DiskConversationStore store = DiskConversationStore.open(dir.resolve("store"));
        closing.add(store);
        ConversationStorage storage = ConversationStorage.builder(store, "replica-" + name).leaseTime(ConversationStorage.DOORS_LEASE).build();
        CodexTenants tenants = CodexTenants.builder().homesRoot(dir.resolve(name + "-tenants"))
                .launch(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).build())
                .homeSetup(TenantHomeSetup.configToml(toml)).storage(storage).build();
        closing.add(tenants);
        // awake for long: only the session's end lets go of the conversation here
        CodexGateway gateway = CodexGateway.builder().tenants(tenants).storage(storage)
                .configure(b -> b.hibernateAfter(Duration.ofMinutes(10)).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
        CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).cwd(dir).build();
        closing.add(server);
        McpHttpServer http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice"))).start();
        closing.add(http);
        return new Replica(server, http, store);
    }

    private static JsonNode call(McpHttpServer http, String session, String tool, String arguments) throws Exception {
        HttpProbe.Answer a = send(http.uri(), "POST", ALICE, session, Map.of(), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}}");
        assertThat(a.status()).as("%s: %s", tool, a.body()).isEqualTo(200);
        return Json.parse(a.body()).path("result");
    }

    @Test
    void anEndedSessionsConversationIsServedByAnotherReplicaAtOnce() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("mcp-session-end");
        ScriptedModelServer model = ScriptedModelServer.start().respondWhenEmpty(r -> ModelReply.message(
                r.userTexts().stream().anyMatch(t -> t.contains("second")) && r.userTexts().stream().anyMatch(t -> t.contains("first"))
                        ? "second, after first" : "answered"));
        closing.add(model);
        Replica a = replica("a", model);
        Replica b = replica("b", model);

        String onA = HttpProbe.openSession(a.http().uri(), ALICE);
        JsonNode first = call(a.http(), onA, "codex", "{\"prompt\":\"first\"}");
        assertThat(first.path("isError").asBoolean()).as("%s", first).isFalse();
        String thread = first.at("/structuredContent/threadId").asText();
        assertThat(a.server().conversationsHeld()).isOne();

        assertThat(send(a.http().uri(), "DELETE", ALICE, onA, Map.of(), null).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(a.server().conversationsHeld()).isZero());

        String onB = HttpProbe.openSession(b.http().uri(), ALICE);
        JsonNode reply = call(b.http(), onB, "codex-reply", "{\"threadId\":\"" + thread + "\",\"prompt\":\"second\"}");
        assertThat(reply.path("isError").asBoolean()).as("served on B, not \"in use\" on A: %s", reply).isFalse();
        assertThat(reply.at("/structuredContent/threadId").asText()).isEqualTo(thread);
        // the reply's model request carried the first turn: the conversation moved whole
        assertThat(reply.at("/content/0/text").asText()).isEqualTo("second, after first");
        assertThat(b.server().conversationsHeld()).isOne();
    }

    /** A server that stops (its close returned) has stored each conversation and given its lease back: none waits out a lease. */
    @Test
    void aClosedServersConversationIsFreeTheMomentItsCloseReturns() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("mcp-server-close");
        ScriptedModelServer model = ScriptedModelServer.start().respondWhenEmpty(r -> ModelReply.message("answered"));
        closing.add(model);
        Replica a = replica("a", model);
        JsonNode first = call(a.http(), HttpProbe.openSession(a.http().uri(), ALICE), "codex", "{\"prompt\":\"first\"}");
        String thread = first.at("/structuredContent/threadId").asText();
        assertThat(a.server().conversationsHeld()).isOne();

        a.http().close();
        a.server().close();

        dev.codexbridge.store.ConversationLease probe = a.store().lease(thread, "probe", Duration.ofSeconds(1));   // not "in use"
        a.store().release(probe);
        assertThat(a.store().get(thread)).as("stored").isPresent();
    }

    @Test
    void aLiveSessionsIdleConversationIsHandedOverToTheReplicaAskingForItAndBack() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("mcp-hand-over");
        ScriptedModelServer model = ScriptedModelServer.start().respondWhenEmpty(r -> ModelReply.message(
                "turns seen: " + r.userTexts().stream().filter(t -> t.startsWith("turn ")).count()));
        closing.add(model);
        Replica a = replica("a", model);
        Replica b = replica("b", model);

        String onA = HttpProbe.openSession(a.http().uri(), ALICE);
        JsonNode first = call(a.http(), onA, "codex", "{\"prompt\":\"turn 1\"}");
        assertThat(first.path("isError").asBoolean()).as("%s", first).isFalse();
        String thread = first.at("/structuredContent/threadId").asText();

        // A's session stays open and awake (10 min to hibernation): B's call asks A for the conversation, and A lets go of it
        String onB = HttpProbe.openSession(b.http().uri(), ALICE);
        long asked = System.nanoTime();
        JsonNode onBReply = call(b.http(), onB, "codex-reply", "{\"threadId\":\"" + thread + "\",\"prompt\":\"turn 2\"}");
        long handOverMs = (System.nanoTime() - asked) / 1_000_000;
        assertThat(onBReply.path("isError").asBoolean()).as("handed over by A, not \"in use\": %s", onBReply).isFalse();
        assertThat(onBReply.at("/content/0/text").asText()).isEqualTo("turns seen: 2");

        // and back: A's own client goes on on A, whose session wakes by asking B
        JsonNode back = call(a.http(), onA, "codex-reply", "{\"threadId\":\"" + thread + "\",\"prompt\":\"turn 3\"}");
        assertThat(back.path("isError").asBoolean()).as("handed back by B: %s", back).isFalse();
        assertThat(back.at("/content/0/text").asText()).isEqualTo("turns seen: 3");
        System.out.printf("MCP conversation handed over between live replicas: B served in %d ms%n", handOverMs);
    }
}
