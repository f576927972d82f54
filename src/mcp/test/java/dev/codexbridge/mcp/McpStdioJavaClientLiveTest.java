package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server as a host starts it, a process speaking MCP on stdio, with the real codex: the MCP
 * Java SDK's client lists the tools, holds a conversation over codex and codex-reply, answers an
 * approval by elicitation (approved runs, declined does not); a client's
 * {@code notifications/cancelled} stops codex's turn.
 */
class McpStdioJavaClientLiveTest {
    private Path dir;
    private Path work;
    private Path wireReport;
    private ScriptedModelServer model;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("mcp-stdio");
        work = Files.createDirectories(dir.resolve("work"));
        wireReport = dir.resolve("wire-report.txt");
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) {
            return;   // skipped before anything started
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            LiveMcp.closeQuietly(open.get(i));
        }
        LiveMcp.closeQuietly(model);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(wireReport));
            // the SDK's close does not wait for the server process, which writes its report again as it ends
            for (ProcessHandle server : ProcessHandle.current().children()
                    .filter(p -> p.info().arguments().map(a -> List.of(a).contains(wireReport.toString())).orElse(false)).toList()) {
                server.onExit().get(90, TimeUnit.SECONDS);
            }
            assertThat(Files.readString(wireReport)).as("every message the server process sent to codex matches its schema").isEmpty();
        } finally {
            TestDirs.delete(dir);
        }
    }

    private List<String> command(boolean callerApprovals, String... allow) throws Exception {
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).askForApproval("on-request")
                .sandboxMode("read-only").write();
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.schemaDir=" + System.getProperty("codexbridge.schemaDir", "target/codex-schema"),
                StdioServerMain.class.getName(), new CodexLocator().locate(null).binary().toString(), home.toString(), work.toString(),
                String.valueOf(callerApprovals), wireReport.toString()));
        if (allow.length > 0) {
            command.add(String.join(",", allow));
        }
        return command;
    }

    @Test
    void theJavaSdkClientHoldsAConversationAndAnswersApprovals() throws Exception {
        List<String> cmd = command(true);
        StdioClientTransport transport = new StdioClientTransport(ServerParameters.builder(cmd.get(0)).args(cmd.subList(1, cmd.size())).build(),
                McpJsonDefaults.getMapper());
        List<McpSchema.ElicitFormRequest> asked = new CopyOnWriteArrayList<>();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(120))
                // the server is a JVM of its own: on a machine other work holds it starts slower than the SDK's 20 s
                .initializationTimeout(Duration.ofSeconds(120)).jsonSchemaValidator(new OutputSchemaCheck())
                .capabilities(McpSchema.ClientCapabilities.builder().elicitation().build())
                .elicitation(r -> {
                    asked.add(r);
                    return new McpSchema.ElicitResult(r.message().contains("yes-marker") ? McpSchema.ElicitResult.Action.ACCEPT
                            : McpSchema.ElicitResult.Action.DECLINE, Map.of());
                }).build();
        open.add(client::close);
        client.initialize();
        assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).contains("codex", "codex-reply");

        model.enqueue(ModelReply.builder().execCommandEscalated("call-yes", "touch yes-marker", "Needs approval").build(),
                ModelReply.message("First, done."),
                ModelReply.builder().execCommandEscalated("call-no", "touch no-marker", "Needs approval").build(),
                ModelReply.message("Second, declined."));
        McpSchema.CallToolResult first = LiveMcp.call(client, "codex", Map.of("prompt", "make yes"), null);
        assertThat(LiveMcp.text(first)).isEqualTo("First, done.");
        String thread = LiveMcp.threadId(first);
        McpSchema.CallToolResult second = LiveMcp.call(client, "codex-reply", Map.of("threadId", thread, "prompt", "make no"), null);
        assertThat(LiveMcp.text(second)).isEqualTo("Second, declined.");
        assertThat(LiveMcp.threadId(second)).isEqualTo(thread);
        assertThat(asked).hasSize(2);
        assertThat(work.resolve("yes-marker")).exists();
        assertThat(work.resolve("no-marker")).doesNotExist();
        assertThat(model.responsesRequests().get(2).userTexts()).anySatisfy(t -> assertThat(t).contains("make yes"));
        assertThat(model.responsesRequests().get(3).functionCallOutput("call-no")).hasValueSatisfying(o -> assertThat(o).contains("rejected"));
    }

    @Test
    void aCancelledCallInterruptsCodexsTurn() throws Exception {
        Process p = new ProcessBuilder(command(false, "sleep")).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        open.add(() -> {
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        });
        OutputStream in = p.getOutputStream();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        send(in, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        assertThat(read(out, 1).path("result").path("serverInfo").path("name").asText()).isEqualTo("codex-bridge-mcp");
        send(in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        // the host allows sleep: codex runs it, and the cancel comes while it runs
        // far longer than the cancel takes on a loaded machine: the bound below stays generous
        model.enqueue(ModelReply.builder().execCommandEscalated("call-wait", "sleep 300", "Needs approval").build());
        send(in, "{\"jsonrpc\":\"2.0\",\"id\":\"call-7\",\"method\":\"tools/call\",\"params\":{\"name\":\"codex\",\"arguments\":{\"prompt\":\"wait\"}}}");
        model.awaitResponsesRequests(1, Duration.ofSeconds(60));
        Thread.sleep(1000);
        long start = System.nanoTime();
        send(in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"call-7\",\"reason\":\"user stop\"}}");
        JsonNode result = read(out, "call-7").path("result");
        assertThat(result.path("isError").asBoolean()).isTrue();
        assertThat(result.at("/content/0/text").asText()).startsWith("codex's turn was interrupted");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the 300 s command did not run to its end").isLessThan(Duration.ofSeconds(150));
        assertThat(model.responsesRequests()).as("codex never went back to the model with the command's output").hasSize(1);
        // codex's own record of the turn, read through the transcript's source, the thread
        String thread = result.at("/structuredContent/threadId").asText();
        send(in, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"codex-transcript\",\"arguments\":{\"threadId\":\""
                + thread + "\"}}}");
        JsonNode transcript = read(out, 9).path("result");
        assertThat(transcript.at("/structuredContent/turns/0/status").asText()).as(transcript.toString()).isEqualTo("interrupted");
    }

    private static void send(OutputStream in, String line) throws Exception {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    private static JsonNode read(BufferedReader out, Object id) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            String line = out.readLine();
            assertThat(line).as("the server's stdout ended").isNotNull();
            JsonNode m = Json.parse(line);
            if (m.has("id") && m.get("id").asText().equals(String.valueOf(id)) && !m.has("method")) {
                return m;
            }
        }
        throw new AssertionError("no answer to " + id);
    }
}
