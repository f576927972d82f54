package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.mcp.OutputSchemaCheck;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codex-bridge mcp --offline-demo} started the way an MCP host starts a stdio server, driven
 * by the MCP Java SDK's client: it lists the tools, answers, and continues the conversation; a
 * command the host's policy does not allow is declined without asking (no --caller-approvals). The
 * handshake is answered while codex's launch is held, and a codex that cannot start is a tool
 * error saying why.
 * Elicitation is tested in modules/mcp: this suite's class path has jackson-databind 3.2, with
 * which the MCP SDK 2.1 cannot write an elicitation request (docs/mcp.md, "Known limits").
 */
class McpCommandLiveTest {
    @TempDir
    Path tmp;

    @Test
    void theOfflineDemoAnswersOnStdioAndDeclinesWhatTheHostDoesNotAllow() throws Exception {
        LiveCodex.binary();
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"),
                "dev.codexbridge.cli.Main", "mcp", "--offline-demo", "--workspace", tmp.toString()));
        StdioClientTransport transport = new StdioClientTransport(ServerParameters.builder(command.get(0))
                .args(command.subList(1, command.size())).build(), McpJsonDefaults.getMapper());
        try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(120)).initializationTimeout(Duration.ofSeconds(90))
                .jsonSchemaValidator(new OutputSchemaCheck()).build()) {
            client.initialize();
            assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).contains("codex", "codex-reply");
            McpSchema.CallToolResult hello = client.callTool(McpSchema.CallToolRequest.builder().name("codex")
                    .arguments(Map.of("prompt", "hello")).build());
            assertThat(((McpSchema.TextContent) hello.content().get(0)).text()).isEqualTo("Offline demo (scripted model): you said \"hello\".");
            @SuppressWarnings("unchecked")
            String thread = (String) ((Map<String, Object>) hello.structuredContent()).get("threadId");
            McpSchema.CallToolResult ran = client.callTool(McpSchema.CallToolRequest.builder().name("codex-reply")
                    .arguments(Map.of("threadId", thread, "prompt", "run something")).build());
            assertThat(((McpSchema.TextContent) ran.content().get(0)).text()).startsWith("Ran it. Output: ").contains("rejected");
            assertThat(((Map<?, ?>) ran.structuredContent()).get("threadId")).isEqualTo(thread);
        }
    }

    /**
     * The handshake waits for nothing of codex's (decision 0110): with codex's launch held, the
     * Java SDK's client initializes within its own bound and lists the tools; once codex is let
     * start, a call is answered by it.
     */
    @Test
    void theHandshakeIsAnsweredWhileCodexsLaunchIsHeld() throws Exception {
        Path codex = LiveCodex.binary();
        Path release = tmp.resolve("release");
        Path held = fakeCodex("held-codex", "while [ ! -e '" + release + "' ]; do sleep 0.05; done\nexec '" + codex + "' \"$@\"\n");
        Path work = Files.createDirectories(tmp.resolve("work"));
        // the SDK's initialization bound raised from its 20 s to 90 s: a JVM's start beside a loaded build took longer, and
        // codex is held until `release` exists, so a handshake that waited for codex would never be answered at all
        try (McpSyncClient client = McpClient.sync(stdio("mcp", "--offline-demo", "--workspace", work.toString(), "--codex-bin", held.toString()))
                .requestTimeout(Duration.ofSeconds(120)).initializationTimeout(Duration.ofSeconds(90))
                .jsonSchemaValidator(new OutputSchemaCheck()).build()) {
            client.initialize();
            assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).contains("codex", "codex-reply");
            Files.createFile(release);
            McpSchema.CallToolResult hello = client.callTool(McpSchema.CallToolRequest.builder().name("codex")
                    .arguments(Map.of("prompt", "hello")).build());
            assertThat(hello.isError()).as(hello.toString()).isFalse();
            assertThat(((McpSchema.TextContent) hello.content().get(0)).text()).isEqualTo("Offline demo (scripted model): you said \"hello\".");
        } finally {
            if (!Files.exists(release)) {
                Files.createFile(release);
            }
        }
    }

    /** A codex that cannot start: the server still answers, and a call is a tool error with codex's own reason. */
    @Test
    void aCodexThatCannotStartIsAToolErrorSayingWhy() throws Exception {
        Path broken = fakeCodex("broken-codex", "echo 'cannot start here: no such sandbox' >&2\nexit 3\n");
        try (McpSyncClient client = McpClient.sync(stdio("mcp", "--offline-demo", "--workspace", tmp.toString(), "--codex-bin",
                broken.toString())).requestTimeout(Duration.ofSeconds(120)).initializationTimeout(Duration.ofSeconds(90))
                .jsonSchemaValidator(new OutputSchemaCheck()).build()) {
            client.initialize();
            McpSchema.CallToolResult refused = client.callTool(McpSchema.CallToolRequest.builder().name("codex")
                    .arguments(Map.of("prompt", "hello")).build());
            assertThat(refused.isError()).as(refused.toString()).isTrue();
            assertThat(((McpSchema.TextContent) refused.content().get(0)).text()).startsWith("codex did not start; nothing was run")
                    .contains("cannot start here: no such sandbox");
        }
    }

    /** The CLI in a JVM of its own with {@code args}, as a host starts a stdio MCP server. */
    private static StdioClientTransport stdio(String... args) {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"),
                "dev.codexbridge.cli.Main"));
        command.addAll(List.of(args));
        return new StdioClientTransport(ServerParameters.builder(command.get(0)).args(command.subList(1, command.size())).build(),
                McpJsonDefaults.getMapper());
    }

    /** An executable shell script standing in for codex's binary. */
    private Path fakeCodex(String name, String body) throws Exception {
        Path s = tmp.resolve(name);
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    /**
     * {@code mcp --shared-codex} over HTTP runs every caller's commands in the server's one codex:
     * that codex's environment, as the kernel holds it, has none of the server's database
     * addresses or passwords (JDBC URLs included), while a plain variable reaches it.
     */
    @Test
    void theSharedCodexInheritsNoneOfTheServersDatabaseCredentials() throws Exception {
        LiveCodex.binary();
        String password = "server-db-pass-61c7";
        Path dir = TestDirs.create("mcp-shared-env");
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main", "mcp",
                "--http", "127.0.0.1:0", "--anonymous=bob", "--shared-codex", "--offline-demo", "--workspace", dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.put("XDG_DATA_HOME", Files.createDirectories(dir.resolve("data")).toString());   // the thread owners' record
        env.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://db.internal/app");
        env.put("STORE_JDBC_URL", "jdbc:postgresql://db.internal/store?user=store&password=" + password);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:sqlserver://db.internal;user=app;password=" + password);
        env.put("APP_CONNECTION", "jdbc:mysql://db.internal/app?user=app&password=" + password);
        env.put("HOST_PLAIN_SETTING", "plain-visible");
        Process p = pb.start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            // the shared codex starts beside the server, which says when it is up
            for (String line; (line = err.readLine()) != null && !line.contains("codex-bridge mcp: codex is up"); ) {
                lines.add(line);
            }
            Optional<ProcessHandle> codex = p.descendants()
                    .filter(h -> h.info().command().map(c -> Path.of(c).getFileName().toString().equals("codex")).orElse(false))
                    .findFirst();
            assertThat(codex).as("the shared codex among %s; the server said %s", p.descendants().map(h -> h.info().command())
                    .toList(), lines).isPresent();
            String environ = Files.readString(Path.of("/proc", Long.toString(codex.get().pid()), "environ"), StandardCharsets.UTF_8)
                    .replace('\0', '\n');
            assertThat(environ).contains("HOST_PLAIN_SETTING=plain-visible").doesNotContain(password)
                    .doesNotContain("SPRING_DATASOURCE_URL").doesNotContain("STORE_JDBC_URL")
                    .doesNotContain("QUARKUS_DATASOURCE_JDBC_URL").doesNotContain("APP_CONNECTION");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            TestDirs.delete(dir);
        }
    }

    /** A client's bad lines (not JSON, a batch, an empty line) are answered with JSON-RPC errors, and the server goes on serving. */
    @Test
    void badLinesOnStdioAreAnsweredAndTheNextRequestIsServed() throws Exception {
        LiveCodex.binary();
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main", "mcp", "--offline-demo",
                "--workspace", tmp.toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            in.write("not json\n\n[{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}]\n");
            in.write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                    + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}\n");
            in.flush();
            List<JsonNode> seen = new ArrayList<>();
            while (seen.stream().noneMatch(m -> m.path("id").asInt() == 1)) {
                String line = out.readLine();
                assertThat(line).as("the server answered %s and then stopped", seen).isNotNull();
                seen.add(Json.parse(line));
            }
            assertThat(seen.subList(0, 2)).extracting(m -> m.at("/error/code").asInt()).containsExactly(-32700, -32600);
            in.write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n");
            in.flush();
            JsonNode tools = Json.parse(out.readLine());
            assertThat(tools.path("id").asInt()).isEqualTo(2);
            assertThat(tools.at("/result/tools").toString()).contains("codex-reply");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
