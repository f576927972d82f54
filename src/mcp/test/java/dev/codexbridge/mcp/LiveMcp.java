package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
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
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;

/**
 * The server under test over Streamable HTTP: the real pinned codex (one app-server) on the test
 * kit's scripted model, a gateway with the host's policy, two principals by bearer token; every
 * message sent to codex checked against its schema on close. Clients are the MCP Java SDK's.
 */
final class LiveMcp implements AutoCloseable {
    static final String ALICE = "alice-token-0123456789";
    static final String BOB = "bob-token-0123456789ab";

    final ScriptedModelServer model;
    final Path dir;
    final Path work;
    final WireSchema.Recorder wire = new WireSchema.Recorder();
    CodexClient codex;
    CodexTenants tenants;
    DiskConversationStore store;
    CodexMcpServer server;
    McpHttpServer http;
    private final List<AutoCloseable> clients = new ArrayList<>();

    LiveMcp(String name) throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        this.dir = TestDirs.create(name);
        this.work = Files.createDirectories(dir.resolve("work"));
        this.model = ScriptedModelServer.start();
    }

    /** codex on an on-request, read-only home; the host allows {@code allow} and lets callers answer the rest when {@code callerApprovals}. */
    LiveMcp boot(boolean callerApprovals, List<String> allow, Consumer<CodexMcpServer.Builder> settings) throws Exception {
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).askForApproval("on-request")
                .sandboxMode("read-only").write();
        codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .wireTap(wire).connect();
        ApprovalPolicy.Builder policy = ApprovalPolicy.builder();
        if (!allow.isEmpty()) {
            policy.commandRules(CommandRules.builder().allowPrograms(allow.toArray(String[]::new)).askHandlerForOthers(true).build());
        }
        CodexGateway gateway = CodexGateway.builder().client(codex)
                .configure(b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .approvals(policy.build()).callerApprovals(callerApprovals).build();
        CodexMcpServer.Builder b = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).cwd(work);
        settings.accept(b);
        server = b.build();
        http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"))).start();
        return this;
    }

    /**
     * As {@link #boot} without a policy, the gateway's conversations in a disk store, each asleep
     * after {@code sleepAfter} idle.
     */
    LiveMcp bootOnStore(Duration sleepAfter) throws Exception {
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).write();
        codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .wireTap(wire).connect();
        store = DiskConversationStore.open(dir.resolve("store"));
        CodexGateway gateway = CodexGateway.builder().client(codex).storage(ConversationStorage.builder(store, "mcp-live").build())
                .configure(b -> b.cwd(work).hibernateAfter(sleepAfter).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .build();
        server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).cwd(work).build();
        http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"))).start();
        return this;
    }

    /**
     * As {@link #boot}, but a codex of its own per principal: the gateway on {@link CodexTenants}, one
     * tenant per principal, every conversation in a store on disk with the doors' lease, as
     * {@code codex-bridge mcp --store DIR} runs them.
     */
    LiveMcp bootOnTenants() throws Exception {
        String toml = IsolatedCodexHome.builder(dir.resolve("unused"), model.baseUrl()).askForApproval("on-request").configToml();
        store = DiskConversationStore.open(dir.resolve("store"));
        ConversationStorage storage = ConversationStorage.builder(store, "replica-a").leaseTime(ConversationStorage.DOORS_LEASE).build();
        tenants = CodexTenants.builder().homesRoot(dir.resolve("tenants"))
                .launch(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).build())
                .homeSetup(TenantHomeSetup.configToml(toml)).client(c -> c.wireTap(wire)).storage(storage).build();
        // no cwd: each principal's thread runs in its tenant's own workspace
        CodexGateway gateway = CodexGateway.builder().tenants(tenants).storage(storage)
                .configure(b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
        server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).cwd(work).build();
        http = McpHttpServer.builder(server).authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"))).start();
        return this;
    }

    /** A Java SDK client as the holder of {@code token}; {@code elicitation} null: the client declares no elicitation capability. */
    McpSyncClient client(String token, Function<McpSchema.ElicitFormRequest, McpSchema.ElicitResult> elicitation,
            Consumer<McpSchema.ProgressNotification> progress) {
        McpSyncClient client = client(http, token, elicitation, progress);
        clients.add(client::close);
        return client;
    }

    /** A Java SDK client of {@code http}'s as the holder of {@code token}, initialized; the caller closes it. */
    static McpSyncClient client(McpHttpServer http, String token, Function<McpSchema.ElicitFormRequest, McpSchema.ElicitResult> elicitation,
            Consumer<McpSchema.ProgressNotification> progress) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(http.uri().resolve("/").toString())
                .endpoint(McpHttpServer.PATH).customizeClient(c -> c.connectTimeout(Duration.ofSeconds(10)))
                .httpRequestCustomizer((builder, method, uri, body, context) -> builder.header("Authorization", "Bearer " + token))
                .build();
        McpClient.SyncSpec spec = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(120))
                .clientInfo(new McpSchema.Implementation("live-test", "1"))
                // the SDK's default validator needs json-schema-validator 3, which the module leaves out (decisions 0039, 0066)
                .jsonSchemaValidator(new OutputSchemaCheck());
        if (elicitation != null) {
            spec.capabilities(McpSchema.ClientCapabilities.builder().elicitation().build()).elicitation(elicitation);
        }
        if (progress != null) {
            spec.progressConsumer(progress);
        }
        McpSyncClient client = spec.build();
        try {
            client.initialize();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    static McpSchema.CallToolResult call(McpSyncClient client, String tool, Map<String, Object> args, Object progressToken) {
        McpSchema.CallToolRequest.Builder b = McpSchema.CallToolRequest.builder().name(tool).arguments(args);
        if (progressToken != null) {
            b.progressToken(progressToken);
        }
        return client.callTool(b.build());
    }

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    @SuppressWarnings("unchecked")
    static String threadId(McpSchema.CallToolResult r) {
        return (String) ((Map<String, Object>) r.structuredContent()).get("threadId");
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : clients) {
            closeQuietly(c);
        }
        closeQuietly(http);
        closeQuietly(server);
        closeQuietly(codex);
        closeQuietly(tenants);
        closeQuietly(store);
        closeQuietly(model);
        try {
            if (codex != null || tenants != null) {
                assertThat(wire.sent()).isNotEmpty();
                assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent to codex matches its schema").isEmpty();
            }
        } finally {
            TestDirs.delete(dir);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // closing the rest matters more
        }
    }
}
