package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A one-shot {@code run} leaves standard input alone. A stdin reader left behind by an in-process
 * run used to sit on the test JVM's stdin, which is surefire's command channel, and swallow the
 * plugin's acknowledgement of the fork's exit: every build then waited 30 s before surefire killed
 * the fork.
 */
class RunCommandStdinTest {
    @Test
    void aRunWithAPromptStartsNoStdinReader() {
        long before = stdinReaders();
        assertThat(run("run", "x", "--timeout", "0", "--idle-timeout", "0")[0]).isEqualTo("2");
        assertThat(run("run", "x", "--approve", "maybe")[0]).isEqualTo("2");
        assertThat(stdinReaders()).isEqualTo(before);
    }

    private static long stdinReaders() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("codex-bridge-stdin"))
                .count();
    }
}
