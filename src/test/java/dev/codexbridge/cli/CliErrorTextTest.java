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

    @Test
    void controlCharactersOtherThanLineBreaksStayEscaped() {
        assertThat(ApiText.escapeLines("line one\nline two\u001b[31m\r")).isEqualTo("line one\nline two\\u001b[31m\\r");
    }
}
