package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpSessions;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.store.spi.LeaseCounts;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two MCP servers on one PostgreSQL store, each its own codex (the doors' lease), as two replicas:
 * alice's conversation, awake on A and idle there (its session open, hibernation 10 minutes off), is
 * continued on B and then on A again. Each move is said, not polled (decision 0118): the asking
 * replica's ask reaches the holder's store as a notification and the holder lets go, and its release
 * reaches the asker's store the same way. The conversation moves whole each time.
 */
@ExtendWith(PostgresServer.Extension.class)
class McpHandOverLiveTest {
    private static final String ALICE = "alice-token-0123456789";
    private final List<AutoCloseable> closing = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private record Replica(PostgresConversationStore store, McpSyncClient client) {
        LeaseCounts counts() {
            return store.leaseCounts().orElseThrow();
        }
    }

    private Replica replica(String name, String url, ScriptedModelServer model) throws Exception {
        CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary())
                .codexHome(IsolatedCodexHome.builder(tmp.resolve("home-" + name), model.baseUrl()).write()).build()).connect();
        closing.add(codex);
        PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).build();
        closing.add(store);
        Path work = Files.createDirectories(tmp.resolve("work"));
        CodexGateway gateway = CodexGateway.builder().client(codex)
                .storage(ConversationStorage.builder(store, "replica-" + name).leaseTime(ConversationStorage.DOORS_LEASE).build())
                // awake for long: only another replica's ask lets go of the conversation here
                .configure(b -> b.cwd(work).hibernateAfter(Duration.ofMinutes(10))).build();
        CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).cwd(work).build();
        closing.add(server);
        McpHttpServer http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice"))).start();
        closing.add(http);
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(http.uri().resolve("/").toString())
                        .endpoint(McpHttpServer.PATH)
                        .httpRequestCustomizer((b, method, uri, body, context) -> b.header("Authorization", "Bearer " + ALICE)).build())
                .requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck()).build();
        closing.add(client::closeGracefully);
        client.initialize();
        return new Replica(store, client);
    }

    private static McpSchema.CallToolResult call(Replica r, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = r.client().callTool(McpSchema.CallToolRequest.builder().name(tool).arguments(arguments).build());
        assertThat(result.isError()).as("%s: %s", tool, result.content()).isNotEqualTo(Boolean.TRUE);
        return result;
    }

    private static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    @Test
    void anIdleConversationMovesBetweenLiveReplicasByNotification(PostgresServer postgres) throws Exception {
        LiveCodex.binary();
        ScriptedModelServer model = ScriptedModelServer.start().respondWhenEmpty(r -> ModelReply.message(
                "turns seen: " + r.userTexts().stream().filter(t -> t.startsWith("turn ")).count()));
        closing.add(model);
        String url = postgres.newDatabase();
        Replica a = replica("a", url, model);
        Replica b = replica("b", url, model);

        McpSchema.CallToolResult first = call(a, "codex", Map.of("prompt", "turn 1"));
        String thread = (String) ((Map<?, ?>) first.structuredContent()).get("threadId");

        McpSchema.CallToolResult onB = call(b, "codex-reply", Map.of("threadId", thread, "prompt", "turn 2"));
        assertThat(text(onB)).as("the conversation moved whole").isEqualTo("turns seen: 2");
        assertThat(a.counts().asksHeard()).as("B's ask heard by A's store as it was made").isPositive();
        assertThat(a.counts().handedOver()).isEqualTo(1);
        assertThat(b.counts().releasesHeard()).as("A's release heard by B's store, waiting for it").isPositive();

        // and back: A's own session wakes by asking B, which lets go in turn
        McpSchema.CallToolResult back = call(a, "codex-reply", Map.of("threadId", thread, "prompt", "turn 3"));
        assertThat(text(back)).isEqualTo("turns seen: 3");
        assertThat(b.counts().asksHeard()).isPositive();
        assertThat(b.counts().handedOver()).isEqualTo(1);
        assertThat(a.counts().releasesHeard()).isPositive();
    }
}
