package dev.codexbridge.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.ServerReport;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guides' complete examples that can run cheaply run here: docs/embedding.md's
 * {@link CodexHost} and {@link RemoteCodexHost}, docs/migration.md's {@link MigrateHostServers};
 * docs/testing.md's {@link OfflineCodexTest} runs as the test it is. That every guide shows its
 * examples as compiled is {@link DocsJavaBlocksTest}'s check.
 */
class DocsExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void theRemoteExampleRunsATurnOnAListeningAppServer() throws Exception {
        LiveCodex.binary();
        Path token = tmp.resolve("token");
        Files.writeString(token, "docs-example-token-3c8e\n");
        Path work = Files.createDirectories(tmp.resolve("remote-work"));
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("remote-home"), model.baseUrl()).write();
            model.enqueue(ModelReply.message("Answered remotely."));
            try (dev.codexbridge.testkit.ListeningAppServer server = dev.codexbridge.testkit.ListeningAppServer.websocket(LiveCodex.binary(), 
                    home, work, List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()))) {
                assertThat(RemoteCodexHost.ask(server.uri().toString(), token, work, "hello")).isEqualTo("Answered remotely.");
            }
        }
    }

    @Test
    void theEmbeddingExampleMigratesStartsCodexAsksAndConverses() throws Exception {
        LiveCodex.binary();
        // a finished `install-codex --dir` stands in for the npm install the example does on first use
        Path codexDir = Files.createDirectories(tmp.resolve("codex"));
        Files.createSymbolicLink(codexDir.resolve("node_modules"),
                Paths.get(System.getProperty(CodexLocator.INSTALL_DIR_PROPERTY)).toAbsolutePath().resolve("node_modules"));
        Path workspace = Files.createDirectories(tmp.resolve("work"));
        Path mcpJson = tmp.resolve("mcp.json");
        Files.writeString(mcpJson, "{\"mcpServers\": {\"echo\": {\"command\": " + Json.write(Json.nodes().textNode(javaBinary()))
                + ", \"args\": [\"-cp\", " + Json.write(Json.nodes().textNode(System.getProperty("java.class.path")))
                + ", \"" + EchoMcpServer.class.getName() + "\"]}}}");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            model.enqueue(
                    ModelReply.builder().execCommandEscalated("c0", "ls", "Look around").build(),
                    ModelReply.builder().execCommandEscalated("c1", "echo from-the-host", "Show it works").build(),
                    ModelReply.builder().mcpCall("c2", "echo", "say", Json.object().put("text", "hi")).build(),
                    ModelReply.message("Ran it and echoed."),
                    ModelReply.message("Still here."));
            String[] out = runMain(List.of(codexDir.toString(), home.toString(), mcpJson.toString(), workspace.toString(),
                    "Run a command, then say hi.", "Are you there?"), "y\ny\n");
            assertThat(out[0]).as(out[1])
                    .doesNotContain("codex asks: /bin/bash -c ls")                 // the allow-list ran it unasked
                    .containsPattern("codex asks: .*echo from-the-host.* -- allow once\\? \\[y/N]\n")
                    .containsPattern("codex asks: .*echo.*say.* -- allow once\\? \\[y/N]\n")
                    .contains("\nRan it and echoed.\nStill here.\n")
                    .containsPattern(Pattern.compile("thread [0-9a-f-]{36}: 2 turns, forked as [0-9a-f-]{36}\n"));
            assertThat(out[1]).contains("MCP server echo: ready").containsPattern("MCP server echo tools: \\[.*say.*]");
            assertThat(model.remaining()).isZero();
            assertThat(model.unscriptedRequests()).isZero();
            assertThat(model.responsesRequests().get(1).functionCallOutput("c0")).hasValueSatisfying(
                    o -> assertThat(o).doesNotContain("rejected by user"));   // it ran
            assertThat(model.responsesRequests().get(3).functionCallOutput("c2")).hasValueSatisfying(o -> assertThat(o).contains("echo: hi"));
            assertThat(Files.readString(home.resolve("config.toml"))).contains("[mcp_servers.echo]");
        }
    }

    @Test
    void theMigrationExampleShowsTheDiffWritesOnlyWhenAcceptedAndUndoes() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        String original = "model = \"gpt-5.5\"\n\n[features]\nunified_exec = true\n";
        Files.writeString(home.resolve("config.toml"), original);
        Path hostConfig = tmp.resolve("claude_desktop_config.json");
        Files.writeString(hostConfig, """
                {"mcpServers": {
                  "fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "envFile": ".env"},
                  "broken": {"command": "x", "url": "https://example.com/mcp"}
                }}""");

        List<String> shown = new ArrayList<>();
        MigrationReport declined = MigrateHostServers.migrate(home, hostConfig, diff -> {
            shown.add(diff);
            return false;
        });
        assertThat(declined.dryRun()).isTrue();
        assertThat(declined.written()).isFalse();
        assertThat(shown).singleElement().asString().contains("+[mcp_servers.fetch]").contains("+default_permissions = \":workspace\"");
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(original);

        MigrationReport written = MigrateHostServers.migrate(home, hostConfig, diff -> true);
        assertThat(written.written()).isTrue();
        assertThat(written.migratedServers()).containsExactly("fetch");
        assertThat(written.servers()).filteredOn(s -> s.name().equals("broken")).singleElement()
                .satisfies(s -> assertThat(s.status()).isEqualTo(ServerReport.Status.FAILED));
        assertThat(written.servers()).filteredOn(s -> s.name().equals("fetch")).singleElement()
                .satisfies(s -> assertThat(s.skippedKeys()).singleElement().asString().startsWith("envFile"));
        String migrated = Files.readString(home.resolve("config.toml"));
        assertThat(migrated).startsWith("model = \"gpt-5.5\"\n").contains("[mcp_servers.fetch]\ncommand = \"uvx\"")
                .endsWith("[features]\nunified_exec = true\n");

        MigrationReport again = MigrateHostServers.migrate(home, hostConfig, diff -> true);
        assertThat(again.changed()).isFalse();                 // same inputs, same bytes: nothing to accept

        MigrationReport removed = MigrateHostServers.undo(home);
        assertThat(removed.written()).isTrue();
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(original);
    }

    private static String javaBinary() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code [stdout, stderr]} of {@code CodexHost.main(args)} with {@code input} on stdin. */
    private static String[] runMain(List<String> args, String input) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CodexHost.main(args.toArray(String[]::new));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }
}
