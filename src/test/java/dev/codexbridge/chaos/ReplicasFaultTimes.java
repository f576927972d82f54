package dev.codexbridge.chaos;

import dev.codexbridge.chaos.ReplicasAnswer.Told;
import dev.codexbridge.chaos.ReplicasStoreFaults.Away;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Times of {@code bin/bench chaos --replicas} read against the run's fault windows (issue 81): how
 * long a call took when its conversation moved between live replicas, against a call that stayed,
 * per door, away from every fault; the calls a SIGTERM cut; the longest answer while the database
 * was away, against its goal (the store timeout and a second).
 */
final class ReplicasFaultTimes {
    /** What happened to one replica. */
    enum Kind {
        /** SIGKILLed, until started again. */
        KILLED,
        /** Cut from PostgreSQL, until healed. */
        CUT_OFF,
        /** One principal's codex SIGKILLed and its home deleted. */
        CODEX_LOST,
        /** Stopped with SIGTERM, until its processes exited. */
        STOPPED
    }

    /** One replica's fault over wall-clock milliseconds ({@code toMs}: {@link Long#MAX_VALUE} when it never ended). */
    record ReplicaFault(Kind kind, String replica, long fromMs, long toMs) {
        boolean overlaps(long from, long to) {
            return from <= toMs && to >= fromMs;
        }
    }

    /** A door's calls away from every fault: answer times where the previous turn was served, and elsewhere; the rest not completed. */
    record Moves(List<Long> stayedMs, List<Long> movedMs, int notCompleted) {
    }

    private ReplicasFaultTimes() {
    }

    /**
     * Per door, each call measured against the conversation's previous completed turn: a completed
     * call served by that turn's replica stayed, by another it moved. A call counts only when
     * nothing went wrong from the previous turn's send to its own answer: no window of
     * {@code away} (the database's faults, the stall, the roll) overlaps that span, and no fault of
     * either replica does. The first call of a conversation has nothing to move from.
     */
    static Map<String, Moves> moves(List<ReplicasAnswer> answers, List<Away> away, List<ReplicaFault> faults) {
        Map<String, Moves> doors = new TreeMap<>();
        Map<Integer, List<ReplicasAnswer>> bySlot = new TreeMap<>();
        for (ReplicasAnswer a : answers) {
            bySlot.computeIfAbsent(a.slot(), s -> new ArrayList<>()).add(a);
        }
        for (List<ReplicasAnswer> calls : bySlot.values()) {
            calls.sort(Comparator.comparingLong(ReplicasAnswer::sentMs));
            ReplicasAnswer previous = null;
            for (ReplicasAnswer a : calls) {
                boolean served = a.told() == Told.COMPLETED && a.replica() != null;
                if (previous != null && clean(previous.sentMs(), a.answeredMs(), previous.replica(), a.replica(), away, faults)) {
                    Moves door = doors.computeIfAbsent(a.door(), d -> new Moves(new ArrayList<>(), new ArrayList<>(), 0));
                    if (!served) {
                        doors.put(a.door(), new Moves(door.stayedMs(), door.movedMs(), door.notCompleted() + 1));
                    } else {
                        (a.replica().equals(previous.replica()) ? door.stayedMs() : door.movedMs()).add(a.answeredMs() - a.sentMs());
                    }
                }
                if (served) {
                    previous = a;
                }
            }
        }
        doors.values().forEach(m -> {
            m.stayedMs().sort(null);
            m.movedMs().sort(null);
        });
        return doors;
    }

    private static boolean clean(long from, long to, @Nullable String was, @Nullable String now, List<Away> away, List<ReplicaFault> faults) {
        if (away.stream().anyMatch(w -> w.fromMs() <= to && w.toMs() >= from)) {
            return false;
        }
        return faults.stream().noneMatch(f -> (f.replica().equals(was) || f.replica().equals(now)) && f.overlaps(from, to));
    }

    /** Calls in flight while a replica stopped with SIGTERM. */
    static List<ReplicasAnswer> inFlightAtSigterm(List<ReplicasAnswer> answers, List<ReplicaFault> faults) {
        return answers.stream().filter(a -> faults.stream().anyMatch(f -> f.kind() == Kind.STOPPED && f.overlaps(a.sentMs(), a.answeredMs())))
                .toList();
    }

    /**
     * Of those, the calls cut: no answer (the connection ended), or the proxy's 502. A call its
     * caller gave up at its own timeout is not one: nothing ended it, it took longer than the caller waits.
     */
    static List<ReplicasAnswer> cutAtSigterm(List<ReplicasAnswer> answers, List<ReplicaFault> faults) {
        return inFlightAtSigterm(answers, faults).stream().filter(a -> a.unanswered() && !a.timedOut() || a.proxyRefused()).toList();
    }

    /** The longest call in flight while the database was away (a failover, a restart, an outage), or null when none was. */
    static @Nullable ReplicasAnswer longestWhileStoreAway(List<ReplicasAnswer> answers, List<Away> away) {
        return answers.stream().filter(a -> away.stream().anyMatch(w -> w.store() && w.overlaps(a)))
                .max(Comparator.comparingLong(a -> a.answeredMs() - a.sentMs())).orElse(null);
    }

    /** The report's lines; {@code storeTimeout} is how long the replicas wait for a database connection. */
    static List<String> lines(List<ReplicasAnswer> answers, List<Away> away, List<ReplicaFault> faults, Duration storeTimeout) {
        List<String> lines = new ArrayList<>();
        Map<String, String> doorNames = new LinkedHashMap<>();
        doorNames.put("a2a", "A2A");
        doorNames.put("mcp", "MCP");
        doorNames.put("openai", "OpenAI");
        Map<String, Moves> moves = moves(answers, away, faults);
        StringBuilder m = new StringBuilder("move between live replicas, away from every fault (goal: 1 s plus the turn at most):");
        doorNames.forEach((door, name) -> {
            Moves d = moves.getOrDefault(door, new Moves(List.of(), List.of(), 0));
            m.append(String.format(" %s moved %d, p50 %s, p99 %s, max %s; stayed %d, p50 %s, p99 %s, max %s; %d not completed;", name,
                    d.movedMs().size(), ReplicasVerdict.seconds(ReplicasVerdict.percentile(d.movedMs(), 50)),
                    ReplicasVerdict.seconds(ReplicasVerdict.percentile(d.movedMs(), 99)),
                    ReplicasVerdict.seconds(ReplicasVerdict.percentile(d.movedMs(), 100)), d.stayedMs().size(),
                    ReplicasVerdict.seconds(ReplicasVerdict.percentile(d.stayedMs(), 50)),
                    ReplicasVerdict.seconds(ReplicasVerdict.percentile(d.stayedMs(), 99)),
                    ReplicasVerdict.seconds(ReplicasVerdict.percentile(d.stayedMs(), 100)), d.notCompleted()));
        });
        lines.add(m.substring(0, m.length() - 1));
        List<ReplicasAnswer> inFlight = inFlightAtSigterm(answers, faults);
        List<ReplicasAnswer> cut = cutAtSigterm(answers, faults);
        long stops = faults.stream().filter(f -> f.kind() == Kind.STOPPED).count();
        long gaveUp = inFlight.stream().filter(ReplicasAnswer::timedOut).count();
        lines.add(String.format("calls cut at SIGTERM (goal 0): %d of %d calls in flight across %d SIGTERMs (%d ended with no answer, "
                        + "%d answered 502 by the proxy)%s", cut.size(), inFlight.size(), stops, cut.stream().filter(ReplicasAnswer::unanswered).count(),
                cut.stream().filter(ReplicasAnswer::proxyRefused).count(), gaveUp == 0 ? "" : "; " + gaveUp + " given up at the caller's own timeout"));
        cut.stream().limit(5).forEach(a -> lines.add("  " + a.door() + " " + a.key() + " copy " + a.copy() + ": " + a.detail()));
        ReplicasAnswer longest = longestWhileStoreAway(answers, away);
        long goalMs = storeTimeout.toMillis() + 1000;
        long windows = away.stream().filter(Away::store).count();
        if (longest == null) {
            lines.add("the longest answer while the store was away: no call in flight in its " + windows + " windows");
        } else {
            long ms = longest.answeredMs() - longest.sentMs();
            lines.add(String.format("the longest answer while the store was away (%d windows: failover, restarts, outage): %s, %s %s %s "
                            + "(goal: the store timeout %d s + 1 s = %s: %s)", windows, ReplicasVerdict.seconds(ms), longest.door(), longest.key(),
                    longest.told(), storeTimeout.toSeconds(), ReplicasVerdict.seconds(goalMs), ms <= goalMs ? "met" : "not met"));
            Added added = longestAddedWhileStoreAway(answers, away);
            lines.add(String.format("the longest the store's absence added to an answer (from the later of the call's send and its "
                            + "window's start): %s, %s %s %s, sent %s before the window (against the same goal: %s)",
                    ReplicasVerdict.seconds(added.ms()), added.answer().door(), added.answer().key(), added.answer().told(),
                    ReplicasVerdict.seconds(Math.max(0, added.windowFromMs() - added.answer().sentMs())),
                    added.ms() <= goalMs ? "met" : "not met"));
        }
        return lines;
    }

    /** What a store window added to one answer: from the later of its send and the window's start to the answer. */
    record Added(ReplicasAnswer answer, long windowFromMs, long ms) {
    }

    /**
     * Of the calls in flight while the database was away, the one the absence held longest,
     * counted from the later of its send and the window's start: a call sent before the window
     * brought its own work (a turn under way) into it, which no answer to the outage can take back.
     */
    static @Nullable Added longestAddedWhileStoreAway(List<ReplicasAnswer> answers, List<Away> away) {
        Added longest = null;
        for (ReplicasAnswer a : answers) {
            for (Away w : away) {
                if (w.store() && w.overlaps(a)) {
                    long ms = a.answeredMs() - Math.max(a.sentMs(), w.fromMs());
                    if (longest == null || ms > longest.ms()) {
                        longest = new Added(a, w.fromMs(), ms);
                    }
                }
            }
        }
        return longest;
    }
}
