package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.cli.Main;
import dev.codexbridge.support.LiveCodex;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's first command: `codex-bridge demo`, offline against the real codex. */
class DemoCommandLiveTest {
    @Test
    void demoRunsACommandWritesAFileAndPrintsTheTranscript() {
        LiveCodex.binary();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run("demo");
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String stdout = out.toString(StandardCharsets.UTF_8);
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as(stderr).isZero();
        assertThat(stderr).contains("? approval: /bin/bash -c 'pwd && ls -a'").contains("? approval: apply_patch: 1 add: hello.txt")
                .contains("turn completed (2 tool calls)");
        assertThat(stdout).contains("codex> I listed the workspace").contains("\"tool_calls\"")
                .contains("hello.txt: Hello from codex-bridge!");
    }
}
