package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.support.Scripts;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodexVersionTest {
    @TempDir
    Path tmp;

    @Test
    void parsesTheFirstVersionInCliOutput() {
        assertThat(CodexVersion.parse("codex-cli 0.130.0")).contains(new CodexVersion(0, 130, 0));
        assertThat(CodexVersion.parse("codex-cli 1.2.3 (extra metadata)")).contains(new CodexVersion(1, 2, 3));
        assertThat(CodexVersion.parse("codex 99.0.1\n")).contains(new CodexVersion(99, 0, 1));
        assertThat(CodexVersion.parse("nope")).isEmpty();
        assertThat(CodexVersion.parse("")).isEmpty();
        assertThat(CodexVersion.parse(null)).isEmpty();
    }

    @Test
    void ordersNumericallyNotLexically() {
        assertThat(new CodexVersion(0, 130, 0)).isGreaterThan(new CodexVersion(0, 99, 9));
        assertThat(new CodexVersion(1, 0, 0)).isGreaterThan(new CodexVersion(0, 999, 999));
        assertThat(CodexVersion.PINNED.isAtLeast(CodexVersion.MINIMUM_SUPPORTED)).isTrue();
        assertThat(CodexVersion.PINNED.toString()).isEqualTo(System.getProperty("codexbridge.pinnedVersion", "0.171.0"));
    }

    @Test
    void probeReadsTheVersionWithStdinClosed() {
        Path fake = Scripts.write(tmp, "codex", "cat >/dev/null\necho 'codex-cli 0.130.0'");
        assertThat(CodexVersionProbe.requireSupported(fake, Duration.ofSeconds(10))).isEqualTo(new CodexVersion(0, 130, 0));
    }

    @Test
    void probeRejectsVersionsBelowTheMinimum() {
        Path fake = Scripts.write(tmp, "codex", "echo 'codex-cli 0.120.0'");
        assertThatThrownBy(() -> CodexVersionProbe.requireSupported(fake, Duration.ofSeconds(10)))
                .isInstanceOf(CodexProcessException.class)
                .hasMessageContaining("codex 0.120.0")
                .hasMessageContaining("older than the minimum supported " + CodexVersion.MINIMUM_SUPPORTED);
    }

    @Test
    void probeReportsNonZeroExitTimeoutGarbageAndMissingBinary() {
        Path failing = Scripts.write(tmp, "failing", "echo 'boom: key sk-secretsecret99' >&2\nexit 3");
        assertThatThrownBy(() -> CodexVersionProbe.probe(failing, Duration.ofSeconds(10)))
                .hasMessageContaining("exited 3").hasMessageContaining("sk-***").hasMessageNotContaining("secretsecret");
        Path hanging = Scripts.write(tmp, "hanging", "exec sleep 30");
        assertThatThrownBy(() -> CodexVersionProbe.probe(hanging, Duration.ofMillis(300)))
                .hasMessageContaining("timed out");
        Path garbage = Scripts.write(tmp, "garbage", "echo 'no version here'");
        assertThatThrownBy(() -> CodexVersionProbe.probe(garbage, Duration.ofSeconds(10)))
                .hasMessageContaining("could not parse");
        assertThatThrownBy(() -> CodexVersionProbe.probe(tmp.resolve("absent"), Duration.ofSeconds(10)))
                .isInstanceOf(CodexNotFoundException.class);
    }
}
