package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.protocol.ThreadTurnsListParams;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool calls sent again with their idempotency key in {@code _meta} (decision 0117), through the
 * MCP Java SDK's client over Streamable HTTP, on the real codex with the scripted model: two
 * servers — two replicas' gateways, each its own holder — sharing one conversation store on disk.
 * A {@code codex} call sent again to either server is the first's result, and codex's record of
 * the thread holds one turn; a call whose connection dropped while codex ran it, sent again to the
 * other server, waits for the first's result; the same key with other arguments is refused;
 * another principal's call of the same key runs on its own.
 */
class McpResendLiveTest {
    private static Path dir;
    private static ScriptedModelServer model;
    private static CodexClient codex;
    private static final List<AutoCloseable> closing = new ArrayList<>();
    private static McpHttpServer a;
    private static McpHttpServer b;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("mcp-resend");
        Path work = Files.createDirectories(dir.resolve("work"));
        model = ScriptedModelServer.start();
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).write();
        codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .connect();
        a = server("replica-a", work);
        b = server("replica-b", work);
    }

    /** A replica: its own store on the shared folder (as another process opens it), gateway, MCP server and listener. */
    private static McpHttpServer server(String holder, Path work) {
        DiskConversationStore store = DiskConversationStore.open(dir.resolve("store"));
        closing.add(0, store);
        CodexGateway gateway = CodexGateway.builder().client(codex)
                .storage(ConversationStorage.builder(store, holder).leaseTime(ConversationStorage.DOORS_LEASE).build())
                .configure(s -> s.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
        CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).cwd(work).build();
        closing.add(0, server);
        McpHttpServer http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(LiveMcp.ALICE, "alice", LiveMcp.BOB, "bob")))
                .start();
        closing.add(0, http);
        return http;
    }

    @AfterAll
    static void stop() throws Exception {
        closing.forEach(LiveMcp::closeQuietly);
        LiveMcp.closeQuietly(codex);
        LiveMcp.closeQuietly(model);
        TestDirs.delete(dir);
    }

    private static McpSyncClient client(McpHttpServer server, String token) {
        McpSyncClient c = LiveMcp.client(server, token, null, null);
        closing.add(0, c::close);
        return c;
    }

    private static McpSchema.CallToolResult codexCall(McpSyncClient client, String prompt, String key) {
        return client.callTool(McpSchema.CallToolRequest.builder().name(CodexTools.CODEX).arguments(Map.of("prompt", prompt))
                .meta(Map.of(KeyedCalls.META_KEY, key)).build());
    }

    private static int codexTurns(String threadId) {
        return codex.threadTurnsList(ThreadTurnsListParams.builder().threadId(threadId).limit(100L).build()).data().size();
    }

    @Test
    void aCallSentAgainToEitherServerIsTheFirstsResultAndCodexRanOneTurn() {
        model.enqueue(ModelReply.message("Lantern, noted."));
        String key = UUID.randomUUID().toString();
        int requests = model.responsesRequests().size();
        McpSyncClient aliceOnA = client(a, LiveMcp.ALICE);
        McpSyncClient aliceOnB = client(b, LiveMcp.ALICE);
        McpSchema.CallToolResult first = codexCall(aliceOnA, "remember the word lantern", key);
        assertThat(first.isError()).as(LiveMcp.text(first)).isFalse();
        assertThat(LiveMcp.text(first)).isEqualTo("Lantern, noted.");

        for (McpSchema.CallToolResult copy : List.of(codexCall(aliceOnA, "remember the word lantern", key),
                codexCall(aliceOnB, "remember the word lantern", key))) {
            assertThat(copy.isError()).isFalse();
            assertThat(LiveMcp.text(copy)).isEqualTo("Lantern, noted.");
            assertThat(LiveMcp.threadId(copy)).as("the first's conversation").isEqualTo(LiveMcp.threadId(first));
        }
        assertThat(model.responsesRequests()).as("the model asked once").hasSize(requests + 1);
        assertThat(codexTurns(LiveMcp.threadId(first))).as("codex's record: one turn on the thread").isOne();

        McpSchema.CallToolResult other = codexCall(aliceOnB, "forget the word lantern", key);
        assertThat(other.isError()).isTrue();
        assertThat(LiveMcp.text(other)).contains("another request").contains("new key");
        assertThat(model.responsesRequests()).as("nothing run").hasSize(requests + 1);
    }

    @Test
    void aCallWhoseConnectionDroppedSentAgainToTheOtherServerWaitsForTheFirstsResult() throws Exception {
        model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 4").build(), ModelReply.message("Slept well."));
        String key = UUID.randomUUID().toString();
        int requests = model.responsesRequests().size();
        RawMcpHttp raw = RawMcpHttp.connect(a.uri(), LiveMcp.ALICE, "{}");
        String call = Json.write(Json.object().put("jsonrpc", "2.0").put("id", "call-1").put("method", "tools/call")
                .set("params", Json.tree(Map.of("name", CodexTools.CODEX, "arguments", Map.of("prompt", "sleep a little"),
                        "_meta", Map.of(KeyedCalls.META_KEY, key)))));
        try (RawMcpHttp.Exchange sent = raw.post(call)) {
            assertThat(sent.status).isEqualTo(200);
            await().atMost(Duration.ofSeconds(60)).until(() -> model.responsesRequests().size() > requests);
        } // the connection drops here, while codex runs `sleep 4`: the caller cannot know how it ends

        McpSchema.CallToolResult copy = codexCall(client(b, LiveMcp.ALICE), "sleep a little", key);
        assertThat(copy.isError()).as(LiveMcp.text(copy)).isFalse();
        assertThat(LiveMcp.text(copy)).isEqualTo("Slept well.");
        assertThat(model.responsesRequests()).as("one turn's two model requests").hasSize(requests + 2);
        assertThat(codexTurns(LiveMcp.threadId(copy))).isOne();
    }

    @Test
    void anotherPrincipalsCallOfTheSameKeyRunsOnItsOwn() {
        model.enqueue(ModelReply.message("Alice's."), ModelReply.message("Bob's."));
        String key = UUID.randomUUID().toString();
        McpSchema.CallToolResult alices = codexCall(client(a, LiveMcp.ALICE), "whose is this?", key);
        McpSchema.CallToolResult bobs = codexCall(client(b, LiveMcp.BOB), "whose is this?", key);
        assertThat(LiveMcp.text(bobs)).isEqualTo("Bob's.");
        assertThat(LiveMcp.threadId(bobs)).isNotEqualTo(LiveMcp.threadId(alices));
        assertThat(codexTurns(LiveMcp.threadId(alices))).isOne();
        assertThat(codexTurns(LiveMcp.threadId(bobs))).isOne();
        assertThat(LiveMcp.text(codexCall(client(a, LiveMcp.BOB), "whose is this?", key))).isEqualTo("Bob's.");
    }
}
