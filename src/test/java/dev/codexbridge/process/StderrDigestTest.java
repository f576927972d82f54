package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What of codex's stderr tail an exception message shows. */
class StderrDigestTest {
    /** What codex 0.169.0 printed when its CODEX_HOME was a file (measured). */
    private static final List<String> BAD_HOME = List.of(
            "WARNING: proceeding, even though we could not create PATH aliases: failed to read CODEX_HOME \"/tmp/x/home\": Not a directory (os error 20)",
            "Error: failed to read CODEX_HOME \"/tmp/x/home\": Not a directory (os error 20)",
            "",
            "Stack backtrace:",
            "   0: <unknown>",
            "   1: <unknown>",
            "   2: <unknown>",
            "   8: <unknown>");

    @Test
    void backtracesAreLeftOutAndCounted() {
        assertThat(StderrDigest.of(BAD_HOME)).containsExactly(
                BAD_HOME.get(0),
                BAD_HOME.get(1),
                "(5 lines left out: backtraces, repeats and codex's usual start-up notices; " + StderrDigest.FULL_STDERR + ")");
    }

    @Test
    void theUsualStartUpNoticesAndColourCodesAreLeftOut() {
        List<String> tail = List.of(
                "WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir \"/tmp\" (codex_home: AbsolutePathBuf(\"/tmp/j/home\"))",
                "\u001b[2m2026-11-22T20:18:32.199118Z\u001b[0m \u001b[31mERROR\u001b[0m \u001b[2mcodex_app_server\u001b[0m\u001b[2m:\u001b[0m Codex could not find bubblewrap on PATH. Install bubblewrap",
                "\u001b[2m2026-11-22T20:18:32.694033Z\u001b[0m \u001b[33m WARN\u001b[0m codex_models_manager::model_info: Unknown model gpt-5.6-luna is used. This will use fallback model metadata.",
                "2026-11-22T20:18:33.000000Z ERROR codex_core: failed to record rollout items: channel closed",
                "\u001b[2m2026-11-22T20:18:34.000000Z\u001b[0m ERROR codex_core: unable to open database file");
        assertThat(StderrDigest.of(tail)).containsExactly("ERROR codex_core: unable to open database file",
                "(4 lines left out: backtraces, repeats and codex's usual start-up notices; " + StderrDigest.FULL_STDERR + ")");
    }

    @Test
    void aLineRepeatedWithOnlyItsTimestampChangedIsShownOnceWithACount() {
        List<String> tail = List.of(
                "2026-11-22T20:18:34.1Z ERROR codex_state: unable to open database file",
                "2026-11-22T20:18:34.2Z ERROR codex_state: unable to open database file",
                "2026-11-22T20:18:34.3Z ERROR codex_state: unable to open database file",
                "Error: could not open the state database");
        assertThat(StderrDigest.of(tail)).containsExactly(
                "ERROR codex_state: unable to open database file (3 times)",
                "Error: could not open the state database",
                "(2 lines left out: backtraces, repeats and codex's usual start-up notices; " + StderrDigest.FULL_STDERR + ")");
    }

    @Test
    void onlyNoticesMeansNothingToShow() {
        assertThat(StderrDigest.of(List.of("Codex could not find bubblewrap on PATH.", ""))).isEmpty();
        assertThat(new CodexProcessException("codex exited", 0, List.of("Codex could not find bubblewrap on PATH."), null).getMessage())
                .isEqualTo("codex exited");
        assertThat(new CodexProcessException("codex exited", 0, List.of("Codex could not find bubblewrap on PATH."), null).stderrTail())
                .as("the exception keeps every line").hasSize(1);
    }
}
