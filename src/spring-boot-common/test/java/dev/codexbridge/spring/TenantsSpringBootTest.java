package dev.codexbridge.spring;

import static dev.codexbridge.spring.McpCaller.call;
import static dev.codexbridge.spring.McpCaller.text;
import static dev.codexbridge.spring.McpCaller.threadId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code codex-bridge.tenants.*} in a whole application, as a service with one codex per user
 * assembles it: the application's approval handler ({@link HostApplication}), A2A and MCP on
 * through the starter, {@code codex-bridge.session.*} defaults. No shared codex is started; each principal's
 * sessions run in its own tenant; health and the meters describe the tenants, a killed tenant codex
 * included; the next turn after the kill resumes the thread.
 */
@DirtiesContext
@SpringBootTest(classes = HostApplication.class, properties = {"management.endpoint.health.show-details=always",
        "codex-bridge.a2a.enabled=true", "codex-bridge.a2a.port=0", "codex-bridge.a2a.anonymous=carol",
        "codex-bridge.mcp.enabled=true", "codex-bridge.mcp.port=0", "codex-bridge.session.turn-timeout=90s"})
class TenantsSpringBootTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DAVE = "tenants-mcp-dave-5f20c1";
    private static final String ERIN = "tenants-mcp-erin-91be7d";
    private static ScriptedModelServer model;

    @Autowired
    ApplicationContext context;
    @Autowired
    CodexSessions sessions;
    @Autowired
    CodexTenants tenants;
    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        try {
            Path base = testDir();
            Path template = IsolatedCodexHome.builder(base.resolve("template"), model.baseUrl()).askForApproval("on-request").write()
                    .resolve("config.toml");
            registry.add("codex-bridge.process.binary", binary::toString);
            registry.add("codex-bridge.tenants.homes-root", () -> base.resolve("homes").toString());
            registry.add("codex-bridge.tenants.config-template", template::toString);
            registry.add("codex-bridge.tenants.workspaces-root", () -> base.resolve("workspaces").toString());
            Path tokens = Files.writeString(base.resolve("mcp-tokens"), "dave " + DAVE + "\nerin " + ERIN + "\n");
            registry.add("codex-bridge.mcp.tokens-file", tokens::toString);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Outside /tmp, where a homes root is refused: under target/, or /var/tmp when the checkout is itself under /tmp. */
    private static Path testDir() throws IOException {
        Path target = Files.createDirectories(Path.of("target", "test-dirs")).toRealPath();
        Path base = target.startsWith(Path.of("/tmp").toRealPath()) ? Path.of("/var/tmp", "codex-bridge-test-dirs") : target;
        return Files.createDirectories(base.resolve("spring-tenants-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void tenantsRunWithoutASharedCodexAndHealthAndMetersDescribeThem() throws Exception {
        assertThat(context.getBeanNamesForType(CodexClient.class)).as("no shared codex").isEmpty();
        assertThat(context.getBeanNamesForType(CodexPool.class)).isEmpty();
        assertThatThrownBy(() -> sessions.open(b -> { })).isInstanceOf(IllegalStateException.class).hasMessageContaining("tenant");

        CodexSession alice = sessions.open("alice", b -> { });
        model.enqueue(ModelReply.message("hello alice"));
        assertThat(alice.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
        CodexSession bob = sessions.open("bob", b -> { });
        model.enqueue(ModelReply.message("hello bob"));
        assertThat(bob.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(tenants.usage()).extracting(u -> u.tenantId()).contains("alice", "bob");
        assertThat(tenants.tenantDirectory("alice")).isNotEqualTo(tenants.tenantDirectory("bob"));
        assertThat(alice.threadOptions().cwd()).isEqualTo(tenants.workspace("alice"));   // its own workspace, not a shared folder
        assertThat(tenants.workspace("alice")).isDirectory().isNotEqualTo(tenants.workspace("bob"));

        assertThat(Actuator.status(context, "codex")).isEqualTo("UP");
        Map<String, Object> details = Actuator.details(context, "codex");
        // the A2A test's tenant may be up too: at least alice's and bob's
        assertThat(details).containsEntry("state", "ready").containsKey("processesStopped");
        assertThat((Integer) details.get("processes")).isGreaterThanOrEqualTo(2);
        assertThat((Integer) details.get("threads")).isGreaterThanOrEqualTo(2);
        assertThat(meters.get("codex.bridge.turns").tag("outcome", "completed").counter().count()).isGreaterThanOrEqualTo(2.0);
        assertThat(meters.get("codex.bridge.tenants.processes").gauge().value()).isGreaterThanOrEqualTo(2.0);

        // alice's codex killed: counted, health stays UP (her next turn starts it again), and her thread resumes
        ProcessHandle victim = tenantCodex("alice");
        assertThat(tenantCodex("bob").pid()).isNotEqualTo(victim.pid());
        ProcessHandle launched = launchedByThisJvm(victim);
        victim.destroyForcibly();
        assertThat(victim.onExit()).succeedsWithin(Duration.ofSeconds(10));
        // the library hears of the death when the process it launched ends: bubblewrap, holding
        // codex's pipes, outlives codex by a moment (over a second on a loaded machine). A turn
        // written in that moment goes to a process that looks alive and ends FAILED as PROCESS_DIED
        // (decision 0032); this test is about the turn after the library knows
        assertThat(launched.onExit()).succeedsWithin(Duration.ofSeconds(30));
        // two ways back, whichever comes first: her connection starts codex again (a reconnect), or her
        // next turn finds the process dead and places her on a new one (a process stopped as died);
        // either way the turn completes on a new codex, the loss is counted and health stays UP
        model.enqueue(ModelReply.message("back again"));
        // also when the tenant layer closes her dead codex's client before her session lets go of it: the turn,
        // never sent, is placed anew on a new codex (it used to fail CLOSED_BY_HOST under load)
        TurnResult back = alice.runTurn(TurnInput.text("still there?"));
        assertThat(back.status()).as("%s", back).isEqualTo(TurnOutcome.COMPLETED);
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            Map<String, Object> after = Actuator.details(context, "codex");
            @SuppressWarnings("unchecked")
            Map<String, Object> stopped = (Map<String, Object>) after.get("processesStopped");
            assertThat((Integer) after.get("reconnects") + ((Number) stopped.get("died")).intValue())
                    .as("the killed codex counted as a reconnect or a process that died: %s", after).isGreaterThanOrEqualTo(1);
        });
        assertThat(Actuator.status(context, "codex")).isEqualTo("UP");
        assertThat(tenantCodex("alice").pid()).isNotEqualTo(victim.pid());
        assertThat(meters.get("codex.bridge.turns").tag("outcome", "completed").counter().count()).isGreaterThanOrEqualTo(3.0);
        alice.close();
        bob.close();
    }

    /** An A2A caller is a tenant: its task runs in the tenant named by its principal. */
    @Test
    void anA2aCallerRunsInItsOwnTenant() throws Exception {
        URI base = context.getBean(A2aServer.class).uri();
        model.enqueue(ModelReply.message("hello carol"));
        String send = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"kind\":\"message\","
                + "\"role\":\"user\",\"messageId\":\"m-c\",\"parts\":[{\"kind\":\"text\",\"text\":\"hi\"}]}}}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(send)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode task = JSON.readTree(r.body()).path("result");
        assertThat(task.at("/status/state").asText()).as(r.body()).isEqualTo("completed");
        assertThat(tenants.usage()).extracting(u -> u.tenantId()).contains("carol");
        assertThat(Files.isDirectory(tenants.tenantDirectory("carol"))).isTrue();
    }

    /**
     * An MCP caller is a tenant too: its conversation runs in its own tenant's codex and workspace,
     * another caller cannot continue it, and the application's handler decides before the caller
     * (a declined {@code rm} in the tenant's workspace leaves the file).
     */
    @Test
    void anMcpCallerRunsInItsOwnTenantUnderTheApplicationsPolicy() throws Exception {
        URI endpoint = context.getBean(McpHttpServer.class).uri();
        try (McpSyncClient dave = McpCaller.client(endpoint, DAVE, null); McpSyncClient erin = McpCaller.client(endpoint, ERIN, null)) {
            model.enqueue(ModelReply.message("hello dave"));
            McpSchema.CallToolResult first = call(dave, "codex", Map.of("prompt", "hi"));
            assertThat(first.isError()).as(text(first)).isFalse();
            assertThat(text(first)).isEqualTo("hello dave");
            assertThat(tenants.usage()).extracting(u -> u.tenantId()).contains("dave");
            String thread = threadId(first);

            int requests = model.responsesRequests().size();
            McpSchema.CallToolResult stolen = call(erin, "codex-reply", Map.of("threadId", thread, "prompt", "what did dave say?"));
            assertThat(stolen.isError()).as("another caller's conversation").isTrue();
            assertThat(model.responsesRequests()).as("nothing reached codex").hasSize(requests);

            Path keep = Files.writeString(tenants.workspace("dave").resolve("keep.txt"), "dave's");
            model.enqueue(ModelReply.builder().execCommandEscalated("call-rm-dave", "rm keep.txt", "Clean up").build(),
                    ModelReply.message("tried"));
            McpSchema.CallToolResult declined = call(dave, "codex-reply", Map.of("threadId", thread, "prompt", "clean up"));
            assertThat(text(declined)).isEqualTo("tried");
            assertThat(HostApplication.ASKED).anyMatch(q -> q.command() != null && q.command().contains("rm keep.txt"));
            assertThat(keep).hasContent("dave's");
            assertThat(model.responsesRequests().get(requests + 1).functionCallOutput("call-rm-dave")).hasValueSatisfying(o ->
                    assertThat(o).contains("rejected"));
        } finally {
            HostApplication.ASKED.removeIf(q -> q.command() != null && q.command().contains("rm keep.txt"));
        }
    }

    /**
     * The escape suite in the assembled service (decision 0048): dave, holding a valid MCP token,
     * cannot give codex a program to start, a sandbox or a folder of his choosing, and his command
     * finds nothing of erin's conversation, workspace or token, nor the callers' tokens file.
     */
    @Test
    void anMcpCallerReachesNothingOfAnotherCallersOrOfTheApplications() throws Exception {
        URI endpoint = context.getBean(McpHttpServer.class).uri();
        String erinsWords = "erin-secret-compass-" + UUID.randomUUID().toString().substring(0, 6);
        Path marker = tenants.workspace("dave").getParent().resolve("ran-" + UUID.randomUUID());
        try (McpSyncClient dave = McpCaller.client(endpoint, DAVE, null); McpSyncClient erin = McpCaller.client(endpoint, ERIN, null)) {
            McpSchema.CallToolResult program = call(dave, "codex", Map.of("prompt", "hi", "config",
                    Map.of("mcp_servers.x.command", "/bin/sh", "mcp_servers.x.args", java.util.List.of("-c", "id > " + marker))));
            McpSchema.CallToolResult wide = call(dave, "codex", Map.of("prompt", "hi", "sandbox", "danger-full-access", "cwd", "/"));
            assertThat(program.isError()).isTrue();
            assertThat(wide.isError()).isTrue();
            assertThat(text(wide)).contains("cwd, sandbox");

            model.enqueue(ModelReply.message("noted"));
            assertThat(call(erin, "codex", Map.of("prompt", "remember " + erinsWords)).isError()).isFalse();
            Path erinsFile = Files.writeString(tenants.workspace("erin").resolve("erin.txt"), erinsWords);
            String tokensFile = context.getEnvironment().getProperty("codex-bridge.mcp.tokens-file");
            Path homes = tenants.tenantDirectory("dave").getParent();
            String callId = "dave-looks-" + UUID.randomUUID();
            model.enqueue(ModelReply.builder().execCommand(callId, "echo own=dave-was-here; grep -rl " + erinsWords + " " + homes + " "
                    + tenants.workspace("erin").getParent() + " 2>/dev/null; cat " + erinsFile + " " + tokensFile + " 2>&1; true").build(),
                    ModelReply.message("done"));
            assertThat(call(dave, "codex", Map.of("prompt", "look around")).isError()).isFalse();
            String output = model.responsesRequests().stream().map(r -> r.functionCallOutput(callId)).filter(java.util.Optional::isPresent)
                    .map(java.util.Optional::get).findFirst().orElseThrow();
            assertThat(output).contains("own=dave-was-here").doesNotContain(erinsWords).doesNotContain(ERIN).doesNotContain(DAVE);
        }
        assertThat(marker).doesNotExist();
    }

    /** The same from an A2A caller: carol's command finds nothing of an MCP caller's conversation or the callers' tokens. */
    @Test
    void anA2aCallerReachesNothingOfAnotherCallersEither() throws Exception {
        URI endpoint = context.getBean(McpHttpServer.class).uri();
        String davesWords = "dave-secret-harbour-" + UUID.randomUUID().toString().substring(0, 6);
        try (McpSyncClient dave = McpCaller.client(endpoint, DAVE, null)) {
            model.enqueue(ModelReply.message("noted"));
            assertThat(call(dave, "codex", Map.of("prompt", "remember " + davesWords)).isError()).isFalse();
        }
        String tokensFile = context.getEnvironment().getProperty("codex-bridge.mcp.tokens-file");
        String callId = "carol-looks-" + UUID.randomUUID();
        model.enqueue(ModelReply.builder().execCommand(callId, "echo own=carol-was-here; grep -rl " + davesWords + " "
                + tenants.tenantDirectory("dave").getParent() + " " + tenants.workspace("dave").getParent() + " 2>/dev/null; cat "
                + tokensFile + " 2>&1; true").build(), ModelReply.message("done"));
        URI base = context.getBean(A2aServer.class).uri();
        String send = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"kind\":\"message\","
                + "\"role\":\"user\",\"messageId\":\"m-look\",\"parts\":[{\"kind\":\"text\",\"text\":\"look around\"}]}}}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(send)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(r.body()).at("/result/status/state").asText()).as(r.body()).isEqualTo("completed");
        String output = model.responsesRequests().stream().map(q -> q.functionCallOutput(callId)).filter(java.util.Optional::isPresent)
                .map(java.util.Optional::get).findFirst().orElseThrow();
        assertThat(output).contains("own=carol-was-here").doesNotContain(davesWords).doesNotContain(DAVE).doesNotContain(ERIN);
    }

    /**
     * Issue 71, item 7, at the starter's door: bob, a signed-in user of an application that answers
     * a {@link CodexException} with its kind's status and its message (as docs/embedding.md's
     * table has it), asks for frank's thread and for an id nobody started, shaped alike. The two
     * answers are the same status and body; the exceptions behind them the same class, kind and
     * message, with no cause that tells them apart.
     */
    @Test
    void anotherTenantsThreadIsAnsweredAsAnIdNobodyStarted() throws Exception {
        String franks;
        try (CodexSession frank = sessions.open("frank", b -> { })) {
            model.enqueue(ModelReply.message("hello frank"));
            assertThat(frank.runTurn(TurnInput.text("hi")).status()).isEqualTo(TurnOutcome.COMPLETED);
            franks = frank.threadId();
        }
        String nobodys = franks.substring(0, franks.length() - 12) + UUID.randomUUID().toString().substring(24);
        Throwable toFranks = catchThrowable(() -> sessions.resume("bob", franks, b -> { }));
        Throwable toNobodys = catchThrowable(() -> sessions.resume("bob", nobodys, b -> { }));
        assertThat(toFranks).isExactlyInstanceOf(CodexException.class).hasNoCause()
                .hasMessage(CodexSessions.THREAD_NOT_FOUND);
        assertThat(toNobodys).isExactlyInstanceOf(CodexException.class).hasNoCause()
                .hasMessage(CodexSessions.THREAD_NOT_FOUND);
        assertThat(((CodexException) toFranks).kind()).isEqualTo(FailureKind.UNKNOWN_THREAD)
                .isEqualTo(((CodexException) toNobodys).kind());

        MockMvc web = MockMvcBuilders
                .standaloneSetup(new Threads(sessions)).build();
        List<String> answers = new ArrayList<>();
        for (String id : List.of(franks, nobodys)) {
            MockHttpServletResponse r = web.perform(get("/threads/{id}", id).header("X-User", "bob")).andReturn().getResponse();
            answers.add(r.getStatus() + " " + r.getContentAsString().replace(id, "<id>"));
        }
        assertThat(answers.get(0)).as("bob's answer for frank's thread, and for an id nobody started").isEqualTo(answers.get(1))
                .isEqualTo("404 " + CodexSessions.THREAD_NOT_FOUND);
        try (CodexSession again = sessions.resume("frank", franks, b -> { })) {
            assertThat(again.threadId()).as("its own tenant still resumes it").isEqualTo(franks);
        }
    }

    /** A web layer as an application writes it: the signed-in user resumes a thread; a refusal is its kind's status and message. */
    @RestController
    static final class Threads {
        private final CodexSessions sessions;

        Threads(CodexSessions sessions) {
            this.sessions = sessions;
        }

        @GetMapping("/threads/{id}")
        String resume(@PathVariable("id") String id,
                @RequestHeader("X-User") String user) {
            try (CodexSession s = sessions.resume(user, id, b -> { })) {
                return s.threadId();
            }
        }

        @ExceptionHandler(CodexException.class)
        ResponseEntity<String> refused(CodexException e) {
            return ResponseEntity.status(e.kind().httpStatus()).body(e.getMessage());
        }
    }

    /** The tenant's codex app-server: this JVM's descendant running codex's binary under the bubblewrap that binds that tenant's home. */
    private ProcessHandle tenantCodex(String tenant) {
        String home = tenants.tenantDirectory(tenant).toString();
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/codex")).orElse(false))
                .filter(p -> underBubblewrapOf(p, home)).findFirst()
                .orElseThrow(() -> new AssertionError("no codex process for tenant " + tenant));
    }

    /** The process this JVM started on the way to {@code p}: the tenant's bubblewrap. */
    private static ProcessHandle launchedByThisJvm(ProcessHandle p) {
        long self = ProcessHandle.current().pid();
        ProcessHandle at = p;
        while (true) {
            ProcessHandle parent = at.parent().orElseThrow(() -> new AssertionError(p + " is not a descendant of this JVM"));
            if (parent.pid() == self) {
                return at;
            }
            at = parent;
        }
    }

    /** The app-server itself: bubblewrap's child (bubblewrap may fork once inside the namespace), not a command codex runs. */
    private static boolean underBubblewrapOf(ProcessHandle p, String home) {
        ProcessHandle parent = p.parent().orElse(null);
        if (parent == null || !parent.info().command().orElse("").endsWith("bwrap")) {
            return false;
        }
        for (ProcessHandle h = parent; h != null && h.info().command().orElse("").endsWith("bwrap"); h = h.parent().orElse(null)) {
            if (h.info().arguments().map(a -> String.join(" ", a)).orElse("").contains(home)) {
                return true;
            }
        }
        return false;
    }
}
