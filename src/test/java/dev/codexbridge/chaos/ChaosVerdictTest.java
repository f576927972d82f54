package dev.codexbridge.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each kind of divergence is found from a host log and a codex record built by hand, and agreement is not one. */
class ChaosVerdictTest {
    private final List<JsonNode> events = new ArrayList<>();
    private final ArrayNode turns = Json.nodes().arrayNode();

    @Test
    void turnsThatAgreeWithCodexAreNoDivergenceNorIsATurnCodexNamedAndLost() {
        codexTurn("t1", "completed", "answer k1", "k1");
        reported("k1", "t1", "COMPLETED", "answer k1", "u1", "m1");
        codexTurn("t2", "interrupted", null, "k2");
        reported("k2", "t2", "FAILED", null);
        reported("k3", "t3", "FAILED", null);        // codex named it, then was killed before writing it
        // a host heard k4's id and died; the next found no record of it where the conversation went on
        events.add(ChaosLog.event("turn-id").put("key", "k4").put("turnId", "t4"));
        reported("k4", null, "NO_RESULT", null);
        reported("k5", null, "NO_RESULT", null);     // never named, not in the record: a divergence
        ChaosVerdict v = judge();
        assertThat(v.total()).as(String.join("\n", v.lines(5))).isEqualTo(1);
        assertThat(v.json().path("cases").path("NEVER_RECEIVED").get(0).asText()).contains("k5");
        assertThat(v.json().path("namedThenLostByCodex").asInt()).isEqualTo(2);
    }

    @Test
    void findsEachKind() {
        codexTurn("t1", "completed", "answer k1", "k1");
        reported("k1", null, "FAILED", null);                               // completed, reported failed
        codexTurn("t2", "interrupted", null, "k2");
        reported("k2", "t2", "COMPLETED", "answer k2");                     // reported completed, codex did not
        codexTurn("t3", "completed", "answer k3", "k3");
        reported("k3", "t3", "COMPLETED", "answer k9");                     // wrong text
        codexTurn("t4", "completed", "done k5", "k4", "k5");
        reported("k5", "t4", "COMPLETED", "done k5");                       // merged: the turn holds k4's input too
        codexTurn("t6", "completed", "answer k6", "k6");
        reported("k6", "t6", "COMPLETED", "answer k6", "a", "a");           // an item twice
        reported("k7", null, "FAILED", null);                               // codex never received it
        events.add(ChaosLog.event("start").put("key", "k8"));               // no outcome at all
        ChaosVerdict v = ChaosVerdict.judge(events, Map.of("th", record()), Map.of(3, "FAILED"), List.of("turn/start: bad"));
        Map<ChaosVerdict.Kind, Integer> c = v.counts();
        assertThat(c.get(ChaosVerdict.Kind.COMPLETED_REPORTED_FAILED)).isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.STATUS_DIFFERS)).isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.WRONG_TEXT)).isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.MERGED)).as("the codex turn reported as k5 holds k4 too").isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.DUPLICATED)).isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.NEVER_RECEIVED)).isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.HANG)).as("k8 started and has no outcome").isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.UNUSABLE)).isEqualTo(1);
        assertThat(c.get(ChaosVerdict.Kind.SCHEMA)).isEqualTo(1);
        assertThat(v.json().path("cases").path("MERGED").get(0).asText()).contains("k5", "t4", "k4");
    }

    @Test
    void aTranscriptCarryingAnotherTurnsItemsIsMerged() {
        codexTurn("t1", "completed", "done k1", "k1");
        ((ObjectNode) turns.get(0)).withArray("items").addObject().put("type", "commandExecution").put("id", "call-k1");
        reported("k1", "t1", "FAILED", null);
        codexTurn("t2", "completed", "answer k2", "k2");
        reported("k2", "t2", "COMPLETED", "answer k2", "call-k1", "m-k2");
        ChaosVerdict v = judge();
        assertThat(v.counts().get(ChaosVerdict.Kind.MERGED)).isEqualTo(1);
        assertThat(v.json().path("cases").path("MERGED").get(0).asText()).contains("call-k1");
    }

    @Test
    void notReceivedIsRightOnlyWhenCodexHasNoTurnWithTheKey() {
        codexTurn("t1", "completed", "answer k1", "k1");
        reported("k1", null, "NOT_RECEIVED", null);      // codex has it: a divergence
        reported("k2", null, "NOT_RECEIVED", null);      // codex has no turn with k2: right
        ChaosVerdict v = judge();
        assertThat(v.counts().get(ChaosVerdict.Kind.NEVER_RECEIVED)).isEqualTo(1);
        assertThat(v.json().path("cases").path("NEVER_RECEIVED").get(0).asText()).contains("k1");
    }

    @Test
    void aCompletedTurnReportedNotStoredMayBeGoneFromCodexButOnlyFromTheStoreAndTheFinalRequestAlike() {
        codexTurn("t1", "completed", "answer k1", "k1");
        reported("k1", "t1", "COMPLETED", "answer k1");
        reported("k2", "t2", "COMPLETED", "answer k2");
        ((ObjectNode) events.get(events.size() - 1)).put("storeFailed", true);    // its app-server went with its home
        reported("k3", "t3", "COMPLETED", "answer k3");                             // the same, not flagged: a divergence
        ChaosVerdict v = judge();
        assertThat(v.counts().get(ChaosVerdict.Kind.NEVER_RECEIVED)).as(String.join("\n", v.lines(5))).isEqualTo(1);
        assertThat(v.json().path("cases").path("NEVER_RECEIVED").get(0).asText()).contains("k3");
        assertThat(v.json().path("completedUnstoredLost").asInt()).isEqualTo(1);

        ChaosPoolVerdict.StoredTurns storedT1 = new ChaosPoolVerdict.StoredTurns("t1", List.of("t1"), Map.of("t1", 1), Map.of("t1", 1));
        ChaosPoolVerdict lostFromBoth = ChaosPoolVerdict.judge(events.subList(0, 4), Map.of("th", record()), Map.of("th", storedT1),
                Map.of(0, "th"), Map.of(0, List.of("k1")), Map.of());
        assertThat(lostFromBoth.total()).as(String.join("\n", lostFromBoth.lines(5))).isZero();
        ChaosPoolVerdict inTheRequestOnly = ChaosPoolVerdict.judge(events.subList(0, 4), Map.of("th", record()), Map.of("th", storedT1),
                Map.of(0, "th"), Map.of(0, List.of("k1", "k2")), Map.of());
        assertThat(inTheRequestOnly.counts().get(ChaosPoolVerdict.Kind.STORE_DIFFERS)).isEqualTo(1);
    }

    private ChaosVerdict judge() {
        return ChaosVerdict.judge(events, Map.of("th", record()), Map.of(), List.of());
    }

    private JsonNode record() {
        ObjectNode thread = Json.object();
        thread.set("turns", turns);
        return thread;
    }

    private void codexTurn(String id, String status, String answer, String... keys) {
        ObjectNode turn = turns.addObject().put("id", id).put("status", status);
        ArrayNode items = turn.putArray("items");
        for (String k : keys) {
            items.addObject().put("type", "userMessage").put("id", "u-" + k).putArray("content").addObject()
                    .put("type", "text").put("text", ChaosModel.prompt("plain", k));
        }
        if (answer != null) {
            items.addObject().put("type", "agentMessage").put("id", "m-" + id).put("text", answer);
        }
    }

    private void reported(String key, String turnId, String status, String finalText, String... items) {
        events.add(ChaosLog.event("start").put("key", key));
        ObjectNode o = ChaosLog.event("outcome").put("key", key).put("turnId", turnId).put("status", status).put("finalText", finalText)
                .put("via", "run").put("thread", "th");
        if (!"COMPLETED".equals(status)) {
            o.put("category", "processDied");
        }
        ArrayNode a = o.putArray("items");
        for (String i : items) {
            a.add(i);
        }
        events.add(o);
    }
}
