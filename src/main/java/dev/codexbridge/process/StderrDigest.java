package dev.codexbridge.process;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The part of codex's stderr tail worth showing a person in an exception message: colour codes
 * removed, Rust backtraces ({@code Stack backtrace:} and its numbered frames) and the notices
 * codex prints at every start in a test or container dropped, and a line repeated with only its
 * timestamp changed shown once with a count. A last line says how many lines were left out; the
 * full stderr is logged ({@code dev.codexbridge.codex.stderr}, see {@link CodexStderrLog}) and kept in
 * {@link CodexProcessException#stderrTail()}.
 */
final class StderrDigest {
    /** Where the left-out lines can be found, said in the message. */
    static final String FULL_STDERR = "the full stderr is logged by dev.codexbridge.codex.stderr (codex's log lines at their level, the rest at debug)";

    private static final Pattern ANSI = Pattern.compile("\\x1b\\[[0-?]*[ -/]*[@-~]");
    /** {@code 2026-11-22T20:18:32.199118Z} at the start of a log line. */
    private static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z?\\s+");
    private static final Pattern FRAME = Pattern.compile("^\\s*(?:\\d+:\\s|at\\s)");
    /**
     * Printed by codex 0.16x at every start under a temp folder, without bubblewrap on PATH, with a
     * model name it has no metadata for (the scripted model), or as it is stopped mid-write; and by
     * codex 0.171.0 for what it still had to send (a late notification, its analytics) in the
     * instant the library closed the connection at a stop, after every turn ended
     * (DoorStopLiveTest, one run in a few): none says why codex failed.
     */
    private static final List<Pattern> HARMLESS = List.of(
            Pattern.compile("could not create PATH aliases: Refusing to create helper binaries under temporary dir"),
            Pattern.compile("could not find bubblewrap on PATH"),
            Pattern.compile("Unknown model .* is used\\. This will use fallback model metadata"),
            Pattern.compile("failed to record rollout items"),
            Pattern.compile("dropping message for disconnected connection"),
            Pattern.compile("failed to send server notification to client: SendError"),
            Pattern.compile("dropping analytics events: queue is full"));

    /**
     * What codex says of its own state database as it finds a thread's rollout moved, which the
     * library does at every sleep and wake (the rollout goes to the store and comes back at another
     * path): an ERROR and a WARN per wake or close on codex 0.169.0 and later ({@code stale_db_path},
     * {@code falling_back}: it looks the file up on disk instead), though nothing failed.
     */
    private static final List<Pattern> HOUSEKEEPING = List.of(
            Pattern.compile("state db returned stale rollout path for thread"),
            Pattern.compile("state db discrepancy during \\w+: \\w+"),
            Pattern.compile("state db missing rollout path for thread"));

    private StderrDigest() {
    }

    /** Whether {@code text} is codex's note on its state database after a rollout it knew moved ({@link #HOUSEKEEPING}). */
    static boolean housekeeping(String text) {
        for (Pattern p : HOUSEKEEPING) {
            if (p.matcher(text).find()) {
                return true;
            }
        }
        return false;
    }

    /** {@code tail} as a message shows it; empty when nothing in it is worth showing. */
    static List<String> of(List<String> tail) {
        Map<String, Integer> kept = new LinkedHashMap<>();
        int left = 0;
        boolean inBacktrace = false;
        for (String raw : tail) {
            String line = ANSI.matcher(raw).replaceAll("").stripTrailing();
            if (line.isBlank()) {
                continue;
            }
            if (line.strip().startsWith("Stack backtrace:")) {
                inBacktrace = true;
                left++;
                continue;
            }
            if (inBacktrace && FRAME.matcher(line).find()) {
                left++;
                continue;
            }
            inBacktrace = false;
            if (harmless(line) || housekeeping(line)) {
                left++;
                continue;
            }
            String key = TIMESTAMP.matcher(line.strip()).replaceFirst("");
            Integer seen = kept.get(key);
            if (seen != null) {
                left++;
            }
            kept.put(key, seen == null ? 1 : seen + 1);
        }
        List<String> out = new ArrayList<>(kept.size() + 1);
        kept.forEach((line, times) -> out.add(times == 1 ? line : line + " (" + times + " times)"));
        if (left > 0 && !out.isEmpty()) {
            out.add("(" + left + (left == 1 ? " line" : " lines") + " left out: backtraces, repeats and codex's usual start-up notices; "
                    + FULL_STDERR + ")");
        }
        return out;
    }

    /** Whether {@code line} is one of the notices codex prints whatever went wrong. */
    static boolean harmless(String line) {
        for (Pattern p : HARMLESS) {
            if (p.matcher(line).find()) {
                return true;
            }
        }
        return false;
    }
}
