package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static dev.codexbridge.support.CliRun.withoutAgentLines;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
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

    /** A configuration the library refuses (a tenants root under /tmp) is its message alone, with the exit code of a failed command. */
    @Test
    void aRefusedConfigurationIsItsMessageWithoutAStackTrace() {
        String root = "/tmp/codex-bridge-cli-error-" + UUID.randomUUID();
        String[] r = run("mcp", "--http", "127.0.0.1:0", "--anonymous=bob", "--codex-bin", "/bin/true", "--tenants-root", root);
        assertThat(r[0]).isEqualTo("1");
        assertThat(withoutAgentLines(r[2])).startsWith("codex-bridge mcp: the tenants' homes root " + root + " is inside /tmp")
                .doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(Files.exists(Path.of(root))).as("nothing made under /tmp").isFalse();
    }

    /** The same for a command's own check of its options. */
    @Test
    void anOptionTheCommandRefusesIsItsMessageWithoutAStackTrace() {
        String[] r = run("a2a", "--listen", "no-port");
        assertThat(r[0]).isEqualTo("1");
        assertThat(withoutAgentLines(r[2])).isEqualTo("codex-bridge a2a: --listen must be HOST:PORT, not 'no-port'\n");
    }

    @Test
    void controlCharactersOtherThanLineBreaksStayEscaped() {
        assertThat(ApiText.escapeLines("line one\nline two\u001b[31m\r")).isEqualTo("line one\nline two\\u001b[31m\\r");
    }
}
