package dev.codexbridge.cli;

import dev.codexbridge.support.CliRun;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrateCommandTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    @Test
    void dryRunPrintsTheDiffThenMigrateWritesThenRemoveRestores() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("config.toml"), "model = \"m\"\n");
        Path host = tmp.resolve("claude.json");
        Files.writeString(host, "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\",\"args\":[\"mcp-server-fetch\"]}}}");
        String[] common = {"migrate", "--codex-home", home.toString(), "--mcp-config", host.toString(), "--no-plugins",
            "--permissions", ":workspace"};

        assertThat(Main.run(concat(common, "--dry-run"))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("+[mcp_servers.fetch]").contains("(dry run) would update");
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo("model = \"m\"\n");

        out.reset();
        assertThat(Main.run(concat(common, "--json"))).isZero();
        var report = Json.parse(out.toString(StandardCharsets.UTF_8));
        assertThat(report.path("written").asBoolean()).isTrue();
        assertThat(report.path("servers").get(0).path("status").asText()).isEqualTo("MIGRATED");
        assertThat(Files.readString(home.resolve("config.toml"))).contains("[mcp_servers.fetch]");

        out.reset();
        assertThat(Main.run("migrate", "--codex-home", home.toString(), "--remove")).isZero();
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo("model = \"m\"\n");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("removed the codex-bridge managed block: MCP servers fetch; default_permissions = \":workspace\"")
                .doesNotContain("no MCP servers migrated");
        assertThat(home.resolve(".config.toml.codex-bridge.lock")).doesNotExist();
    }

    @Test
    void errorsAndWarningsGoToStderrTheReportToStdout() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("config.toml"), "model = \n");
        assertThat(Main.run("migrate", "--codex-home", home.toString(), "--no-plugins")).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("did not write ").doesNotContain("error");
        assertThat(CliRun.withoutAgentLines(err.toString(StandardCharsets.UTF_8))).startsWith("error: config.toml is not valid TOML 1.0");
        // the refused migration leaves nothing in the user's CODEX_HOME but their file
        assertThat(Files.list(home)).extracting(p -> p.getFileName().toString()).containsExactly("config.toml");

        out.reset();
        err.reset();
        Files.writeString(home.resolve("config.toml"), "model = \"m\"\n");
        assertThat(Main.run("migrate", "--codex-home", home.toString(), "--remove")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("nothing to remove: no codex-bridge managed block");
        assertThat(CliRun.withoutAgentLines(err.toString(StandardCharsets.UTF_8))).startsWith("warning: no codex-bridge managed block in ");
    }

    @Test
    void exitCodesSayWhatHappened() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{not json");
        assertThat(Main.run("migrate", "--codex-home", home.toString(), "--mcp-config", bad.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.json is not valid JSON");

        Path partly = tmp.resolve("partly.json");
        Files.writeString(partly, "{\"mcpServers\":{\"ok\":{\"command\":\"x\"},\"broken\":{}}}");
        assertThat(Main.run("migrate", "--codex-home", home.toString(), "--mcp-config", partly.toString(), "--no-plugins"))
                .isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("broken (not migrated: no command or url)");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("error: ");
        assertThat(Main.run("migrate", "--bogus-option")).isEqualTo(2);
    }

    /** Issue 26, finding 1, as reported: a lock file that is a link to another file of the user's. */
    @Test
    void aLockFileThatIsALinkIsRefusedAndItsTargetKept() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path victim = Files.writeString(tmp.resolve("victim.txt"), "precious\n");
        Files.createSymbolicLink(home.resolve(".config.toml.codex-bridge.lock"), Path.of("../victim.txt"));
        Path host = tmp.resolve("m.json");
        Files.writeString(host, "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}");

        assertThat(Main.run("migrate", "--codex-home", home.toString(), "--mcp-config", host.toString(), "--no-plugins")).isEqualTo(1);
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertThat(home.resolve("config.toml")).doesNotExist();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("error: refusing to use the lock file").contains("symbolic link");
    }

    /** Issue 26, finding 4: the dry run's diff and --json show {@code ***} for literal env values and headers. */
    @Test
    void noOutputShowsALiteralSecret() throws Exception {
        String token = "ghp_FAKEcliTOKEN00000000000000000000000";
        String bearer = "sk-FAKEcliBEARER000000000000";
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path host = tmp.resolve("m.json");
        Files.writeString(host, "{\"mcpServers\":{\"github\":{\"command\":\"npx\",\"env\":{\"GITHUB_TOKEN\":\"" + token + "\"}},"
                + "\"api\":{\"url\":\"https://x.example/mcp\",\"headers\":{\"Authorization\":\"Bearer " + bearer + "\"}}}}");
        String[] common = {"migrate", "--codex-home", home.toString(), "--mcp-config", host.toString(), "--no-plugins"};

        assertThat(Main.run(concat(common, "--dry-run"))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("+env = { GITHUB_TOKEN = \"***\" }")
                .contains("+http_headers = { Authorization = \"***\" }").doesNotContain(token).doesNotContain(bearer);
        out.reset();
        assertThat(Main.run(concat(common, "--dry-run", "--json"))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("GITHUB_TOKEN = \\\"***\\\"").doesNotContain(token).doesNotContain(bearer);
        out.reset();
        assertThat(Main.run(concat(common, "--json"))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain(token).doesNotContain(bearer);
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain(token).doesNotContain(bearer);
        assertThat(Files.readString(home.resolve("config.toml"))).contains(token).contains(bearer);
    }

    /** Issue 26, finding 8: a malformed host config is described by line, column and kind. */
    @Test
    void aMalformedHostConfigIsNotQuoted() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"mcpServers\": {\"gh\": {\"env\": {\"T\": ghp_FAKEunquotedTOKEN0000000000}}}}");
        assertThat(Main.run("migrate", "--codex-home", home.toString(), "--mcp-config", bad.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.json is not valid JSON: line 1, column 37: unrecognized token")
                .doesNotContain("ghp_").doesNotContain("FAKE");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
