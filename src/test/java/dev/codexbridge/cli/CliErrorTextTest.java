package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static dev.codexbridge.support.CliRun.withoutAgentLines;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A command's error is printed as lines a person reads: its line breaks break lines, other control characters stay escaped. */
class CliErrorTextTest {
    @Test
    void aMissingCodexIsReportedOnSeveralLinesNotWithLiteralEscapes() {
        String[] r = run("run", "hi", "--codex-bin", "/nonexistent/codex-bridge-test/codex");
        assertThat(r[0]).isEqualTo("2");
        String err = withoutAgentLines(r[2]);
        assertThat(err).startsWith("codex-bridge run: codex binary /nonexistent/codex-bridge-test/codex (given explicitly)")
                .contains("is not executable.\nFix it with one of:\n  - add the dependency")
                .doesNotContain("\\n");
        assertThat(err.lines().count()).isGreaterThan(3);
    }

    /** A server's refused setting reads like {@code run}'s: one line, exit code 2, no stack trace. */
    @Test
    void aServersRefusedSettingIsOneLineWithTheUsageExitCode() {
        String[] r = run("a2a", "--listen", "no-port");
        assertThat(r[0]).isEqualTo("2");
        assertThat(withoutAgentLines(r[2])).isEqualTo("codex-bridge a2a: --listen must be HOST:PORT, not 'no-port'\n");
        String[] mcp = run("mcp", "--tokens", "/nonexistent/tokens");
        assertThat(mcp[0]).isEqualTo("2");
        assertThat(withoutAgentLines(mcp[2])).isEqualTo("codex-bridge mcp: --tokens, --anonymous and the --jwt-* options are for --http; "
                + "stdio has one local client\n");
    }

    @Test
    void controlCharactersOtherThanLineBreaksStayEscaped() {
        assertThat(ApiText.escapeLines("line one\nline two\u001b[31m\r")).isEqualTo("line one\nline two\\u001b[31m\\r");
    }
}
