package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static dev.codexbridge.support.CliRun.withoutAgentLines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.support.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertThat(withoutAgentLines(r[2])).startsWith("codex-bridge mcp: the tenants' homes root " + root
                        + " (the CLI's --tenants-root; CodexTenants.Builder.homesRoot, codex-bridge.tenants.homes-root) is inside /tmp")
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

    /**
     * A command that fails on a codex newer than the tested one ends its error with a line naming the
     * tested version and the matrix; the same failure on the pinned version does not.
     */
    @Test
    void anErrorFromANewerCodexSaysWhichVersionWasTested(@TempDir Path tmp) {
        Path newer = errorAnswering(tmp.resolve("newer"), "0.172.0");
        String[] r = run("models", "--codex-bin", newer.toString(), "--timeout", "10");
        assertThat(r[0]).isEqualTo("1");
        assertThat(withoutAgentLines(r[2])).isEqualTo("codex-bridge models: model/list failed: unknown field `includeHidden` (code -32600)\n"
                + "(" + newer + ": codex 0.172.0 is newer than 0.171.0, the release codex-bridge " + BuildInfo.version()
                + " is tested on; it is used all the same (the releases tested and how each differs: docs/compatibility.md))\n");

        String[] pinned = run("models", "--codex-bin", errorAnswering(tmp.resolve("pinned"), "0.171.0").toString(), "--timeout", "10");
        assertThat(withoutAgentLines(pinned[2])).isEqualTo("codex-bridge models: model/list failed: unknown field `includeHidden` (code -32600)\n");
    }

    /** A fake codex of {@code version}: answers initialize, then every request with an error. */
    private static Path errorAnswering(Path dir, String version) {
        return Scripts.write(dir, "codex", String.join("\n",
                "if [ \"$1\" = --version ]; then echo 'codex-cli " + version + "'; exit 0; fi",
                "while IFS= read -r line; do",
                "  id=$(printf '%s' \"$line\" | sed -n 's/^{\"id\":\\([0-9]*\\).*/\\1/p')",
                "  [ -z \"$id\" ] && id=$(printf '%s' \"$line\" | sed -n 's/.*\"id\":\\([0-9]*\\).*/\\1/p')",
                "  [ -z \"$id\" ] && continue",
                "  case \"$line\" in",
                "    *'\"initialize\"'*) printf '{\"id\":%s,\"result\":{\"userAgent\":\"codex_bridge/" + version + " (Linux)\",\"codexHome\":\"/tmp\"}}\\n' \"$id\" ;;",
                "    *) printf '{\"id\":%s,\"error\":{\"code\":-32600,\"message\":\"unknown field `includeHidden`\"}}\\n' \"$id\" ;;",
                "  esac",
                "done"));
    }

    @Test
    void controlCharactersOtherThanLineBreaksStayEscaped() {
        assertThat(ApiText.escapeLines("line one\nline two\u001b[31m\r")).isEqualTo("line one\nline two\\u001b[31m\\r");
    }
}
