package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.config.PluginCatalog;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.runtime.RuntimeGate;
import dev.codexbridge.runtime.RuntimeSwitch;
import dev.codexbridge.runtime.StateStore;
import dev.codexbridge.support.LiveCodex;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The version matrix of the runtime switch's permission profiles: enable against the pinned codex
 * (0.171.0, which names them as 0.169.0 does) and 0.130.0, each with the default and with the
 * no-sandbox profile asked for under the other version's name, and the written config is accepted
 * by that codex. The pinned one is checked with {@code --strict-config --print-startup-config};
 * 0.130.0 has no {@code --strict-config}, and an unknown profile there (as in the pinned one
 * without the flag) is only a {@code configWarning}
 * "Invalid configuration; using defaults" after {@code initialize}, so that is what is checked.
 */
class RuntimeProfileMatrixLiveTest {
    @TempDir
    Path tmp;

    private static Path codex130() {
        LiveCodex.binary();
        Path dir = Paths.get(System.getProperty("codexbridge.compatDir", ".codex-cli-0.130.0"));
        return CodexLocator.findInInstall(dir).orElseThrow(() -> new AssertionError("codex 0.130.0 not installed in " + dir));
    }

    @Test
    void theWrittenProfileIsAcceptedByEachVersion() throws Exception {
        record Case(Path codex, String version, String asked, String written) {
        }
        Path pinned = LiveCodex.binary();
        String pinnedVersion = CodexVersion.PINNED.toString();
        Path c130 = codex130();
        List<Case> cases = List.of(
                new Case(pinned, pinnedVersion, null, ":workspace"),
                new Case(pinned, pinnedVersion, ":danger-no-sandbox", ":danger-full-access"),
                new Case(c130, "0.130.0", null, ":workspace"),
                new Case(c130, "0.130.0", ":danger-full-access", ":danger-no-sandbox"),
                new Case(c130, "0.130.0", ":read-only", ":read-only"));
        int n = 0;
        for (Case c : cases) {
            Path home = Files.createDirectories(tmp.resolve("home" + n++));
            Files.writeString(home.resolve("config.toml"), "model = \"mock-model\"\n");
            RuntimeSwitch.EnableResult r = RuntimeSwitch.builder().launch(CodexLaunch.appServer(c.codex()).codexHome(home).build())
                    .stateStore(StateStore.memory()).gate(new RuntimeGate()).pluginSource(b -> PluginCatalog.none())
                    .defaultPermissions(c.asked()).build().enable();
            assertThat(r.enabled()).as("%s: %s", c, r.problem()).isTrue();
            assertThat(r.codexVersion()).isEqualTo(c.version());
            assertThat(Files.readString(home.resolve("config.toml"))).contains("default_permissions = \"" + c.written() + "\"");

            assertThat(configWarnings(c.codex(), home)).as("%s", c).noneMatch(w -> w.contains("Invalid configuration"));
            if (c.version().equals(pinnedVersion)) {
                String[] strict = strictCheck(c.codex(), home);
                assertThat(strict[0]).as("--strict-config on %s:\n%s", c, strict[1]).isEqualTo("0");
            }
        }
        // the control: the other version's name is refused by each, so the check above can fail
        Path home = Files.createDirectories(tmp.resolve("control"));
        Files.writeString(home.resolve("config.toml"), "default_permissions = \":danger-full-access\"\n");
        assertThat(configWarnings(c130, home)).anyMatch(w -> w.contains("Invalid configuration") && w.contains(":danger-full-access"));
        Files.writeString(home.resolve("config.toml"), "default_permissions = \":danger-no-sandbox\"\n");
        assertThat(strictCheck(pinned, home)[0]).isNotEqualTo("0");
    }

    /** The {@code configWarning} lines codex sends between {@code initialize} and the answer to a later request. */
    private static List<String> configWarnings(Path codex, Path home) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(codex.toString(), "app-server").redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("CODEX_HOME", home.toString());
        Process p = pb.start();
        // a codex that never answers must fail the test, not hang it: killing it ends readLine
        java.util.concurrent.CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(p::destroyForcibly);
        List<String> warnings = new ArrayList<>();
        boolean answered = false;
        try (OutputStream in = p.getOutputStream();
             BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            in.write(("{\"id\":1,\"method\":\"initialize\",\"params\":{\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"},\"capabilities\":{}}}\n"
                    + "{\"method\":\"initialized\"}\n{\"id\":2,\"method\":\"config/read\",\"params\":{}}\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line;
            while ((line = out.readLine()) != null) {
                if (line.contains("\"configWarning\"")) {
                    warnings.add(line);
                }
                // 0.130.0 puts "error" before "id", so the id is read, not matched as text
                if (line.startsWith("{") && Json.parse(line).path("id").asInt(-1) == 2) {
                    answered = true;
                    break;
                }
            }
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertThat(answered).as("codex %s answered config/read", codex).isTrue();
        return warnings;
    }

    private static String[] strictCheck(Path codex, Path home) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(codex.toString(), "app-server", "--strict-config", "--print-startup-config")
                .redirectErrorStream(true);
        pb.environment().put("CODEX_HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new String[] {"timeout", ""};
        }
        return new String[] {Integer.toString(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
    }
}
