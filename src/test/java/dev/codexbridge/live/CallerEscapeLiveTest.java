package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The escape suite (issue "a remote caller is never the host"): the documented quick starts,
 * {@code codex-bridge mcp --http 0 --tokens FILE} and {@code codex-bridge a2a --tokens FILE}, with
 * nothing else set but a codex home on the scripted model, attacked by alice, who holds a valid
 * token. Every attempt has an observable marker — a file written outside, a loopback listener
 * hearing a request, bob's words, bob's token or the host's key in a command's output as codex
 * recorded it for the model — and nothing reaches it. Each exfiltration command also prints a
 * marker of alice's own, so a command that did not run cannot pass for a refused read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallerEscapeLiveTest {
    private static final String HOST_KEY = "sk-host-key-marker-9f2c";
    private static final String HOST_TOKEN = "host-service-token-marker-41d7";
    private static final String ALICE_TOKEN = "alice-token-0123456789abcdef";
    private static final String BOB_TOKEN = "bob-token-fedcba9876543210";
    private static final String BOB_WORDS = "bob-secret-lantern-7c31";

    private ScriptedModelServer model;
    private Path dir;
    private Path tokens;
    private Path hostHome;
    private Process mcp;
    private URI mcpUri;
    private Path mcpTenants;

    @BeforeAll
    void start() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        dir = TestDirs.create("caller-escape");
        tokens = Files.writeString(dir.resolve("tokens"), "alice " + ALICE_TOKEN + "\nbob " + BOB_TOKEN + "\n");
        hostHome = IsolatedCodexHome.builder(dir.resolve("host-codex-home"), model.baseUrl()).askForApproval("on-request")
                .sandboxMode("read-only").write();
        Files.writeString(hostHome.resolve("auth.json"), "{\"OPENAI_API_KEY\":\"" + HOST_KEY + "\"}");
        mcpTenants = dir.resolve("mcp-tenants");
        mcp = cli(List.of("mcp", "--http", "0", "--tokens", tokens.toString(), "--codex-home", hostHome.toString(),
                "--tenants-root", mcpTenants.toString()));
        mcpUri = address(mcp, "at (http://\\S+/mcp)");
    }

    @AfterAll
    void stop() throws Exception {
        if (mcp != null) {
            mcp.destroy();
            mcp.waitFor(30, TimeUnit.SECONDS);
        }
        if (model != null) {
            model.close();
        }
        TestDirs.delete(dir);
    }

    /** Row 1: a config that starts a program (an MCP server, notify) is refused, and the program never runs. */
    @Test
    void configThatStartsAProgramIsRefusedAndNothingRuns() throws Exception {
        Path marker = dir.resolve("ran-" + UUID.randomUUID());
        try (McpSyncClient alice = mcpClient(ALICE_TOKEN)) {
            McpSchema.CallToolResult viaServer = call(alice, "codex", Map.of("prompt", "hi", "config",
                    Map.of("mcp_servers.x.command", "/bin/sh", "mcp_servers.x.args", List.of("-c", "id > " + marker))));
            McpSchema.CallToolResult viaNotify = call(alice, "codex", Map.of("prompt", "hi", "config",
                    Map.of("notify", List.of("/bin/sh", "-c", "id > " + marker))));
            assertThat(viaServer.isError()).isTrue();
            assertThat(text(viaServer)).contains("does not let callers set config");
            assertThat(viaNotify.isError()).isTrue();
        }
        assertThat(marker).doesNotExist();
    }

    /** Rows 2 and 4: a wider sandbox or a folder outside the caller's own is refused, naming the setting. */
    @Test
    void aSandboxOrFolderOfTheCallersChoosingIsRefused() {
        try (McpSyncClient alice = mcpClient(ALICE_TOKEN)) {
            McpSchema.CallToolResult sandbox = call(alice, "codex", Map.of("prompt", "touch /outside", "sandbox", "danger-full-access"));
            McpSchema.CallToolResult approval = call(alice, "codex", Map.of("prompt", "hi", "approval-policy", "never"));
            McpSchema.CallToolResult cwd = call(alice, "codex", Map.of("prompt", "hi", "cwd", "../../../../etc"));
            for (McpSchema.CallToolResult r : List.of(sandbox, approval, cwd)) {
                assertThat(r.isError()).isTrue();
                assertThat(text(r)).startsWith("this server does not let callers set ");
            }
            assertThat(text(sandbox)).contains("sandbox");
            assertThat(text(cwd)).contains("cwd");
        }
    }

    /** Row 3: a model provider at the caller's listener never hears the host's key (nor anything). */
    @Test
    void aModelProviderOfTheCallersChoosingIsRefusedAndHearsNothing() throws Exception {
        try (ServerSocket listener = new ServerSocket(0); McpSyncClient alice = mcpClient(ALICE_TOKEN)) {
            String url = "http://127.0.0.1:" + listener.getLocalPort() + "/v1";
            McpSchema.CallToolResult r = call(alice, "codex", Map.of("prompt", "hi", "config", Map.of(
                    "model_provider", "evil", "model_providers.evil.base_url", url, "model_providers.evil.env_key", "OPENAI_API_KEY",
                    "model_providers.evil.name", "evil")));
            assertThat(r.isError()).isTrue();
            listener.setSoTimeout(1500);
            boolean heard;
            try (var ignored = listener.accept()) {
                heard = true;
            } catch (SocketTimeoutException e) {
                heard = false;
            }
            assertThat(heard).as("the caller's listener heard a request").isFalse();
        }
    }

    /**
     * Row 6 over MCP: alice's command greps for bob's conversation, lists the tenants, reads the
     * tokens file and the host's codex home, and prints the host's credentials: nothing of bob's or
     * the host's comes back; alice's own marker does.
     */
    @Test
    void aCallersCommandReachesNothingOfAnotherCallersOrOfTheHosts() throws Exception {
        try (McpSyncClient bob = mcpClient(BOB_TOKEN)) {
            model.enqueue(ModelReply.message("noted"));
            assertThat(call(bob, "codex", Map.of("prompt", "remember " + BOB_WORDS)).isError()).isFalse();
        }
        String output;
        try (McpSyncClient alice = mcpClient(ALICE_TOKEN)) {
            String callId = "escape-" + UUID.randomUUID();
            model.enqueue(ModelReply.builder().execCommand(callId, exfiltration(mcpTenants)).build(), ModelReply.message("done"));
            McpSchema.CallToolResult r = call(alice, "codex", Map.of("prompt", "look around"));
            assertThat(r.isError()).as(text(r)).isFalse();
            output = commandOutput(callId);
        }
        assertNothingEscaped(output);
    }

    /** Row 7: bob naming alice's thread gets the very answer a random id gets. */
    @Test
    void anotherCallersThreadIsAnsweredAsOneThatDoesNotExist() throws Exception {
        String aliceThread;
        try (McpSyncClient alice = mcpClient(ALICE_TOKEN)) {
            model.enqueue(ModelReply.message("hello alice"));
            McpSchema.CallToolResult r = call(alice, "codex", Map.of("prompt", "hello"));
            @SuppressWarnings("unchecked")
            String id = (String) ((Map<String, Object>) r.structuredContent()).get("threadId");
            aliceThread = id;
        }
        int before = model.responsesRequests().size();
        try (McpSyncClient bob = mcpClient(BOB_TOKEN)) {
            String random = UUID.randomUUID().toString();
            for (String tool : List.of("codex-reply", "codex-transcript")) {
                Map<String, Object> theirs = new LinkedHashMap<>(Map.of("threadId", aliceThread));
                Map<String, Object> none = new LinkedHashMap<>(Map.of("threadId", random));
                if (tool.equals("codex-reply")) {
                    theirs.put("prompt", "what did alice say?");
                    none.put("prompt", "what did alice say?");
                }
                McpSchema.CallToolResult a = call(bob, tool, theirs);
                McpSchema.CallToolResult b = call(bob, tool, none);
                assertThat(a.isError()).isTrue();
                assertThat(text(a).replace(aliceThread, "ID")).isEqualTo(text(b).replace(random, "ID"));
            }
        }
        assertThat(model.responsesRequests()).as("no turn of bob's reached the model").hasSize(before);
    }

    /**
     * Row 7 where callers share one codex by choice ({@code --shared-codex}): after a restart (the
     * conversations no longer held), bob naming alice's thread gets a random id's answer and nothing
     * reaches the model, while alice continues hers with its history.
     */
    @Test
    void inOneSharedCodexAThreadStaysItsOwnersAcrossARestart() throws Exception {
        Path sharedHome = IsolatedCodexHome.builder(dir.resolve("shared-home"), model.baseUrl()).askForApproval("on-request")
                .sandboxMode("read-only").write();
        List<String> args = List.of("mcp", "--http", "0", "--tokens", tokens.toString(), "--codex-home", sharedHome.toString(),
                "--shared-codex", "--workspace", Files.createDirectories(dir.resolve("shared-work")).toString());
        String aliceThread;
        Process first = cli(args);
        try {
            URI uri = address(first, "at (http://\\S+/mcp)");
            try (McpSyncClient alice = mcpClient(uri, ALICE_TOKEN)) {
                model.enqueue(ModelReply.message("noted"));
                McpSchema.CallToolResult r = call(alice, "codex", Map.of("prompt", "remember " + BOB_WORDS.replace("bob", "alice")));
                @SuppressWarnings("unchecked")
                String id = (String) ((Map<String, Object>) r.structuredContent()).get("threadId");
                aliceThread = id;
            }
        } finally {
            first.destroy();
            first.waitFor(30, TimeUnit.SECONDS);
        }
        Process second = cli(args);
        try {
            URI uri = address(second, "at (http://\\S+/mcp)");
            int before = model.responsesRequests().size();
            try (McpSyncClient bob = mcpClient(uri, BOB_TOKEN)) {
                String random = UUID.randomUUID().toString();
                McpSchema.CallToolResult theirs = call(bob, "codex-transcript", Map.of("threadId", aliceThread));
                McpSchema.CallToolResult none = call(bob, "codex-transcript", Map.of("threadId", random));
                assertThat(theirs.isError()).isTrue();
                assertThat(text(theirs).replace(aliceThread, "ID")).isEqualTo(text(none).replace(random, "ID"));
                assertThat(call(bob, "codex-reply", Map.of("threadId", aliceThread, "prompt", "what did she say?")).isError()).isTrue();
            }
            assertThat(model.responsesRequests()).as("nothing of bob's reached the model").hasSize(before);
            try (McpSyncClient alice = mcpClient(uri, ALICE_TOKEN)) {
                model.enqueue(ModelReply.message("still here"));
                McpSchema.CallToolResult again = call(alice, "codex-reply", Map.of("threadId", aliceThread, "prompt", "and now?"));
                assertThat(again.isError()).as(text(again)).isFalse();
                assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                        .anySatisfy(t -> assertThat(t).contains("alice-secret-lantern"));
            }
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Row 6 where callers share one codex by choice: what they share is the codex home and the
     * workspace (documented), but the callers' tokens file and the record of who owns which thread
     * are empty in the shared codex's namespace, so alice's command reads neither bob's token nor
     * which threads are bob's.
     */
    @Test
    void inOneSharedCodexACallersCommandFindsNoTokensAndNoOwnersRecord() throws Exception {
        Path sharedHome = IsolatedCodexHome.builder(dir.resolve("shared-home-2"), model.baseUrl()).askForApproval("on-request")
                .sandboxMode("read-only").write();
        Path owners = dir.resolve("xdg/codex-bridge/mcp-thread-owners");
        Process shared = cli(List.of("mcp", "--http", "0", "--tokens", tokens.toString(), "--codex-home", sharedHome.toString(),
                "--shared-codex", "--workspace", Files.createDirectories(dir.resolve("shared-work-2")).toString()));
        try {
            URI uri = address(shared, "at (http://\\S+/mcp)");
            String bobThread;
            try (McpSyncClient bob = mcpClient(uri, BOB_TOKEN)) {
                model.enqueue(ModelReply.message("noted"));
                McpSchema.CallToolResult r = call(bob, "codex", Map.of("prompt", "hello"));
                @SuppressWarnings("unchecked")
                String id = (String) ((Map<String, Object>) r.structuredContent()).get("threadId");
                bobThread = id;
            }
            try (var listed = Files.list(owners)) {
                assertThat(listed.map(p -> p.getFileName().toString())).as("the host's record names bob's thread")
                        .anySatisfy(name -> assertThat(name).contains(bobThread));
            }
            String output;
            try (McpSyncClient alice = mcpClient(uri, ALICE_TOKEN)) {
                String callId = "shared-escape-" + UUID.randomUUID();
                model.enqueue(ModelReply.builder().execCommand(callId, "echo own=alice-was-here; cat " + tokens + " 2>&1; ls -la "
                        + owners + " 2>&1; grep -r . " + owners + " 2>&1 | head -5; true").build(), ModelReply.message("done"));
                McpSchema.CallToolResult r = call(alice, "codex", Map.of("prompt", "look around"));
                assertThat(r.isError()).as(text(r)).isFalse();
                output = commandOutput(callId);
            }
            assertThat(output).contains("own=alice-was-here").doesNotContain(BOB_TOKEN).doesNotContain(ALICE_TOKEN)
                    .doesNotContain(bobThread).doesNotContain("bob");
        } finally {
            shared.destroy();
            shared.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Row 6 over A2A: the same command from alice's A2A message finds nothing of bob's or the host's. */
    @Test
    void overA2aToo() throws Exception {
        Path tenants = dir.resolve("a2a-tenants");
        Process a2a = cli(List.of("a2a", "--listen", "127.0.0.1:0", "--tokens", tokens.toString(), "--codex-home", hostHome.toString(),
                "--tenants-root", tenants.toString()));
        try {
            URI uri = address(a2a, "A2A agent at (http://\\S+/) ");
            HttpClient http = HttpClient.newHttpClient();
            // row 5 for A2A: a page on another origin, with a valid token or not, is refused before anything runs
            for (String origin : List.of("http://evil.example", "null")) {
                HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + ALICE_TOKEN)
                        .header("Origin", origin).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/get\",\"params\":{\"id\":\"x\"}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(foreign.statusCode()).as(origin).isEqualTo(403);
            }
            model.enqueue(ModelReply.message("noted"));
            assertThat(send(http, uri, BOB_TOKEN, "remember " + BOB_WORDS).at("/status/state").asText()).isEqualTo("completed");
            String callId = "a2a-escape-" + UUID.randomUUID();
            model.enqueue(ModelReply.builder().execCommand(callId, exfiltration(tenants)).build(), ModelReply.message("done"));
            assertThat(send(http, uri, ALICE_TOKEN, "look around").at("/status/state").asText()).isEqualTo("completed");
            assertNothingEscaped(commandOutput(callId));
        } finally {
            a2a.destroy();
            a2a.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Rows 5 – 7 over OpenAI's API ({@code codex-bridge openai}), driven by openai-java: a page on
     * another origin is refused with alice's valid key, bob's response id is alice's unknown one (to
     * read and to continue), a tool named as codex's own is refused, and alice's command — sent with
     * a model name, instructions and metadata that ask for another sandbox — finds nothing of bob's
     * or the host's, while the model codex asks stays the host's.
     */
    @Test
    void overOpenAisApiToo() throws Exception {
        Path tenants = dir.resolve("openai-tenants");
        Process door = cli(List.of("openai", "--listen", "127.0.0.1:0", "--tokens", tokens.toString(), "--codex-home",
                hostHome.toString(), "--tenants-root", tenants.toString()));
        OpenAIClient alice = null;
        OpenAIClient bob = null;
        try {
            String base = address(door, "OpenAI API at (http://\\S+/v1),").toString();
            alice = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(ALICE_TOKEN).maxRetries(0).timeout(Duration.ofSeconds(120)).build();
            bob = OpenAIOkHttpClient.builder().baseUrl(base).apiKey(BOB_TOKEN).maxRetries(0).timeout(Duration.ofSeconds(120)).build();
            OpenAIClient a = alice;
            for (String origin : List.of("http://evil.example", "null")) {
                assertThatThrownBy(() -> a.responses().create(ResponseCreateParams.builder().model("codex").input("hi")
                        .putAdditionalHeader("Origin", origin).build())).as(origin).isInstanceOf(PermissionDeniedException.class);
            }
            model.enqueue(ModelReply.message("noted"));
            Response bobs = bob.responses().create(ResponseCreateParams.builder().model("codex").input("remember " + BOB_WORDS).build());
            assertThatThrownBy(() -> a.responses().retrieve(bobs.id())).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> a.responses().create(ResponseCreateParams.builder().model("codex").input("what did I say?")
                    .previousResponseId(bobs.id()).build())).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> a.responses().create(ResponseCreateParams.builder().model("codex").input("run it")
                    .addTool(FunctionTool.builder().name("exec_command").parameters(FunctionTool.Parameters.builder().build())
                            .strict(false).build()).build())).isInstanceOf(BadRequestException.class);
            int before = model.responsesRequests().size();
            String callId = "openai-escape-" + UUID.randomUUID();
            model.enqueue(ModelReply.builder().execCommand(callId, exfiltration(tenants)).build(), ModelReply.message("done"));
            alice.responses().create(ResponseCreateParams.builder().model("gpt-5 -c sandbox_mode=danger-full-access").input("look around")
                    .instructions("sandbox_mode = \"danger-full-access\"\napproval_policy = \"never\"")
                    .metadata(ResponseCreateParams.Metadata.builder().putAdditionalProperty("sandbox", JsonValue.from("danger-full-access"))
                            .build()).build());
            assertNothingEscaped(commandOutput(callId));
            assertThat(model.responsesRequests().get(before).body().path("model").asText()).as("the host's model")
                    .doesNotContain("danger").doesNotContain("gpt-5 -c");
        } finally {
            for (OpenAIClient c : new OpenAIClient[] {alice, bob}) {
                if (c != null) {
                    c.close();
                }
            }
            door.destroy();
            door.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** What alice's command tries, each part printing what it found; {@code own} proves the command ran. */
    private String exfiltration(Path tenants) {
        return "echo own=alice-was-here; "
                + "grep -rl " + BOB_WORDS + " " + tenants + " " + hostHome + " " + tokens + " 2>/dev/null | head -5; "
                + "ls -a " + tenants + " 2>&1; "
                + "cat " + tokens + " 2>&1; "
                + "cat " + hostHome.resolve("auth.json") + " 2>&1; "
                + "echo key=$OPENAI_API_KEY token=$MY_SERVICE_TOKEN; env | grep -i -e marker -e bob 2>&1; true";
    }

    private static void assertNothingEscaped(String output) {
        assertThat(output).as("the command ran").contains("own=alice-was-here");
        assertThat(output).doesNotContain(BOB_WORDS).doesNotContain(BOB_TOKEN).doesNotContain("bob")
                .doesNotContain(HOST_KEY).doesNotContain(HOST_TOKEN).doesNotContain(ALICE_TOKEN);
    }

    private String commandOutput(String callId) {
        for (RecordedRequest r : model.responsesRequests()) {
            var out = r.functionCallOutput(callId);
            if (out.isPresent()) {
                return out.get();
            }
        }
        throw new AssertionError("codex sent no output of " + callId + " to the model");
    }

    private Process cli(List<String> args) throws Exception {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OPENAI_API_KEY", HOST_KEY);
        pb.environment().put("MY_SERVICE_TOKEN", HOST_TOKEN);
        pb.environment().put("XDG_DATA_HOME", dir.resolve("xdg").toString());
        return pb.start();
    }

    /** The address the command prints on stderr once it listens; stderr is drained after that. */
    private static URI address(Process p, String pattern) throws Exception {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = err.readLine()) != null; ) {
            lines.add(line);
            Matcher m = Pattern.compile(pattern).matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> err.lines().forEach(l -> { }), "escape-stderr");
                drain.setDaemon(true);
                drain.start();
                return URI.create(m.group(1));
            }
        }
        throw new AssertionError("the command did not start:\n" + String.join("\n", lines));
    }

    private McpSyncClient mcpClient(String token) {
        return mcpClient(mcpUri, token);
    }

    private static McpSyncClient mcpClient(URI endpoint, String token) {
        HttpClientStreamableHttpTransport t = HttpClientStreamableHttpTransport.builder(endpoint.resolve("/").toString()).endpoint("/mcp")
                .httpRequestCustomizer((builder, method, uri, body, context) -> builder.header("Authorization", "Bearer " + token))
                .build();
        McpSyncClient client = McpClient.sync(t).requestTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck())
                .clientInfo(new McpSchema.Implementation("escape-suite", "1")).build();
        client.initialize();
        return client;
    }

    private static McpSchema.CallToolResult call(McpSyncClient client, String tool, Map<String, Object> args) {
        return client.callTool(McpSchema.CallToolRequest.builder().name(tool).arguments(args).build());
    }

    private static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    private static JsonNode send(HttpClient http, URI uri, String token, String text) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"message\":{\"role\":\"user\",\"messageId\":\""
                + UUID.randomUUID() + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"" + text + "\"}]},\"configuration\":{\"blocking\":true}}}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.parse(r.body()).path("result");
    }
}
