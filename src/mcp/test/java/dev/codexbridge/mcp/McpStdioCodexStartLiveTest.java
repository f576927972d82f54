package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stdio server answers the MCP handshake without waiting for codex (decision 0110): with
 * codex's launch held, {@code initialize} and {@code tools/list} are answered, and a call made
 * then is answered by codex once it is up; a codex that cannot start is a tool error saying why,
 * on every call, and the server goes on answering. The server is a process of its own
 * ({@link StdioServerMain}, started as a host starts {@code codex-bridge mcp}); codex is reached
 * through a script standing in for its binary.
 */
class McpStdioCodexStartLiveTest {
    /** A correctness bound, not a pace: an answer that never comes fails the test instead of hanging it. */
    private static final Duration ANSWER = Duration.ofSeconds(90);

    private Path dir;
    private Path work;
    private ScriptedModelServer model;
    private Process server;
    private OutputStream in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private Path release;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("mcp-codex-start");
        work = Files.createDirectories(dir.resolve("work"));
        release = dir.resolve("release");
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) {
            return;   // skipped before anything started
        }
        try {
            if (!Files.exists(release)) {
                Files.createFile(release);   // a held launch goes on, so the server's start ends and it can stop
            }
            if (server != null) {
                in.close();
                if (!server.waitFor(60, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
            LiveMcp.closeQuietly(model);
        } finally {
            TestDirs.delete(dir);
        }
    }

    @Test
    void theHandshakeIsAnsweredWhileCodexsLaunchIsHeldAndACallMadeThenIsAnsweredOnceCodexIsUp() throws Exception {
        Path codex = new CodexLocator().locate(null).binary();
        Path launched = dir.resolve("launched");
        // codex's binary, held until the test creates `release`: nothing of codex runs before then
        Path held = script("held-codex", "touch '" + launched + "'\nwhile [ ! -e '" + release + "' ]; do sleep 0.05; done\nexec '"
                + codex + "' \"$@\"\n");
        Path report = start(held);

        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        JsonNode init = answer(1);
        assertThat(init.at("/result/serverInfo/name").asText()).as(init.toString()).isEqualTo("codex-bridge-mcp");
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        assertThat(answer(2).at("/result/tools").findValuesAsText("name")).contains("codex", "codex-reply");

        model.enqueue(ModelReply.message("Up now."));
        send("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"codex\",\"arguments\":{\"prompt\":\"hello\"}}}");
        // the server is starting codex, held: the call was made before codex could answer anything
        Awaitility.await().atMost(ANSWER).until(() -> Files.exists(launched));
        Files.createFile(release);
        JsonNode call = answer(3).path("result");
        assertThat(call.path("isError").asBoolean()).as(call.toString()).isFalse();
        assertThat(call.at("/content/0/text").asText()).isEqualTo("Up now.");
        assertThat(model.responsesRequests()).anySatisfy(r -> assertThat(r.userTexts()).anySatisfy(t -> assertThat(t).contains("hello")));

        in.close();
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server ends with its stdin").isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(report));
        assertThat(Files.readString(report)).as("every message the server process sent to codex matches its schema").isEmpty();
    }

    @Test
    void aCodexThatCannotStartIsAToolErrorSayingWhyOnEveryCall() throws Exception {
        Path broken = script("broken-codex", "echo 'cannot start here: no such sandbox' >&2\nexit 3\n");
        start(broken);

        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
        assertThat(answer(1).at("/result/serverInfo/name").asText()).isEqualTo("codex-bridge-mcp");
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"codex\",\"arguments\":{\"prompt\":\"hello\"}}}");
        JsonNode first = answer(2);
        assertThat(first.has("error")).as("a tool error, not a protocol error: %s", first).isFalse();
        assertThat(first.at("/result/isError").asBoolean()).isTrue();
        assertThat(first.at("/result/content/0/text").asText()).startsWith("codex did not start; nothing was run")
                .contains("cannot start here: no such sandbox");
        // a reply is told the same, not that its conversation does not exist
        send("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"codex-reply\",\"arguments\":{\"prompt\":\"again\","
                + "\"threadId\":\"019a0000-0000-7000-8000-000000000000\"}}}");
        JsonNode reply = answer(3);
        assertThat(reply.at("/result/isError").asBoolean()).as(reply.toString()).isTrue();
        assertThat(reply.at("/result/content/0/text").asText()).startsWith("codex did not start; nothing was run")
                .contains("cannot start here: no such sandbox");
        send("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}");
        assertThat(answer(4).has("result")).as("the server still serves").isTrue();
        assertThat(model.responsesRequests()).isEmpty();
    }

    /** An executable shell script standing in for codex's binary. */
    private Path script(String name, String body) throws IOException {
        Path s = dir.resolve(name);
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    /** Starts the server on {@code codexBin}; its stdout's lines are queued as they come. Returns where its wire report goes. */
    private Path start(Path codexBin) throws Exception {
        Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).write();
        Path report = dir.resolve("wire-report.txt");
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.schemaDir=" + System.getProperty("codexbridge.schemaDir", "target/codex-schema"),
                StdioServerMain.class.getName(), codexBin.toString(), home.toString(), work.toString(), "false", report.toString()));
        server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = server.getOutputStream();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the server's stdout closed: no more answers
            }
        }, "mcp-stdout");
        reader.setDaemon(true);
        reader.start();
        return report;
    }

    private void send(String line) throws IOException {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** The answer to request {@code id}; the server's requests and notifications before it are skipped. */
    private JsonNode answer(int id) throws InterruptedException {
        long end = System.nanoTime() + ANSWER.toNanos();
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            String line = lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                break;
            }
            JsonNode m = Json.parse(line);
            if (m.path("id").asInt(-1) == id && !m.has("method")) {
                return m;
            }
        }
        throw new AssertionError("no answer to request " + id + " (the server is " + (server.isAlive() ? "running" : "gone") + ")");
    }
}
