package dev.codexbridge.spring;

import static dev.codexbridge.spring.McpCaller.call;
import static dev.codexbridge.spring.McpCaller.client;
import static dev.codexbridge.spring.McpCaller.text;
import static dev.codexbridge.spring.McpCaller.threadId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.McpLimits;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code codex-bridge.mcp.enabled=true} in a whole Spring Boot application: an MCP server over
 * Streamable HTTP on the application's codex sessions, driven by the MCP Java SDK's client with the
 * real codex on the scripted model. The application's {@link HostApplication} handler decides
 * before the MCP client: what it declines is never put to the client and never runs, what it
 * leaves to the caller the client's accept runs.
 */
// closed after the class: its codex must not outlive it (other tests count the app-servers this JVM runs)
@DirtiesContext
@SpringBootTest(classes = HostApplication.class, properties = {"codex-bridge.mcp.enabled=true", "codex-bridge.mcp.shared-codex=true", "codex-bridge.mcp.port=0",
        "codex-bridge.mcp.turns-per-principal=2", "codex-bridge.approval.caller-approvals=true",
        "codex-bridge.session.turn-timeout=90s"})
class McpSpringBootTest {
    private static final String TOKEN = "spring-mcp-token-7d31a0";
    private static ScriptedModelServer model;

    @Autowired
    McpHttpServer server;
    @Autowired
    McpProperties properties;
    @Autowired
    CodexBridgeProperties bridge;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, binary, model, "on-request");
        registry.add("codex-bridge.mcp.tokens-file", OfflineCodex.tokensFile("alice", TOKEN)::toString);
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void theLimitsPropertiesReachTheServersLimits() {
        assertThat(McpConfiguration.limits(new McpProperties())).as("the properties' defaults are the server's").isEqualTo(McpLimits.DEFAULTS);
        assertThat(McpConfiguration.limits(properties)).isEqualTo(McpLimits.DEFAULTS.withTurnsPerPrincipal(2));
    }

    @Test
    void theToolsAreListedAndAConversationContinuesWithCodexReply() {
        try (McpSyncClient alice = client(server.uri(), TOKEN, null)) {
            assertThat(alice.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("codex", "codex-reply", "codex-transcript");
            model.enqueue(ModelReply.message("First answer from Spring."), ModelReply.message("Second answer from Spring."));
            int before = model.responsesRequests().size();
            McpSchema.CallToolResult first = call(alice, "codex", Map.of("prompt", "remember the word heron"));
            assertThat(first.isError()).as(text(first)).isFalse();
            assertThat(text(first)).isEqualTo("First answer from Spring.");
            String thread = threadId(first);
            assertThat(thread).isNotBlank();

            McpSchema.CallToolResult second = call(alice, "codex-reply", Map.of("threadId", thread, "prompt", "which word?"));
            assertThat(text(second)).isEqualTo("Second answer from Spring.");
            assertThat(threadId(second)).isEqualTo(thread);
            // the same codex thread: the model saw the first prompt again
            assertThat(model.responsesRequests().get(before + 1).userTexts()).anySatisfy(t -> assertThat(t).contains("heron"));
        }
    }

    @Test
    void aRequestWithoutATokenIsRefused() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri())
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    }

    /**
     * The client accepts whatever it is asked. The application's handler declines {@code rm
     * keep.txt}: the client is never asked, the file survives, and codex was told it was rejected.
     * It leaves the {@link HostApplication#CALLERS_CHOICE} command to the caller: the client is
     * asked, accepts, and the command runs.
     */
    @Test
    void theApplicationsHandlerDecidesBeforeTheMcpClient() throws Exception {
        Path work = bridge.getSession().getCwd();
        Path keep = Files.writeString(work.resolve("keep.txt"), "precious");
        Path made = work.resolve(HostApplication.CALLERS_CHOICE + "-marker");
        List<McpSchema.ElicitFormRequest> elicited = new CopyOnWriteArrayList<>();
        try (McpSyncClient alice = client(server.uri(), TOKEN, request -> {
            elicited.add(request);
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of());
        })) {
            int before = model.responsesRequests().size();
            model.enqueue(ModelReply.builder().execCommandEscalated("call-rm", "rm keep.txt", "Clean up").build(),
                    ModelReply.builder().execCommandEscalated("call-touch", "touch " + made.getFileName(), "Mark it").build(),
                    ModelReply.message("finished"));
            McpSchema.CallToolResult r = call(alice, "codex", Map.of("prompt", "clean up, then mark it"));
            assertThat(text(r)).isEqualTo("finished");

            assertThat(HostApplication.ASKED).anyMatch(q -> q.command().contains("rm keep.txt"));
            assertThat(keep).hasContent("precious");
            assertThat(model.responsesRequests().get(before + 1).functionCallOutput("call-rm")).hasValueSatisfying(o ->
                    assertThat(o).contains("rejected"));

            assertThat(elicited).as("only what the application left open reaches the client").singleElement()
                    .satisfies(q -> assertThat(q.message()).contains("touch " + made.getFileName()).doesNotContain("rm keep.txt"));
            assertThat(made).exists();
        } finally {
            // shared with the other tests' applications
            HostApplication.ASKED.removeIf(q -> q.command() != null
                    && (q.command().contains("rm keep.txt") || q.command().contains(HostApplication.CALLERS_CHOICE)));
        }
    }

    /**
     * A second application: anonymous callers, a narrowed set of caller settings and a host output
     * schema from a file; the tools' answer carries the parsed output, a setting callers may not
     * give is refused, and nothing listens once the application closed.
     */
    @Test
    void anonymousCallersTheOutputSchemaAndCallerSettingsAndTheServerStopsWithItsApplication() throws Exception {
        Path dir = Files.createTempDirectory("spring-mcp-own");
        Path home = OfflineCodex.home(dir.resolve("home"), model, "on-request");
        Path cwd = Files.createDirectories(dir.resolve("work"));
        Path schema = Files.writeString(dir.resolve("answer.schema.json"), "{\"type\":\"object\",\"properties\":{\"answer\":"
                + "{\"type\":\"string\"}},\"required\":[\"answer\"],\"additionalProperties\":false}");
        URI uri;
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(HostApplication.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + OfflineCodex.binary(), "codex-bridge.process.codex-home=" + home,
                        "codex-bridge.session.cwd=" + cwd, "codex-bridge.mcp.enabled=true", "codex-bridge.mcp.shared-codex=true", "codex-bridge.mcp.port=0",
                        "codex-bridge.mcp.anonymous=local", "codex-bridge.mcp.extras=false",
                        "codex-bridge.mcp.caller-settings=model", "codex-bridge.mcp.output-schema=file:" + schema)
                .run();
             McpSyncClient local = client(app.getBean(McpHttpServer.class).uri(), null, null)) {
            uri = app.getBean(McpHttpServer.class).uri();
            assertThat(local.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("codex", "codex-reply");
            model.enqueue(ModelReply.message("{\"answer\":\"42\"}"));
            McpSchema.CallToolResult r = call(local, "codex", Map.of("prompt", "the answer?"));
            assertThat(r.isError()).as(text(r)).isFalse();
            assertThat(((Map<?, ?>) r.structuredContent()).get("output")).isEqualTo(Map.of("answer", "42"));

            int requests = model.responsesRequests().size();
            McpSchema.CallToolResult refused = call(local, "codex", Map.of("prompt", "anything", "sandbox", "danger-full-access"));
            assertThat(refused.isError()).isTrue();
            assertThat(text(refused)).contains("sandbox");
            assertThat(model.responsesRequests()).as("nothing reached codex").hasSize(requests);
        }
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()))
                .as("nothing listens once the application closed").isInstanceOf(ConnectException.class);
    }

    @Test
    void aServerNobodyCouldCallAnUnknownCallerSettingReplayBoundsOrASessionLifetimeTooSmallOrCallersInTheApplicationsCodexFailTheStart() throws Exception {
        Path dir = Files.createTempDirectory("spring-mcp-bad");
        Path home = OfflineCodex.home(dir.resolve("home"), model, "on-request");
        Path cwd = Files.createDirectories(dir.resolve("work"));
        Function<String[], SpringApplicationBuilder> app = extra -> new SpringApplicationBuilder(HostApplication.class)
                .web(WebApplicationType.NONE).properties("codex-bridge.process.binary=" + OfflineCodex.binary(),
                        "codex-bridge.process.codex-home=" + home, "codex-bridge.session.cwd=" + cwd, "codex-bridge.mcp.enabled=true", "codex-bridge.mcp.shared-codex=true",
                        "codex-bridge.mcp.port=0").properties(extra);
        assertThatThrownBy(() -> app.apply(new String[0]).run().close()).rootCause().isInstanceOf(CodexPropertiesException.class)
                .hasMessageContaining("codex-bridge.mcp.enabled=true needs codex-bridge.mcp.tokens-file")
                .hasMessageContaining("codex-bridge.mcp.anonymous");
        assertThatThrownBy(() -> app.apply(new String[] {"codex-bridge.mcp.anonymous=local", "codex-bridge.mcp.caller-settings=model,sudo"})
                .run().close()).rootCause().isInstanceOf(CodexPropertiesException.class)
                .hasMessageContaining("codex-bridge.mcp.caller-settings").hasMessageContaining("sudo");
        assertThatThrownBy(() -> app.apply(new String[] {"codex-bridge.mcp.anonymous=local", "codex-bridge.mcp.replay.bytes-per-stream=10"})
                .run().close()).rootCause().isInstanceOf(CodexPropertiesException.class)
                .hasMessageContaining("codex-bridge.mcp.replay").hasMessageContaining("bytesPerStream at least 1024");
        assertThatThrownBy(() -> app.apply(new String[] {"codex-bridge.mcp.anonymous=local", "codex-bridge.mcp.session-idle-timeout=0s"})
                .run().close()).rootCause().isInstanceOf(CodexPropertiesException.class)
                .hasMessageContaining("codex-bridge.mcp.session-idle-timeout").hasMessageContaining("must be positive");
        // callers served from the application's one codex only when the application says so (decision 0048)
        assertThatThrownBy(() -> app.apply(new String[] {"codex-bridge.mcp.anonymous=local", "codex-bridge.mcp.shared-codex=false"})
                .run().close()).rootCause().isInstanceOf(CodexPropertiesException.class)
                .hasMessageContaining("codex-bridge.mcp.enabled=true serves remote callers")
                .hasMessageContaining("codex-bridge.tenants.homes-root").hasMessageContaining("codex-bridge.mcp.shared-codex=true");
    }
}
