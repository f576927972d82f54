package dev.codexbridge.bench;

import static dev.codexbridge.bench.MonthBench.FDS;
import static dev.codexbridge.bench.MonthBench.HEAP;
import static dev.codexbridge.bench.MonthBench.HOMES;
import static dev.codexbridge.bench.MonthBench.JVM_FDS;
import static dev.codexbridge.bench.MonthBench.JVM_RSS;
import static dev.codexbridge.bench.MonthBench.JVM_THREADS;
import static dev.codexbridge.bench.MonthBench.PROCESSES;
import static dev.codexbridge.bench.MonthBench.SECONDS;
import static dev.codexbridge.bench.MonthBench.SERVED;
import static dev.codexbridge.bench.MonthBench.STORE;
import static dev.codexbridge.bench.MonthBench.THREADS;
import static dev.codexbridge.bench.MonthBench.TREE_RSS;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** One variant's run of {@link MonthBench}, printed as Markdown tables. */
record MonthReport(String name, int served, double seconds, int failed, List<long[]> rows, long[] quiet, int codexes, Set<Path> homes,
                   List<String> grew, String note) {
    private static final double MIB = 1024 * 1024.0;

    /** Every sample, then the growth per conversation ever served against the goals, then the classes that grew most. */
    void print() {
        System.out.printf("%nmonth %s: %,d conversations in %.0f s (%.1f/s, %d failed), %d codex process%s (%d recycle%s); homes %s; load %s%n%n",
                name, served, seconds, served / seconds, failed, codexes, codexes == 1 ? "" : "es", codexes - 1, codexes == 2 ? "" : "s", homes,
                MonthBench.load());
        System.out.println("| served | s | heap MiB | tree RSS MiB | JVM RSS MiB | processes | threads (JVM) | fds (JVM) | homes MiB | store MiB |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (long[] r : rows) {
            row(String.format("%,d", r[SERVED]), r);
        }
        row(String.format("%,d, 10 s quiet", quiet[SERVED]), quiet);
        System.out.printf("%n| per conversation ever served | heap KiB | tree RSS KiB | JVM RSS KiB | threads | fds | homes KiB | store KiB |%n");
        System.out.println("|---|---|---|---|---|---|---|---|");
        System.out.printf("| end − start, over %,d | %s | %s | %s | %s | %s | %s | %s |%n", served, growth(HEAP), growth(TREE_RSS), growth(JVM_RSS),
                count(growthCount(THREADS)), count(growthCount(FDS)), growth(HOMES), growth(STORE));
        System.out.printf("| slope after the first fifth | %s | %s | %s | %s | %s | %s | %s |%n", slope(HEAP), slope(TREE_RSS), slope(JVM_RSS),
                count(slopeCount(THREADS)), count(slopeCount(FDS)), slope(HOMES), slope(STORE));
        System.out.printf("| goal | ≤ %.0f | ≤ %.0f | | | | ≤ %.0f (asleep in a store) | |%n%n", MonthBench.HEAP_GOAL, MonthBench.TREE_GOAL,
                MonthBench.HOME_GOAL);
        if (!note.isEmpty()) {
            System.out.println(note);
        }
        System.out.println("Classes that grew the most in the serving JVM (end against start):");
        grew.forEach(line -> System.out.println("    " + line));
    }

    private static void row(String label, long[] r) {
        System.out.printf("| %s | %d | %.1f | %.1f | %.1f | %d | %d (%d) | %d (%d) | %.1f | %.1f |%n", label, r[SECONDS], r[HEAP] / MIB,
                r[TREE_RSS] / 1024.0, r[JVM_RSS] / 1024.0, r[PROCESSES], r[THREADS], r[JVM_THREADS], r[FDS], r[JVM_FDS], r[HOMES] / MIB,
                r[STORE] / MIB);
    }

    /** KiB per conversation, end against start; heap, homes and store are in bytes, RSS in KiB. */
    double growthKib(int col) {
        long[] first = rows.get(0);
        long[] last = rows.get(rows.size() - 1);
        return (last[col] - first[col]) / kibUnit(col) / Math.max(1, last[SERVED] - first[SERVED]);
    }

    /** KiB per conversation, least squares after the first fifth of the samples. */
    double slopeKib(int col) {
        return CodexMemoryBench.slope(rows.subList(rows.size() / 5, rows.size()), col) / kibUnit(col);
    }

    private double growthCount(int col) {
        long[] first = rows.get(0);
        long[] last = rows.get(rows.size() - 1);
        return (last[col] - first[col]) / (double) Math.max(1, last[SERVED] - first[SERVED]);
    }

    private double slopeCount(int col) {
        return CodexMemoryBench.slope(rows.subList(rows.size() / 5, rows.size()), col);
    }

    private static double kibUnit(int col) {
        return col == TREE_RSS || col == JVM_RSS ? 1 : 1024.0;
    }

    private String growth(int col) {
        return String.format("%+.2f", growthKib(col));
    }

    private String slope(int col) {
        return String.format("%+.2f", slopeKib(col));
    }

    private static String count(double perConversation) {
        return String.format("%+.4f", perConversation);
    }

    /** The variants side by side: growth per conversation ever served (and the slope), against the goals. */
    static void summary(List<MonthReport> reports, int n, int atOnce) {
        System.out.printf("%nmonth: %,d conversations per variant, %d at a time; KiB per conversation ever served, end against start "
                + "(slope after the first fifth)%n%n", n, atOnce);
        System.out.println("| variant | conv/s | failed | codexes | heap | tree RSS | threads | fds | homes | store | goals (heap ≤ 1, tree ≤ 4, "
                + "homes ≤ 1 with a store) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (MonthReport r : reports) {
            long[] first = r.rows.get(0);
            long[] last = r.rows.get(r.rows.size() - 1);
            boolean stored = r.name.contains("store") || r.name.contains("pg");
            String verdict = verdict("heap", r, HEAP, MonthBench.HEAP_GOAL) + ", " + verdict("tree", r, TREE_RSS, MonthBench.TREE_GOAL)
                    + (stored ? ", " + verdict("homes", r, HOMES, MonthBench.HOME_GOAL) : "");
            System.out.printf("| `%s` | %.1f | %d | %d | %s (%s) | %s (%s) | %d → %d | %d → %d | %s (%s) | %s (%s) | %s |%n", r.name,
                    r.served / r.seconds, r.failed, r.codexes, r.growth(HEAP), r.slope(HEAP), r.growth(TREE_RSS), r.slope(TREE_RSS),
                    first[THREADS], last[THREADS], first[FDS], last[FDS], r.growth(HOMES), r.slope(HOMES), r.growth(STORE), r.slope(STORE),
                    verdict);
        }
    }

    private static String verdict(String what, MonthReport r, int col, double goal) {
        return what + (Math.max(r.growthKib(col), r.slopeKib(col)) <= goal ? " met" : " not met");
    }
}
