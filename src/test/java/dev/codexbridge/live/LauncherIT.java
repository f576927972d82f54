package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `bin/codex-bridge demo` from a clean folder, the way a new user runs the README's first command. */
class LauncherIT {
    @TempDir
    Path tmp;

    @Test
    void theDemoRunsFromAnywhereAndPrintsTheTranscript() throws IOException, InterruptedException {
        Path launcher = Paths.get("bin", "codex-bridge").toAbsolutePath();
        Path log = tmp.resolve("demo.log");
        Process p = new ProcessBuilder(launcher.toString(), "demo").directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("user> Look around and leave a greeting in hello.txt.")
                .contains("? approval: /bin/bash -c 'pwd && ls -a'")
                .contains("\"role\":\"tool\"")
                .contains("hello.txt: Hello from codex-bridge!")
                .doesNotContain("building");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("demo.log");
        }
    }

    @Test
    void everyCommandHasHelp() throws IOException, InterruptedException {
        Path launcher = Paths.get("bin", "codex-bridge").toAbsolutePath();
        for (String cmd : new String[] {"run", "demo", "migrate", "runtime", "record", "replay", "threads", "models", "account", "install-codex"}) {
            Process p = new ProcessBuilder(launcher.toString(), cmd, "--help").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(cmd + ": " + out).isZero();
            assertThat(out).as(cmd).startsWith("Usage: codex-bridge " + cmd);
        }
    }
}
