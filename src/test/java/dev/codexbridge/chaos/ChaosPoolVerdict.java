package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a run across a pool with a store must hold beyond {@link ChaosVerdict}: each conversation
 * goes on with its whole history, the store agrees with what the host was told and with codex,
 * nothing is written twice, and no thread is loaded on two app-servers at once. The kinds are
 * {@link Kind}.
 */
final class ChaosPoolVerdict {
    enum Kind {
        TWO_WRITERS("threads loaded on two app-servers at once"),
        WRITTEN_TWICE("a turn id twice in a thread's record (codex's or the stored rollout)"),
        STORE_DIFFERS("the store's record differs from the host's reports or from codex's"),
        HISTORY_LOST("a session's final model request lacks an earlier completed turn");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** A stored conversation as its rollouts tell it: turns completed in order, and how often each turn's start and end were written. */
    record StoredTurns(String lastCompletedTurnId, List<String> completed, Map<String, Integer> starts, Map<String, Integer> ends) {
        static StoredTurns of(StoredConversation c) {
            List<String> completed = new ArrayList<>();
            Map<String, Integer> starts = new LinkedHashMap<>();
            Map<String, Integer> ends = new LinkedHashMap<>();
            for (RolloutFile f : c.lineage()) {
                for (String line : new String(f.bytes(), StandardCharsets.UTF_8).split("\n")) {
                    JsonNode e;
                    try {
                        e = Json.mapper().readTree(line);
                    } catch (IOException notJson) {
                        continue;
                    }
                    JsonNode p = e == null ? null : e.path("payload");
                    if (p == null || !"event_msg".equals(e.path("type").asText())) {
                        continue;
                    }
                    String turn = p.path("turn_id").asText(null);
                    switch (p.path("type").asText()) {
                        case "task_started" -> starts.merge(turn, 1, Integer::sum);
                        case "task_complete" -> {
                            ends.merge(turn, 1, Integer::sum);
                            completed.add(turn);
                        }
                        default -> {
                        }
                    }
                }
            }
            return new StoredTurns(c.lastCompletedTurnId(), completed, starts, ends);
        }
    }

    private final Map<Kind, List<String>> found = new LinkedHashMap<>();

    private ChaosPoolVerdict() {
        for (Kind k : Kind.values()) {
            found.put(k, new ArrayList<>());
        }
    }

    /**
     * @param events      the host's log, every generation
     * @param codex       codex's record of each thread at the end, on the app-server it lives on
     * @param stored      the store's record of each thread once the host let go of it (absent: not stored)
     * @param slotThreads each slot's thread at the end
     * @param probeKeys   each slot's final turn: the keys of every user message in its model request (absent: none was made)
     * @param twoWriters  threads seen loaded on two app-servers at once, with where
     */
    static ChaosPoolVerdict judge(List<JsonNode> events, Map<String, JsonNode> codex, Map<String, StoredTurns> stored,
                                  Map<Integer, String> slotThreads, Map<Integer, List<String>> probeKeys, Map<String, String> twoWriters) {
        ChaosPoolVerdict v = new ChaosPoolVerdict();
        // what the host was told completed, per thread, in the order it was told
        Map<String, Map<String, String>> completedByThread = new HashMap<>();
        // and what it was told completed but could not be stored: kept or lost, but the same in the store and the final request
        Map<String, Map<String, String>> unstoredByThread = new HashMap<>();
        for (JsonNode e : events) {
            if ("outcome".equals(e.path("ev").asText()) && "COMPLETED".equals(e.path("status").asText())) {
                (e.path("storeFailed").asBoolean() ? unstoredByThread : completedByThread)
                        .computeIfAbsent(e.path("thread").asText(), t -> new LinkedHashMap<>())
                        .put(e.path("key").asText(), e.path("turnId").asText());
            }
        }
        twoWriters.values().forEach(w -> v.add(Kind.TWO_WRITERS, w));
        codex.forEach((thread, record) -> {
            Set<String> ids = new LinkedHashSet<>();
            for (JsonNode turn : record.path("turns")) {
                if (!ids.add(turn.path("id").asText())) {
                    v.add(Kind.WRITTEN_TWICE, "thread " + thread + ": codex's record holds turn " + turn.path("id").asText() + " twice");
                }
            }
        });
        stored.forEach((thread, s) -> {
            s.starts().forEach((turn, n) -> {
                if (n > 1 || s.ends().getOrDefault(turn, 0) > 1) {
                    v.add(Kind.WRITTEN_TWICE, "thread " + thread + ": the stored rollout starts turn " + turn + " " + n + " times, ends it "
                            + s.ends().getOrDefault(turn, 0) + " times");
                }
            });
        });
        slotThreads.forEach((slot, thread) -> {
            v.judgeSlot(slot, thread, completedByThread.getOrDefault(thread, Map.of()), stored.get(thread), codex.get(thread),
                    probeKeys.get(slot));
            v.judgeUnstored(slot, thread, unstoredByThread.getOrDefault(thread, Map.of()), stored.get(thread), probeKeys.get(slot));
        });
        return v;
    }

    private void judgeSlot(int slot, String thread, Map<String, String> completed, StoredTurns stored, JsonNode codex,
                           List<String> probe) {
        String where = "slot " + slot + ", thread " + thread + ": ";
        if (probe != null) {
            completed.keySet().stream().filter(k -> !probe.contains(k)).forEach(k ->
                    add(Kind.HISTORY_LOST, where + "the final turn's model request lacks " + k + " (turn " + completed.get(k) + ", reported completed)"));
        }
        if (stored == null) {
            if (!completed.isEmpty()) {
                add(Kind.STORE_DIFFERS, where + "the store has no record; the host was told " + completed.size() + " turns completed");
            }
            return;
        }
        completed.forEach((key, turn) -> {
            if (!stored.completed().contains(turn)) {
                add(Kind.STORE_DIFFERS, where + key + " (turn " + turn + ") was reported completed; the stored rollout does not complete it");
            }
        });
        String lastStored = stored.completed().isEmpty() ? null : stored.completed().get(stored.completed().size() - 1);
        if (!Objects.equals(lastStored, stored.lastCompletedTurnId())) {
            add(Kind.STORE_DIFFERS, where + "the store's lastCompletedTurnId is " + stored.lastCompletedTurnId()
                    + ", its rollout's last completed turn " + lastStored);
        }
        if (codex != null) {
            Map<String, String> codexStatus = new HashMap<>();
            codex.path("turns").forEach(t -> codexStatus.put(t.path("id").asText(), t.path("status").asText()));
            for (String turn : stored.completed()) {
                if (!"completed".equals(codexStatus.get(turn))) {
                    add(Kind.STORE_DIFFERS, where + "stored turn " + turn + " is completed in the store, in codex's record "
                            + codexStatus.getOrDefault(turn, "absent"));
                }
            }
        }
    }

    /** A turn reported completed whose store failed is either kept (stored and in the final request) or lost from both. */
    private void judgeUnstored(int slot, String thread, Map<String, String> unstored, StoredTurns stored, List<String> probe) {
        if (probe == null) {
            return;
        }
        unstored.forEach((key, turn) -> {
            boolean inStore = stored != null && stored.completed().contains(turn);
            if (probe.contains(key) != inStore) {
                add(Kind.STORE_DIFFERS, "slot " + slot + ", thread " + thread + ": " + key + " (turn " + turn + ", reported completed "
                        + "and not stored) is " + (inStore ? "stored but missing from" : "not stored but in") + " the final turn's model request");
            }
        });
    }

    private void add(Kind kind, String detail) {
        found.get(kind).add(detail);
    }

    Map<Kind, Integer> counts() {
        Map<Kind, Integer> c = new LinkedHashMap<>();
        found.forEach((k, list) -> c.put(k, list.size()));
        return c;
    }

    int total() {
        return found.values().stream().mapToInt(List::size).sum();
    }

    /** Up to {@code examples} cases of each kind, under its count. */
    List<String> lines(int examples) {
        List<String> out = new ArrayList<>();
        found.forEach((k, list) -> {
            out.add(String.format("  %-4d %s", list.size(), k.label));
            list.stream().limit(examples).forEach(d -> out.add("         " + d));
        });
        return out;
    }

    /** Adds the counts and every case to a run's JSON summary. */
    void addTo(ObjectNode json) {
        ObjectNode kinds = json.with("byKind");
        ObjectNode cases = json.with("cases");
        found.forEach((k, list) -> {
            kinds.put(k.name(), list.size());
            ArrayNode a = cases.putArray(k.name());
            list.forEach(a::add);
        });
        json.put("divergences", json.path("divergences").asInt() + total());
    }
}
