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
 * and every replica's answer to {@code GetTask} at the end.
 */
final class ReplicasVerdict {
    private static final Pattern KEY = Pattern.compile(Pattern.quote(ReplicasClients.PREFIX) + "(s\\d+-t\\d+)");

    enum Kind {
        /** Told completed; the record has no completed turn carrying the message. */
        COMPLETED_NOT_IN_RECORD,
        /** Told completed with a turn id; the record carries the message in another turn. */
        TURN_ID_DIFFERS,
        /** Told failed or refused; the record has the message in a completed turn. */
        FAILED_BUT_COMPLETED,
        /** The message is in the record more than once, or the model was asked for it more than once. */
        RAN_TWICE,
        /** A turn's model request lacks an earlier turn of its conversation that its client was told completed. */
        HISTORY_LOST,
        /** Two turns its client was told completed one after the other are in the record the other way round. */
        OUT_OF_ORDER,
        /** A replica does not know an A2A task at the end. */
        TASK_LOST,
        /** The replicas answer GetTask with different states. */
        TASK_DISAGREES,
        /** The state every replica gives is not the final state its client was told. */
        TASK_TOLD_OTHERWISE
    }

    /** Where a message is in codex's record: its thread, its turn, whether that turn completed, how often the message appears. */
    record InRecord(String thread, @Nullable String turn, boolean completed, int copies, int position) {
    }

    /** A replica killed at {@code atMs} (r1, r2, ...). */
    record Kill(String replica, long atMs) {
    }

    private final Map<Kind, List<String>> found = new LinkedHashMap<>();
    private final List<Long> failoverMs = new ArrayList<>();
    private int neverServedElsewhere;

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
                InRecord r = new InRecord(c.threadId(), t, t != null && completed.contains(t), copies.get(k), position++);
                InRecord before = where.put(k, r);
                if (before != null) {
                    where.put(k, new InRecord(r.thread(), r.turn(), r.completed() || before.completed(), r.copies() + before.copies(),
                            r.position()));
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
                                 Map<String, List<@Nullable String>> tasks, List<Kill> kills) {
        ReplicasVerdict v = new ReplicasVerdict();
        Map<String, Integer> asked = new HashMap<>();
        Map<String, List<String>> requestOf = new HashMap<>();
        for (List<String> keys : modelRequests) {
            if (!keys.isEmpty()) {
                String own = keys.get(keys.size() - 1);
                asked.merge(own, 1, Integer::sum);
                requestOf.putIfAbsent(own, keys);
            }
        }
        Map<String, ReplicasAnswer> byTask = new HashMap<>();
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
            } else if ((a.told() == Told.FAILED || a.told() == Told.REFUSED) && r != null && r.completed()) {
                v.add(Kind.FAILED_BUT_COMPLETED, where + ": " + a.detail() + "; record " + r);
            }
            if ((r != null && r.copies() > 1) || asked.getOrDefault(a.key(), 0) > 1) {
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
        v.failovers(answers, kills);
        return v;
    }

    private static boolean isFinal(@Nullable String state) {
        return state != null && Set.of("completed", "failed", "canceled", "rejected").contains(state);
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
                        && !k.replica().equals(a.replica())).mapToLong(ReplicasAnswer::answeredMs).min()
                        .ifPresentOrElse(t -> failoverMs.add(t - k.atMs()), () -> neverServedElsewhere++);
            });
        }
        failoverMs.sort(null);
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
        if (failoverMs.isEmpty()) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * failoverMs.size()) - 1;
        return failoverMs.get(Math.max(0, Math.min(i, failoverMs.size() - 1)));
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
