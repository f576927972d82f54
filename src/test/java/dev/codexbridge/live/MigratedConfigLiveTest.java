package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.PluginDiscovery;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** What the migrator writes must be accepted by the real codex, strictly. */
class MigratedConfigLiveTest {
    @TempDir
    Path tmp;

    /** Exit code and output of {@code codex app-server --strict-config --print-startup-config}. */
    private static String[] strictCheck(Path codex, Path home) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(codex.toString(), "app-server", "--strict-config", "--print-startup-config")
                .redirectErrorStream(true);
        pb.environment().put("CODEX_HOME", home.toString());
        pb.environment().put("RUST_LOG", "error");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new String[] {"timeout", ""};
        }
        return new String[] {Integer.toString(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
    }

    @TestFactory
    Stream<DynamicTest> everyWrittenGoldenConfigPassesCodexStrictConfig() throws IOException {
        Path codex = LiveCodex.binary();
        Path root = Paths.get(System.getProperty("codexbridge.goldenDir", "config-migration"));
        List<Path> cases;
        try (Stream<Path> dirs = Files.list(root)) {
            cases = dirs.filter(d -> Files.exists(d.resolve("expected.config.toml"))).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            JsonNode report = Json.parse(Files.readString(dir.resolve("expected-report.json")));
            Path home = Files.createDirectories(tmp.resolve(dir.getFileName().toString()));
            Files.copy(dir.resolve("expected.config.toml"), home.resolve("config.toml"));
            String[] result = strictCheck(codex, home);
            if (report.path("written").asBoolean()) {
                assertThat(result[0]).as("codex --strict-config on %s:\n%s", dir, result[1]).isEqualTo("0");
            } else {
                assertThat(result[0]).as("the unwritten broken input is rejected by codex too").isNotEqualTo("0");
            }
        }));
    }

    @Test
    void strictCheckRejectsAnUnknownMcpField() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("negative"));
        Files.writeString(home.resolve("config.toml"), "[mcp_servers.a]\ncommand = \"x\"\nnot_a_field = 1\n");
        assertThat(strictCheck(LiveCodex.binary(), home)[0]).isNotEqualTo("0");
    }

    @Test
    void pluginDiscoveryAgainstTheRealBinaryIsBoundedAndNeverFatal() throws Exception {
        Path codex = LiveCodex.binary();
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), java.net.URI.create("http://127.0.0.1:9/v1")).write();
        ConfigMigrator migrator = ConfigMigrator.builder().codexHome(home)
                .hostConfig(HostMcpConfig.parse("{\"mcpServers\":{\"t\":{\"command\":\"true\"}}}", false, "inline"))
                .plugins(new PluginDiscovery(codex, Duration.ofSeconds(20)))
                .defaultPermissions(":workspace")
                .build();
        long start = System.nanoTime();
        MigrationReport report = migrator.migrate(false);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
        assertThat(report.written()).isTrue();
        assertThat(report.migratedServers()).containsExactly("t");
        // An isolated home has no installed plugins: discovery answers an empty list or reports why not.
        assertThat(report.plugins()).isEmpty();
        String[] strict = strictCheck(codex, home);
        assertThat(strict[0]).as(strict[1]).isEqualTo("0");
    }
}
