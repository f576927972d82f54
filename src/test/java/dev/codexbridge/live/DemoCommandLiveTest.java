package dev.codexbridge.live;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.LiveCodex;
import org.junit.jupiter.api.Test;

/** The README's first command: `codex-bridge demo`, offline against the real codex. */
class DemoCommandLiveTest {
    @Test
    void demoRunsACommandWritesAFileAndPrintsTheTranscript() {
        LiveCodex.binary();
        String[] r = run("demo");
        String stdout = r[1];
        String stderr = r[2];
        assertThat(Integer.parseInt(r[0])).as(stderr).isZero();
        assertThat(stderr).contains("? approval: /bin/bash -c 'pwd && ls -a'").contains("? approval: apply_patch: 1 add: hello.txt")
                .contains("turn completed (2 tool calls)").doesNotContain("Model metadata");
        // timed by the CLI: codex's own durationMs says 0 ms for a command this short
        assertThat(stderr).containsPattern("\\(exit 0, [1-9][0-9]* ms\\)");
        assertThat(stdout).contains("codex> I listed the workspace").contains("\"tool_calls\"")
                .contains("hello.txt: Hello from codex-bridge!");
    }
}
