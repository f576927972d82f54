package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every turn the host was told about, compared with codex's own record ({@code thread/read} with
 * turns, read after the run on a working codex). Each turn's input carries the host's key
 * ({@link ChaosModel}), so a reported turn is matched with the codex turn holding its input,
 * whatever ids the library did or did not report. The kinds of divergence are {@link Kind}.
 */
final class ChaosVerdict {
    /** What can differ between what the library reported and what codex recorded. */
    enum Kind {
        COMPLETED_REPORTED_FAILED("completed by codex, reported not completed"),
        STATUS_DIFFERS("reported completed, codex did not complete it"),
        WRONG_TEXT("wrong final text"),
        MERGED("merged turns (another turn's input or items in a reported turn)"),
        DUPLICATED("duplicated items (or an input codex received twice)"),
        NEVER_RECEIVED("never received by codex, reported otherwise (or the reverse)"),
        UNUSABLE("unusable sessions"),
        HANG("hangs (no outcome within the bound)"),
        SCHEMA("messages sent that codex's schema rejects");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** One codex turn as recorded: its status, the keys its inputs carry, its final answer, its item ids. */
    record CodexTurn(String threadId, String id, String status, List<String> keys, String finalText, Set<String> itemIds) {
    }

    private final Map<Kind, List<String>> found = new LinkedHashMap<>();
    private final Map<String, Integer> reportedByStatus = new TreeMap<>();
    private final Map<String, Integer> matrix = new TreeMap<>();
    private final Map<String, Integer> byVia = new TreeMap<>();
    /** Keys whose turn id codex gave some host ({@code turn-id} events). */
    private final Set<String> named = new HashSet<>();
    private int started;
    private int reported;
    private int neverReceivedActual;
    private int lostByCodex;
    private int lostUnstored;
    private int neverReceivedReported;
    private int codexTurns;
    private int mergedCodexTurns;

    private ChaosVerdict() {
        for (Kind k : Kind.values()) {
            found.put(k, new ArrayList<>());
        }
    }

    /**
     * Whether the library reported that codex never received the turn. Today's library has no such
     * outcome; a fix that adds one names it here (an error category whose wire name says so).
     */
    static boolean reportedNeverReceived(JsonNode outcome) {
        return "NOT_RECEIVED".equals(outcome.path("status").asText());
    }

    /**
     * @param events  the host's log, every generation
     * @param threads codex's record of each thread the host opened ({@code thread/read} result's {@code thread})
     * @param unusable slots whose session could not run a turn after the run, with why
     * @param schemaErrors what codex's schema says against the messages the host's library sent
     */
    static ChaosVerdict judge(List<JsonNode> events, Map<String, JsonNode> threads, Map<Integer, String> unusable,
                              List<String> schemaErrors) {
        ChaosVerdict v = new ChaosVerdict();
        Map<String, List<CodexTurn>> byKey = new HashMap<>();
        Map<String, CodexTurn> byItem = new HashMap<>();
        threads.forEach((threadId, thread) -> {
            for (JsonNode turn : thread.path("turns")) {
                CodexTurn t = codexTurn(threadId, turn);
                v.codexTurns++;
                if (t.keys().size() > 1) {
                    v.mergedCodexTurns++;
                }
                t.keys().forEach(k -> byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(t));
                t.itemIds().forEach(id -> byItem.put(id, t));
            }
        });
        Set<String> keys = new LinkedHashSet<>();
        Map<String, JsonNode> outcomes = new HashMap<>();
        Map<String, Integer> reports = new HashMap<>();
        Set<String> hung = new HashSet<>();
        for (JsonNode e : events) {
            String key = e.path("key").asText(null);
            switch (e.path("ev").asText()) {
                case "start" -> keys.add(key);
                case "turn-id" -> v.named.add(key);
                case "outcome" -> {
                    keys.add(key);
                    outcomes.put(key, e);
                    reports.merge(key, 1, Integer::sum);
                }
                case "hang" -> hung.add(key);
                default -> {
                }
            }
        }
        for (String key : keys) {
            v.started++;
            JsonNode o = outcomes.get(key);
            if (o == null || hung.contains(key)) {
                v.add(Kind.HANG, key + (o == null ? ": no outcome reported" : ": outcome only after the bound, " + o.path("status").asText()));
                if (o == null) {
                    continue;
                }
            }
            v.reported++;
            if (reports.get(key) > 1) {
                v.add(Kind.DUPLICATED, key + ": reported " + reports.get(key) + " times");
            }
            v.judgeOne(key, o, byKey.getOrDefault(key, List.of()), byItem);
        }
        unusable.forEach((slot, why) -> v.add(Kind.UNUSABLE, "slot " + slot + ": " + why));
        schemaErrors.forEach(e -> v.add(Kind.SCHEMA, e));
        return v;
    }

    private void judgeOne(String key, JsonNode o, List<CodexTurn> located, Map<String, CodexTurn> byItem) {
        String status = o.path("status").asText();
        reportedByStatus.merge(status, 1, Integer::sum);
        byVia.merge(o.path("via").asText().replaceAll(":.*", ""), 1, Integer::sum);
        String said = status + (o.hasNonNull("category") ? "/" + o.path("category").asText() : "");
        boolean saidNever = reportedNeverReceived(o);
        neverReceivedReported += saidNever ? 1 : 0;
        if (located.isEmpty()) {
            matrix.merge(said + " -> not in codex's record", 1, Integer::sum);
            // codex named the turn to this host or to one before it (a host that died after hearing the id)
            boolean named = o.hasNonNull("turnId") || o.hasNonNull("heardTurnId") || this.named.contains(key);
            if (named && !"COMPLETED".equals(status)) {
                // codex named the turn, so it had it, and then kept no record of it: killed before writing
                // it down; a report that it did not complete agrees with codex
                lostByCodex++;
                return;
            }
            if ("COMPLETED".equals(status) && o.path("storeFailed").asBoolean()) {
                // reported completed but not stored: it lived only on its app-server, which went with its home;
                // ChaosPoolVerdict checks that the store and the final request lost it too
                lostUnstored++;
                return;
            }
            neverReceivedActual++;
            if (!saidNever) {
                add(Kind.NEVER_RECEIVED, key + ": codex has no turn with its input; reported " + said
                        + (named ? " as turn " + o.path("turnId").asText(o.path("heardTurnId").asText()) + " (\"" + o.path("finalText").asText() + "\")" : "")
                        + " " + message(o));
            }
            return;
        }
        if (saidNever) {
            add(Kind.NEVER_RECEIVED, key + ": reported never received, codex has it in turn " + located.get(0).id());
        }
        if (located.size() > 1) {
            add(Kind.DUPLICATED, key + ": its input is in " + located.size() + " codex turns");
        }
        String reportedId = o.path("turnId").asText(null);
        CodexTurn t = located.stream().filter(c -> c.id().equals(reportedId)).findFirst().orElse(located.get(0));
        matrix.merge(said + " -> codex " + t.status(), 1, Integer::sum);
        List<String> others = t.keys().stream().filter(k -> !k.equals(key)).toList();
        if (!others.isEmpty()) {
            add(Kind.MERGED, key + ": codex turn " + t.id() + " also holds the input of " + others + "; reported " + said);
        } else if (reportedId != null && !reportedId.equals(t.id())) {
            add(Kind.MERGED, key + ": reported as turn " + reportedId + ", its input is in codex turn " + t.id());
        }
        List<String> items = new ArrayList<>();
        o.path("items").forEach(i -> items.add(i.asText()));
        Set<String> foreign = new LinkedHashSet<>();
        for (String id : items) {
            CodexTurn owner = byItem.get(id);
            if (owner != null && owner != t) {
                foreign.add(id + " (codex turn " + owner.id() + ")");
            }
        }
        if (!foreign.isEmpty() && others.isEmpty()) {
            add(Kind.MERGED, key + ": its transcript carries items of another turn: " + foreign);
        }
        if (new HashSet<>(items).size() < items.size()) {
            add(Kind.DUPLICATED, key + ": an item reported more than once: " + items);
        }
        boolean codexCompleted = "completed".equals(t.status());
        if (codexCompleted && !"COMPLETED".equals(status)) {
            add(Kind.COMPLETED_REPORTED_FAILED, key + ": codex turn " + t.id() + " completed (\"" + t.finalText() + "\"); reported "
                    + said + " via " + o.path("via").asText() + " " + message(o));
        } else if (!codexCompleted && "COMPLETED".equals(status)) {
            add(Kind.STATUS_DIFFERS, key + ": reported COMPLETED, codex turn " + t.id() + " is " + t.status());
        } else if (codexCompleted && !Objects.equals(o.path("finalText").asText(null), t.finalText())) {
            add(Kind.WRONG_TEXT, key + ": reported \"" + o.path("finalText").asText(null) + "\", codex \"" + t.finalText() + "\"");
        }
    }

    private static String message(JsonNode o) {
        return o.hasNonNull("message") ? "(\"" + o.path("message").asText() + "\")" : "";
    }

    private static CodexTurn codexTurn(String threadId, JsonNode turn) {
        List<String> keys = new ArrayList<>();
        String finalText = null;
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode item : turn.path("items")) {
            if (item.hasNonNull("id")) {
                ids.add(item.path("id").asText());
            }
            switch (item.path("type").asText()) {
                case "userMessage" -> item.path("content").forEach(c -> ChaosModel.keys(c.path("text").asText("")).forEach(k -> keys.add(k[1])));
                case "agentMessage" -> finalText = item.path("text").asText(null);
                default -> {
                }
            }
        }
        return new CodexTurn(threadId, turn.path("id").asText(), turn.path("status").asText(), keys, finalText, ids);
    }

    private void add(Kind kind, String detail) {
        found.get(kind).add(detail);
    }

    /** How many divergences of each kind. */
    Map<Kind, Integer> counts() {
        Map<Kind, Integer> c = new LinkedHashMap<>();
        found.forEach((k, list) -> c.put(k, list.size()));
        return c;
    }

    int total() {
        return found.values().stream().mapToInt(List::size).sum();
    }

    int started() {
        return started;
    }

    /** A short account for a terminal: the numbers, then up to {@code examples} cases of each kind found. */
    List<String> lines(int examples) {
        List<String> out = new ArrayList<>();
        out.add(String.format("turns: %d started, %d reported %s; via %s", started, reported, reportedByStatus, byVia));
        out.add(String.format("codex's record: %d turns (%d holding more than one input); never received: %d actual, %d reported as such; "
                + "%d named by codex and not kept (it was killed first), reported not completed; "
                + "%d reported completed and not stored, gone with their app-server", codexTurns, mergedCodexTurns,
                neverReceivedActual, neverReceivedReported, lostByCodex, lostUnstored));
        out.add("reported -> codex: " + matrix);
        found.forEach((k, list) -> {
            out.add(String.format("  %-4d %s", list.size(), k.label));
            list.stream().limit(examples).forEach(d -> out.add("         " + d));
        });
        out.add(total() == 0 ? "no divergence" : total() + " divergences");
        return out;
    }

    /** The summary as JSON, with every case of every kind. */
    ObjectNode json() {
        ObjectNode n = Json.object();
        n.put("started", started).put("reported", reported).put("codexTurns", codexTurns).put("codexTurnsWithSeveralInputs", mergedCodexTurns)
                .put("neverReceivedActual", neverReceivedActual).put("neverReceivedReported", neverReceivedReported)
                .put("namedThenLostByCodex", lostByCodex).put("completedUnstoredLost", lostUnstored).put("divergences", total());
        n.set("reportedByStatus", Json.mapper().valueToTree(reportedByStatus));
        n.set("reportedVia", Json.mapper().valueToTree(byVia));
        n.set("reportedToCodex", Json.mapper().valueToTree(matrix));
        ObjectNode kinds = n.putObject("byKind");
        ObjectNode cases = n.putObject("cases");
        found.forEach((k, list) -> {
            kinds.put(k.name(), list.size());
            ArrayNode a = cases.putArray(k.name());
            list.forEach(a::add);
        });
        return n;
    }
}
