package dev.codexbridge.live;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.Scripts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: `codex-bridge demo`, offline against the real codex. */
class DemoCommandLiveTest {
    @Test
    void demoRunsACommandWritesAFileAndPrintsTheTranscript() {
        Path codex = LiveCodex.binary();
        String[] r = run("demo");
        String stdout = r[1];
        String stderr = r[2];
        assertThat(Integer.parseInt(r[0])).as(stderr).isZero();
        assertThat(stderr).contains("codex-bridge demo: codex " + BuildInfo.pinnedCodexVersion() + " at " + codex)
                .doesNotContain("is newer than");
        assertThat(stderr).contains("? approval: /bin/bash -c 'pwd && ls -a'").contains("? approval: apply_patch: 1 add: hello.txt")
                .contains("turn completed (2 tool calls)").doesNotContain("Model metadata");
        // timed by the CLI: codex's own durationMs says 0 ms for a command this short
        assertThat(stderr).containsPattern("\\(exit 0, [1-9][0-9]* ms\\)");
        assertThat(stdout).contains("codex> I listed the workspace").contains("\"tool_calls\"")
                .contains("hello.txt: Hello from codex-bridge!");
    }

    /**
     * With CODEX_BIN naming a codex that reports another version (a wrapper around the pinned one
     * whose {@code --version} says 0.172.0), the demo names that version, not the pinned one, adds
     * the one line saying which version was tested and where the matrix is, and still runs.
     */
    @Test
    void demoNamesTheVersionOfTheCodexItRunsAndSaysWhenItIsNewerThanTheTestedOne(@TempDir Path tmp) throws Exception {
        Path real = LiveCodex.binary();
        Path wrapper = Scripts.write(tmp.resolve("bin"), "codex", String.join("\n",
                "if [ \"$1\" = --version ]; then echo 'codex-cli 0.172.0'; exit 0; fi",
                "exec '" + real + "' \"$@\""));
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), "dev.codexbridge.cli.Main", "demo"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(tmp.toFile());
        pb.environment().put("CODEX_BIN", wrapper.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        System.out.println(out);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("codex-bridge demo: codex 0.172.0 at " + wrapper + "\n"
                        + "note: codex 0.172.0 is newer than " + BuildInfo.pinnedCodexVersion() + ", the release codex-bridge " + BuildInfo.version()
                        + " is tested on; it is used all the same (the releases tested and how each differs: docs/compatibility.md)\n")
                .containsOnlyOnce("is newer than")
                .doesNotContain("codex-bridge demo: codex " + BuildInfo.pinnedCodexVersion())
                .contains("turn completed (2 tool calls)");
    }
}
