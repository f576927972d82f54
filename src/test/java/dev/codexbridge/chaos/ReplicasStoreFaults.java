package dev.codexbridge.chaos;

import dev.codexbridge.store.PostgresServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The database's own faults in {@code bin/bench chaos --replicas} (issue 71): PostgreSQL restarted
 * fast ({@code pg_ctl restart -m fast}: every session ended with {@code 57P01}, what a managed
 * database does at its maintenance window), restarted immediate (a crash, as far as sessions and
 * recovery go), stopped for an outage of some seconds, and failed over to a synchronous standby
 * promoted behind the same address. Each is a window in which the store was
 * away; what the clients were told about calls in flight in those windows is reported beside the
 * run's other calls: how many answered "internal error" (the goal: none), and how long an answer
 * took (the goal: the store's timeout and a second at most, whatever else was waiting on it).
 */
final class ReplicasStoreFaults {
    /** A fault's window, wall-clock milliseconds; {@code store}: the database was away in it (not a stall, not the roll). */
    record Away(String what, long fromMs, long toMs, boolean store) {
        boolean overlaps(ReplicasAnswer a) {
            return a.sentMs() <= toMs && a.answeredMs() >= fromMs;
        }
    }

    /** The primary: the first server, the standby once promoted. */
    private volatile PostgresServer postgres;
    private final Consumer<String> event;
    private final List<Away> away = new CopyOnWriteArrayList<>();

    ReplicasStoreFaults(PostgresServer postgres, Consumer<String> event) {
        this.postgres = postgres;
        this.event = event;
    }

    /** Stops PostgreSQL as {@code how} says, keeps it stopped {@code downMs}, starts it again. */
    void restart(PostgresServer.Shutdown how, long downMs) {
        String what = downMs == 0 ? "PostgreSQL restarted " + how.name().toLowerCase(java.util.Locale.ROOT)
                : "PostgreSQL stopped " + how.name().toLowerCase(java.util.Locale.ROOT) + " for " + downMs / 1000 + " s";
        long from = System.currentTimeMillis();
        try {
            event.accept(what + ": stopping");
            postgres.stop(how);
            if (downMs > 0) {
                Thread.sleep(downMs);
            }
            postgres.start();
            long to = System.currentTimeMillis();
            away.add(new Away(what, from, to, true));
            event.accept(what + ": taking connections again after " + (to - from) + " ms");
        } catch (Exception e) {
            away.add(new Away(what, from, System.currentTimeMillis(), true));
            event.accept(what + " failed: " + e);
        }
    }

    /**
     * A failover to {@code standby}, a synchronous standby: the primary crashes (stopped
     * immediate), the standby is promoted and the database's address moves to it ({@code move});
     * the faults after it are the promoted standby's.
     */
    void failover(PostgresServer standby, List<String> standbyPrefix, ThrowingRunnable move) {
        String what = "PostgreSQL failed over to its synchronous standby";
        long from = System.currentTimeMillis();
        try {
            event.accept(what + ": the primary crashes");
            postgres.stop(PostgresServer.Shutdown.IMMEDIATE);
            standby.promote(standbyPrefix);
            move.run();
            postgres = standby;
            long to = System.currentTimeMillis();
            away.add(new Away(what, from, to, true));
            event.accept(what + ": the promoted standby takes connections at the same address after " + (to - from) + " ms");
        } catch (Exception e) {
            away.add(new Away(what, from, System.currentTimeMillis(), true));
            event.accept(what + " failed: " + e);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    List<Away> away() {
        return List.copyOf(away);
    }

    /** Another fault's window (a rolling restart, a stalled replica), reported the same way. */
    void window(String what, long fromMs, long toMs) {
        away.add(new Away(what, fromMs, toMs, false));
    }

    /** Whether {@code a} was told the server's own fault: "internal error", at either door. */
    static boolean internalError(ReplicasAnswer a) {
        return a.detail().contains("internal error") || a.detail().contains("-32603");
    }

    /** The report's lines: per window, the calls in flight, their outcomes, internal errors and answer times. */
    List<String> report(List<ReplicasAnswer> told) {
        List<String> lines = new ArrayList<>();
        long internal = told.stream().filter(ReplicasStoreFaults::internalError).count();
        lines.add("\"internal error\" answers in the whole run: " + internal);
        List<Long> outside = new ArrayList<>();
        for (ReplicasAnswer a : told) {
            if (away.stream().noneMatch(w -> w.overlaps(a))) {
                outside.add(a.answeredMs() - a.sentMs());
            }
        }
        for (Away w : away) {
            List<ReplicasAnswer> during = told.stream().filter(w::overlaps).toList();
            List<Long> ms = new ArrayList<>(during.stream().map(a -> a.answeredMs() - a.sentMs()).toList());
            java.util.Map<ReplicasAnswer.Told, Long> outcomes = new java.util.TreeMap<>();
            during.forEach(a -> outcomes.merge(a.told(), 1L, Long::sum));
            lines.add(String.format("%s (%.1f s): %d calls in flight %s, internal errors %d, answer p50 %.1f s, p99 %.1f s, "
                            + "longest %.1f s", w.what(), (w.toMs() - w.fromMs()) / 1000.0, during.size(), outcomes,
                    during.stream().filter(ReplicasStoreFaults::internalError).count(), percentile(ms, 50) / 1000.0,
                    percentile(ms, 99) / 1000.0, percentile(ms, 100) / 1000.0));
        }
        lines.add(String.format("calls in no such window: %d, answer p50 %.1f s, p99 %.1f s, longest %.1f s", outside.size(),
                percentile(outside, 50) / 1000.0, percentile(outside, 99) / 1000.0, percentile(outside, 100) / 1000.0));
        return lines;
    }

    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
