package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.chaos.ReplicasAnswer.Told;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The verdict of {@code bin/bench chaos --replicas}: what each client was told against codex's
 * record as the store keeps it (each stored lineage's turns and the user messages they carry), the
 * model's requests (each turn's request must carry every earlier turn its client was told
 * completed: a conversation forked by a second writer, or woken from an older copy, lacks one),
 * and every replica's answer to {@code GetTask} at the end. Beside the divergences: how soon a killed
 * or stalled replica's conversations were served elsewhere, and how many messages sent again with
 * their identity ran twice, each also by door ({@code a2a}, {@code mcp}, {@code openai}).
 */
final class ReplicasVerdict {
    private static final Pattern KEY = Pattern.compile(Pattern.quote(ReplicasClients.PREFIX) + "(s\\d+-t\\d+)");
    private static final Pattern SLOT_AND_NUMBER = Pattern.compile("s(\\d+)-t(\\d+)");

    enum Kind {
        /** Told completed; the record has no completed turn carrying the message. */
        COMPLETED_NOT_IN_RECORD,
        /** Told completed with a turn id; the record carries the message in another turn. */
        TURN_ID_DIFFERS,
        /** Told failed or refused; the record has the message in a completed turn. */
        FAILED_BUT_COMPLETED,
        /**
         * The message is in the record more than once, or the model was asked for it more than once
         * besides the runs that died with their replica (a copy left without an answer by its
         * replica's kill, cut from the database or stall: that run was never stored, and sending it
         * again is the only way it completes).
         */
        RAN_TWICE,
        /** A turn's model request lacks an earlier turn of its conversation that its client was told completed. */
        HISTORY_LOST,
        /** Two turns its client was told completed one after the other are in the record the other way round. */
        OUT_OF_ORDER,
        /**
         * A turn ran after a newer message of its conversation: its model request carries a message its
         * client sent after it, or the record has it after a newer completed turn (the history reads 16, 18, 17).
         */
        STALE_AFTER_NEWER,
        /** A replica does not know an A2A task at the end. */
        TASK_LOST,
        /** The replicas answer GetTask with different states. */
        TASK_DISAGREES,
        /** The state every replica gives is not the final state its client was told. */
        TASK_TOLD_OTHERWISE
    }

    /**
     * Where a message is in codex's record: its thread, its turn, whether that turn completed, how
     * often the message appears, in how many distinct turns, its place among the thread's messages.
     */
    record InRecord(String thread, @Nullable String turn, boolean completed, int copies, int turns, int position) {
    }

    /** A replica killed at {@code atMs} (r1, r2, ...). */
    record Kill(String replica, long atMs) {
    }

    /** A replica stalled (SIGSTOP) at {@code atMs}. */
    record Stall(String replica, long atMs) {
    }

    private final Map<Kind, List<String>> found = new LinkedHashMap<>();
    private final List<Long> failoverMs = new ArrayList<>();
    private int neverServedElsewhere;
    private final List<Long> stallFailoverMs = new ArrayList<>();
    private final List<Long> stayedOnStalledMs = new ArrayList<>();
    /** Of {@link #stallFailoverMs}, from the later of the SIGSTOP and the send of the call served elsewhere: past the caller's own retry. */
    private final List<Long> stallFailoverFromSendMs = new ArrayList<>();
    /** Kill failover from the later of the SIGKILL and the send of the call that completed elsewhere: past the caller's own retry. */
    private final List<Long> failoverFromSendMs = new ArrayList<>();
    /** Calls of a killed replica's conversations refused ("send again") between the SIGKILL and the turn that completed elsewhere. */
    private int refusedBeforeFailover;
    private int stalledNeverServed;
    private int staleRuns;
    private int staleInRecord;
    private final Set<String> resent = new HashSet<>();
    private final Set<String> doubled = new HashSet<>();
    private int doubledInRecord;
    /** Copies cut without an answer by their replica's kill: runs that may have reached the model and died unstored. */
    private int diedWithReplica;
    private int doubledAsked;
    /** Each slot's door, as its answers name it. */
    private final Map<Integer, String> doorOf = new HashMap<>();
    private final Map<String, List<Long>> failoverByDoor = new TreeMap<>();
    private final Map<String, List<Long>> stallFailoverByDoor = new TreeMap<>();
    private final Map<String, Integer> staleByDoor = new TreeMap<>();
    private final Map<String, Integer> resentByDoor = new TreeMap<>();
    private final Map<String, Integer> doubledByDoor = new TreeMap<>();

    private ReplicasVerdict() {
        for (Kind k : Kind.values()) {
            found.put(k, new ArrayList<>());
        }
    }

    /** Each message key in the stored conversations → where it is. */
    static Map<String, InRecord> record(Collection<StoredConversation> stored) {
        Map<String, InRecord> where = new HashMap<>();
        for (StoredConversation c : stored) {
            Set<String> completed = new HashSet<>();
            Map<String, String> keyTurn = new LinkedHashMap<>();
            Map<String, Integer> copies = new HashMap<>();
            Map<String, Set<String>> turns = new HashMap<>();
            String turn = null;
            for (RolloutFile f : c.lineage()) {
                for (String line : new String(f.bytes(), StandardCharsets.UTF_8).split("\n")) {
                    JsonNode e;
                    try {
                        e = Json.mapper().readTree(line);
                    } catch (IOException notJson) {
                        continue;
                    }
                    if (e == null) {
                        continue;
                    }
                    JsonNode p = e.path("payload");
                    String kind = e.path("type").asText() + "/" + p.path("type").asText();
                    switch (kind) {
                        case "event_msg/task_started" -> turn = p.path("turn_id").asText(null);
                        case "event_msg/task_complete" -> completed.add(p.path("turn_id").asText(""));
                        case "response_item/message" -> {
                            if (!"user".equals(p.path("role").asText())) {
                                break;
                            }
                            for (JsonNode part : p.path("content")) {
                                Matcher m = KEY.matcher(part.path("text").asText(""));
                                if (m.find()) {
                                    keyTurn.put(m.group(1), turn);
                                    copies.merge(m.group(1), 1, Integer::sum);
                                    turns.computeIfAbsent(m.group(1), x -> new HashSet<>()).add(Objects.toString(turn, ""));
                                }
                            }
                        }
                        default -> {
                        }
                    }
                }
            }
            int position = 0;
            for (Map.Entry<String, String> e : keyTurn.entrySet()) {
                String k = e.getKey();
                String t = e.getValue();
                InRecord r = new InRecord(c.threadId(), t, t != null && completed.contains(t), copies.get(k), turns.get(k).size(),
                        position++);
                InRecord before = where.put(k, r);
                if (before != null) {
                    where.put(k, new InRecord(r.thread(), r.turn(), r.completed() || before.completed(), r.copies() + before.copies(),
                            r.turns() + before.turns(), r.position()));
                }
            }
        }
        return where;
    }

    /** The message keys of a model request's user texts, in order. */
    static List<String> keys(List<String> userTexts) {
        List<String> keys = new ArrayList<>();
        for (String t : userTexts) {
            Matcher m = KEY.matcher(t);
            while (m.find()) {
                keys.add(m.group(1));
            }
        }
        return keys;
    }

    /**
     * Judges the run: {@code modelRequests} each request's keys (its own last), {@code tasks} each
     * A2A task id → every replica's state for it (null: not known there).
     */
    static ReplicasVerdict judge(List<ReplicasAnswer> answers, Map<String, InRecord> record, List<List<String>> modelRequests,
                                 Map<String, List<@Nullable String>> tasks, List<Kill> kills, List<Stall> stalls) {
        return judge(answers, record, modelRequests, tasks, kills, stalls, List.of());
    }

    /**
     * {@link #judge}, where {@code cuts} are the replicas cut from the database (each when): a turn
     * under way there as it was cut dies unstored, as a killed replica's does.
     */
    static ReplicasVerdict judge(List<ReplicasAnswer> answers, Map<String, InRecord> record, List<List<String>> modelRequests,
                                 Map<String, List<@Nullable String>> tasks, List<Kill> kills, List<Stall> stalls, List<Kill> cuts) {
        ReplicasVerdict v = new ReplicasVerdict();
        answers.forEach(a -> v.doorOf.putIfAbsent(a.slot(), a.door()));
        Map<String, Integer> asked = new HashMap<>();
        Map<String, List<String>> requestOf = new HashMap<>();
        for (List<String> keys : modelRequests) {
            if (!keys.isEmpty()) {
                String own = keys.get(keys.size() - 1);
                asked.merge(own, 1, Integer::sum);
                requestOf.putIfAbsent(own, keys);
            }
        }
        List<Kill> lost = new ArrayList<>(kills);
        lost.addAll(cuts);
        Map<String, Integer> diedWith = diedWithTheirReplica(answers, lost, stalls);
        v.diedWithReplica = diedWith.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Integer> beyondDeaths = new HashMap<>();
        asked.forEach((key, n) -> beyondDeaths.put(key, n - diedWith.getOrDefault(key, 0)));
        Map<String, ReplicasAnswer> byTask = new HashMap<>();
        Set<String> judgedTwice = new HashSet<>();
        for (ReplicasAnswer a : answers) {
            InRecord r = record.get(a.key());
            String where = a.door() + " slot " + a.slot() + " " + a.key() + " (" + a.told() + " by " + a.replica() + ", thread "
                    + (r != null ? r.thread() : a.threadId()) + ")";
            if (a.told() == Told.COMPLETED) {
                if (r == null || !r.completed()) {
                    v.add(Kind.COMPLETED_NOT_IN_RECORD, where + ": record " + r);
                } else if (a.turnId() != null && !a.turnId().equals(r.turn())) {
                    v.add(Kind.TURN_ID_DIFFERS, where + ": told turn " + a.turnId() + ", record " + r.turn());
                }
            } else if ((a.told() == Told.FAILED || a.told() == Told.REFUSED && !afterNoAnswer(answers, a)) && r != null && r.completed()) {
                // a copy's refusal ("nothing was run") speaks for that copy: an earlier one that got no answer may have run
                v.add(Kind.FAILED_BUT_COMPLETED, where + ": " + a.detail() + "; record " + r);
            }
            // a message's copies are one message: it ran twice or it did not
            if (((r != null && r.copies() > 1) || beyondDeaths.getOrDefault(a.key(), 0) > 1) && judgedTwice.add(a.key())) {
                v.add(Kind.RAN_TWICE, where + ": " + (r != null ? r.copies() : 0) + " in the record, " + asked.getOrDefault(a.key(), 0)
                        + " model requests");
            }
            List<String> request = requestOf.get(a.key());
            if (request != null) {
                List<String> missing = new ArrayList<>();
                for (ReplicasAnswer earlier : answers) {
                    if (earlier.slot() == a.slot() && earlier.told() == Told.COMPLETED && earlier.answeredMs() <= a.sentMs()
                            && !request.contains(earlier.key())) {
                        missing.add(earlier.key());
                    }
                }
                if (!missing.isEmpty()) {
                    v.add(Kind.HISTORY_LOST, where + ": its model request lacks " + missing);
                }
            }
            if (a.taskId() != null) {
                byTask.put(a.taskId(), a);
            }
        }
        Map<Integer, InRecord> lastOfSlot = new HashMap<>();
        Map<Integer, String> lastKey = new HashMap<>();
        answers.stream().filter(a -> a.told() == Told.COMPLETED).sorted(java.util.Comparator.comparingLong(ReplicasAnswer::answeredMs))
                .forEach(a -> {
                    InRecord r = record.get(a.key());
                    if (r == null) {
                        return;
                    }
                    InRecord before = lastOfSlot.put(a.slot(), r);
                    if (before != null && before.thread().equals(r.thread()) && before.position() > r.position()) {
                        v.add(Kind.OUT_OF_ORDER, a.door() + " slot " + a.slot() + ": " + a.key() + " is before " + lastKey.get(a.slot())
                                + " in thread " + r.thread());
                    }
                    lastKey.put(a.slot(), a.key());
                });
        tasks.forEach((task, states) -> {
            ReplicasAnswer told = byTask.get(task);
            String where = "task " + task + (told != null ? " (" + told.key() + ", told " + told.state() + ")" : "");
            if (states.contains(null)) {
                v.add(Kind.TASK_LOST, where + ": " + states);
            } else if (new HashSet<>(states).size() > 1) {
                v.add(Kind.TASK_DISAGREES, where + ": " + states);
            } else if (told != null && isFinal(told.state()) && !Objects.equals(told.state(), states.get(0))) {
                v.add(Kind.TASK_TOLD_OTHERWISE, where + ": the replicas say " + states.get(0));
            }
        });
        v.stale(modelRequests, record);
        v.doubles(answers, record, beyondDeaths);
        v.failovers(answers, kills);
        v.stallFailovers(answers, stalls);
        return v;
    }

    /** {@code s3-t7} → {slot 3, message 7}: the client numbers its messages in the order it sends them. */
    private static int[] slotAndNumber(String key) {
        Matcher m = SLOT_AND_NUMBER.matcher(key);
        if (!m.matches()) {
            throw new IllegalArgumentException(key);
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /**
     * Turns run after a newer message of their conversation: a model request whose own message is
     * older than one its history carries (codex ran it on top of the newer turn), and a message the
     * record holds after a newer one whose turn completed (the history out of order, whatever the
     * clients were told).
     */
    private void stale(List<List<String>> modelRequests, Map<String, InRecord> record) {
        Set<String> ranLate = new HashSet<>();
        for (List<String> keys : modelRequests) {
            if (keys.isEmpty()) {
                continue;
            }
            String own = keys.get(keys.size() - 1);
            int[] o = slotAndNumber(own);
            for (String earlier : keys.subList(0, keys.size() - 1)) {
                int[] e = slotAndNumber(earlier);
                if (e[0] == o[0] && e[1] > o[1] && ranLate.add(own)) {
                    staleRuns++;
                    staleByDoor.merge(doorOf.getOrDefault(o[0], "?"), 1, Integer::sum);
                    add(Kind.STALE_AFTER_NEWER, own + " ran with the newer " + earlier + " in its history (model request " + keys + ")");
                }
            }
        }
        Map<String, List<String>> byThread = new HashMap<>();
        record.forEach((key, r) -> byThread.computeIfAbsent(r.thread(), t -> new ArrayList<>()).add(key));
        byThread.forEach((thread, keys) -> {
            keys.sort(java.util.Comparator.comparingInt(k -> record.get(k).position()));
            for (int i = 0; i < keys.size(); i++) {
                int[] late = slotAndNumber(keys.get(i));
                for (String before : keys.subList(0, i)) {
                    int[] b = slotAndNumber(before);
                    if (b[0] == late[0] && b[1] > late[1] && record.get(before).completed()) {
                        staleInRecord++;
                        if (ranLate.add(keys.get(i))) {
                            staleByDoor.merge(doorOf.getOrDefault(late[0], "?"), 1, Integer::sum);
                            add(Kind.STALE_AFTER_NEWER, keys.get(i) + " is after the newer " + before + " in thread " + thread);
                        }
                        break;
                    }
                }
            }
        });
    }

    /**
     * Of the messages sent again with their identity after no answer (a copy numbered 2 or more),
     * those the record holds in more than one turn, and those the model was asked for more than once
     * ({@code asked}: besides the runs that died with their replica).
     */
    private void doubles(List<ReplicasAnswer> answers, Map<String, InRecord> record, Map<String, Integer> asked) {
        for (ReplicasAnswer a : answers) {
            if (a.copy() > 1) {
                resent.add(a.key());
            }
        }
        for (String key : resent) {
            InRecord r = record.get(key);
            boolean inTwoTurns = r != null && r.turns() > 1;
            boolean askedTwice = asked.getOrDefault(key, 0) > 1;
            doubledInRecord += inTwoTurns ? 1 : 0;
            doubledAsked += askedTwice ? 1 : 0;
            String door = doorOf.getOrDefault(slotAndNumber(key)[0], "?");
            resentByDoor.merge(door, 1, Integer::sum);
            if (inTwoTurns || askedTwice) {
                doubled.add(key);
                doubledByDoor.merge(door, 1, Integer::sum);
            }
        }
    }

    /** Whether an earlier copy of {@code a}'s message got no answer. */
    private static boolean afterNoAnswer(List<ReplicasAnswer> answers, ReplicasAnswer a) {
        return answers.stream().anyMatch(b -> b.key().equals(a.key()) && b.copy() < a.copy() && b.unanswered());
    }

    /**
     * By message, its copies that got no answer because their replica was killed, cut from the
     * database or stalled while they ran (that between the copy's send and the end of its call): each may
     * have reached the model once — a stalled replica's codex goes on with a turn begun before the
     * stall, which its JVM, stopped, then finds it may not store — and no store has its turn.
     */
    private static Map<String, Integer> diedWithTheirReplica(List<ReplicasAnswer> answers, List<Kill> kills, List<Stall> stalls) {
        Map<String, Integer> died = new HashMap<>();
        for (ReplicasAnswer a : answers) {
            if (a.unanswered() && stalls.stream().anyMatch(st -> st.atMs() >= a.sentMs() && st.atMs() <= a.answeredMs())) {
                died.merge(a.key(), 1, Integer::sum);
            } else if (a.unanswered() && kills.stream().anyMatch(k -> k.atMs() >= a.sentMs() && k.atMs() <= a.answeredMs())) {
                died.merge(a.key(), 1, Integer::sum);
            }
        }
        return died;
    }

    private static boolean isFinal(@Nullable String state) {
        return state != null && Set.of("completed", "failed", "canceled", "rejected").contains(state);
    }

    /**
     * For each stall, each conversation its replica served last before the SIGSTOP: the time from the
     * SIGSTOP until the conversation's next completed turn, when another replica served it. A
     * conversation whose next turn the stalled replica itself served once it went on did not move
     * ({@link #stayedOnStalledMs}: from the SIGSTOP to that turn's answer, the stall waited out); one
     * with no turn completed after the SIGSTOP never came back.
     */
    private void stallFailovers(List<ReplicasAnswer> answers, List<Stall> stalls) {
        for (Stall s : stalls) {
            Map<Integer, ReplicasAnswer> lastBefore = new TreeMap<>();
            for (ReplicasAnswer a : answers) {
                if (a.told() == Told.COMPLETED && a.answeredMs() < s.atMs()) {
                    lastBefore.merge(a.slot(), a, (x, y) -> y.answeredMs() > x.answeredMs() ? y : x);
                }
            }
            lastBefore.forEach((slot, last) -> {
                if (!s.replica().equals(last.replica())) {
                    return;
                }
                answers.stream().filter(a -> a.slot() == slot && a.told() == Told.COMPLETED && a.answeredMs() >= s.atMs())
                        .min(java.util.Comparator.comparingLong(ReplicasAnswer::answeredMs))
                        .ifPresentOrElse(next -> {
                            if (s.replica().equals(next.replica())) {
                                stayedOnStalledMs.add(next.answeredMs() - s.atMs());
                            } else {
                                stallFailoverMs.add(next.answeredMs() - s.atMs());
                                stallFailoverFromSendMs.add(next.answeredMs() - Math.max(s.atMs(), next.sentMs()));
                                stallFailoverByDoor.computeIfAbsent(last.door(), d -> new ArrayList<>()).add(next.answeredMs() - s.atMs());
                            }
                        }, () -> stalledNeverServed++);
            });
        }
        stallFailoverMs.sort(null);
        stallFailoverFromSendMs.sort(null);
        stayedOnStalledMs.sort(null);
        stallFailoverByDoor.values().forEach(ms -> ms.sort(null));
    }

    /** For each kill, each conversation its replica served last: the time until another replica completed a turn of it. */
    private void failovers(List<ReplicasAnswer> answers, List<Kill> kills) {
        for (Kill k : kills) {
            Map<Integer, ReplicasAnswer> lastBefore = new TreeMap<>();
            for (ReplicasAnswer a : answers) {
                if (a.told() == Told.COMPLETED && a.answeredMs() < k.atMs()) {
                    lastBefore.merge(a.slot(), a, (x, y) -> y.answeredMs() > x.answeredMs() ? y : x);
                }
            }
            lastBefore.forEach((slot, last) -> {
                if (!k.replica().equals(last.replica())) {
                    return;
                }
                answers.stream().filter(a -> a.slot() == slot && a.told() == Told.COMPLETED && a.sentMs() >= k.atMs()
                        && !k.replica().equals(a.replica())).min(java.util.Comparator.comparingLong(ReplicasAnswer::answeredMs))
                        .ifPresentOrElse(next -> {
                            long t = next.answeredMs();
                            failoverMs.add(t - k.atMs());
                            failoverFromSendMs.add(t - Math.max(k.atMs(), next.sentMs()));
                            // a refusal on the way is time the caller lost that the from-send figure does not show: counted beside it
                            refusedBeforeFailover += (int) answers.stream().filter(a -> a.slot() == slot && a.told() == Told.REFUSED
                                    && a.sentMs() >= k.atMs() && a.answeredMs() <= t).count();
                            failoverByDoor.computeIfAbsent(last.door(), d -> new ArrayList<>()).add(t - k.atMs());
                        }, () -> neverServedElsewhere++);
            });
        }
        failoverMs.sort(null);
        failoverFromSendMs.sort(null);
        failoverByDoor.values().forEach(ms -> ms.sort(null));
    }

    private void add(Kind kind, String what) {
        found.get(kind).add(what);
    }

    int total() {
        return found.values().stream().mapToInt(List::size).sum();
    }

    Map<Kind, List<String>> found() {
        return found;
    }

    List<Long> failoverMs() {
        return failoverMs;
    }

    int neverServedElsewhere() {
        return neverServedElsewhere;
    }

    /** The p-th percentile (0–100) of the failover times, or -1 when none. */
    long failoverPercentile(int p) {
        return percentile(failoverMs, p);
    }

    List<Long> stallFailoverMs() {
        return stallFailoverMs;
    }

    /** The p-th percentile (0–100) of the stall's failover times, or -1 when none. */
    long stallFailoverPercentile(int p) {
        return percentile(stallFailoverMs, p);
    }

    List<Long> stayedOnStalledMs() {
        return stayedOnStalledMs;
    }

    int stalledNeverServed() {
        return stalledNeverServed;
    }

    /** Model requests whose own message was older than one in their history. */
    int staleRuns() {
        return staleRuns;
    }

    /** Messages the record holds after a newer completed turn of their conversation. */
    int staleInRecord() {
        return staleInRecord;
    }

    /** Messages sent again with their identity. */
    Set<String> resent() {
        return resent;
    }

    /** Of {@link #resent}, those that ran twice: in two turns of the record, or asked of the model twice. */
    Set<String> doubled() {
        return doubled;
    }

    int doubledInRecord() {
        return doubledInRecord;
    }

    int doubledAsked() {
        return doubledAsked;
    }

    /** Per door, the kill failover times of the conversations whose last turn before the kill was at that door. */
    Map<String, List<Long>> failoverByDoor() {
        return failoverByDoor;
    }

    /** Per door, the stall failover times of the conversations served by another replica. */
    Map<String, List<Long>> stallFailoverByDoor() {
        return stallFailoverByDoor;
    }

    /** Per door, the stale turns ({@link Kind#STALE_AFTER_NEWER}). */
    Map<String, Integer> staleByDoor() {
        return staleByDoor;
    }

    /** Per door, the messages sent again after no answer. */
    Map<String, Integer> resentByDoor() {
        return resentByDoor;
    }

    /** Per door, of those, the ones that ran twice. */
    Map<String, Integer> doubledByDoor() {
        return doubledByDoor;
    }

    /** Per door: its count, p99 and max of {@code ms}. */
    private static String byDoor(Map<String, List<Long>> ms) {
        StringBuilder b = new StringBuilder("by door:");
        ms.forEach((door, times) -> b.append(String.format(" %s %d, p99 %s, max %s;", door, times.size(), seconds(percentile(times, 99)),
                seconds(percentile(times, 100)))));
        return ms.isEmpty() ? "by door: none" : b.substring(0, b.length() - 1);
    }

    /** The p-th percentile (0–100) of sorted {@code ms}, or -1 when there are none. */
    static long percentile(List<Long> ms, int p) {
        if (ms.isEmpty()) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * ms.size()) - 1;
        return ms.get(Math.max(0, Math.min(i, ms.size() - 1)));
    }

    /** The lines beside the divergences: kill and stall failover, stale turns, turns doubled by resends. */
    List<String> summary() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("failover (SIGKILL -> a conversation of that replica served elsewhere): %d conversations, p50 %s, p99 %s, "
                        + "max %s, %d never served elsewhere before the end; times %s; from the later of the SIGKILL and the call's send "
                        + "(past the caller's own retry): p99 %s, max %s, %d calls refused before it; %s", failoverMs.size(),
                seconds(failoverPercentile(50)), seconds(failoverPercentile(99)), seconds(failoverPercentile(100)), neverServedElsewhere,
                failoverMs, seconds(percentile(failoverFromSendMs, 99)), seconds(percentile(failoverFromSendMs, 100)), refusedBeforeFailover,
                byDoor(failoverByDoor)));
        lines.add(String.format("stall failover (SIGSTOP -> a conversation of that replica served by another): %d conversations, p50 %s, "
                        + "p99 %s, max %s; times %s; %d next served by the stalled replica itself once it went on, times %s; %d never "
                        + "served again before the end; moved %s; from the later of the SIGSTOP and the call's send (past the caller's own "
                        + "retry): p99 %s, max %s", stallFailoverMs.size(), seconds(stallFailoverPercentile(50)),
                seconds(stallFailoverPercentile(99)), seconds(stallFailoverPercentile(100)), stallFailoverMs, stayedOnStalledMs.size(),
                stayedOnStalledMs, stalledNeverServed, byDoor(stallFailoverByDoor), seconds(percentile(stallFailoverFromSendMs, 99)),
                seconds(percentile(stallFailoverFromSendMs, 100))));
        lines.add(String.format("stale turns run after newer ones (goal 0): %d (%d model requests whose own message is older than one "
                        + "in their history, %d messages in the store's record after a newer completed turn); by door %s",
                found.get(Kind.STALE_AFTER_NEWER).size(), staleRuns, staleInRecord, staleByDoor));
        lines.add(String.format("turns doubled by resends with the same identity (goal 0): %d of %d messages sent again after no answer "
                        + "(%d in more than one turn of the store's record, %d asked of the model more than once); sent again by door %s, "
                        + "doubled by door %s; %d copies cut by their replica's kill, cut or stall (a run that died unstored, not "
                        + "counted as a second)", doubled.size(), resent.size(), doubledInRecord, doubledAsked, resentByDoor, doubledByDoor,
                diedWithReplica));
        return lines;
    }

    /** Milliseconds as seconds with one decimal, or "-" for none. */
    static String seconds(long ms) {
        return ms < 0 ? "-" : String.format("%.1f s", ms / 1000.0);
    }

    /** One line per kind with divergences, each with up to {@code examples} of them. */
    List<String> lines(int examples) {
        List<String> lines = new ArrayList<>();
        found.forEach((kind, list) -> {
            if (!list.isEmpty()) {
                lines.add(kind + ": " + list.size());
                list.stream().limit(examples).forEach(x -> lines.add("  " + x));
            }
        });
        return lines;
    }
}
