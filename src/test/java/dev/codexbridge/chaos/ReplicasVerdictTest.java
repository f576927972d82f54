package dev.codexbridge.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.chaos.ReplicasAnswer.Told;
import dev.codexbridge.chaos.ReplicasVerdict.Kind;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The replicas' verdict on a record and answers built by hand: answers that agree with the stored
 * lineage and the model's requests are no divergence; each way of disagreeing is found as its
 * kind; the failover time is measured from the kill to the first turn served elsewhere.
 */
class ReplicasVerdictTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a51";
    private final StringBuilder rollout = new StringBuilder("{\"type\":\"session_meta\",\"payload\":{\"id\":\"" + THREAD + "\"}}\n");
    private final List<ReplicasAnswer> answers = new ArrayList<>();
    private final List<List<String>> requests = new ArrayList<>();
    private final Map<String, List<@Nullable String>> tasks = new HashMap<>();

    @Test
    void answersThatAgreeWithTheRecordAndTheModelAreNoDivergence() {
        turn("u1", true, "s0-t1");
        told("s0-t1", Told.COMPLETED, "r1", 100, 200, "u1");
        told("s0-t2", Told.REFUSED, "r2", 300, 310, null);                 // busy: never ran
        turn("u3", false, "s0-t3");
        told("s0-t3", Told.FAILED, "r2", 400, 500, null);                  // codex ran it and it did not complete
        told("s0-t4", Told.UNKNOWN, null, 600, 700, null);                 // either way is right
        turn("u5", true, "s0-t5");
        told("s0-t5", Told.COMPLETED, "r3", 800, 900, "u5");
        requests.add(List.of("s0-t1"));
        requests.add(List.of("s0-t1", "s0-t3"));
        requests.add(List.of("s0-t1", "s0-t3", "s0-t5"));
        tasks.put("task-s0-t1", Arrays.asList("completed", "completed", "completed"));
        ReplicasVerdict v = judge(List.of());
        assertThat(v.total()).as(String.join("\n", v.lines(5))).isZero();
    }

    @Test
    void findsEachKind() {
        turn("u1", false, "s0-t1");
        told("s0-t1", Told.COMPLETED, "r1", 100, 200, "u1");               // told completed, the record's turn did not
        turn("u2", true, "s0-t2");
        told("s0-t2", Told.COMPLETED, "r1", 300, 400, "u9");               // the record has it in another turn
        turn("u3", true, "s0-t3");
        told("s0-t3", Told.REFUSED, "r2", 500, 600, null);                 // refused, yet it completed
        turn("u4", true, "s0-t4");
        turn("u4b", true, "s0-t4");
        told("s0-t4", Told.COMPLETED, "r2", 700, 800, null);               // in the record twice
        requests.add(List.of("s0-t1", "s0-t2", "s0-t4"));
        told("s0-t5", Told.UNKNOWN, "r3", 900, 1000, null);
        requests.add(List.of("s0-t1", "s0-t5"));                           // without s0-t2 and s0-t4, told completed before it
        turn("u7", true, "s0-t7");
        turn("u6", true, "s0-t6");
        told("s0-t6", Told.COMPLETED, "r1", 1100, 1200, "u6");
        told("s0-t7", Told.COMPLETED, "r1", 1300, 1400, "u7");            // told after s0-t6, recorded before it
        tasks.put("task-s0-t1", Arrays.asList("completed", null, "completed"));
        tasks.put("task-s0-t2", Arrays.asList("completed", "working", "completed"));
        tasks.put("task-s0-t4", Arrays.asList("failed", "failed", "failed"));
        Map<Kind, List<String>> found = judge(List.of()).found();
        assertThat(found.get(Kind.COMPLETED_NOT_IN_RECORD)).singleElement().asString().contains("s0-t1");
        assertThat(found.get(Kind.TURN_ID_DIFFERS)).singleElement().asString().contains("s0-t2");
        assertThat(found.get(Kind.FAILED_BUT_COMPLETED)).singleElement().asString().contains("s0-t3");
        assertThat(found.get(Kind.RAN_TWICE)).singleElement().asString().contains("s0-t4");
        assertThat(found.get(Kind.HISTORY_LOST)).singleElement().asString().contains("s0-t5").contains("[s0-t2, s0-t4]");
        assertThat(found.get(Kind.OUT_OF_ORDER)).singleElement().asString().contains("s0-t7 is before s0-t6");
        assertThat(found.get(Kind.TASK_LOST)).singleElement().asString().contains("task-s0-t1");
        assertThat(found.get(Kind.TASK_DISAGREES)).singleElement().asString().contains("task-s0-t2");
        assertThat(found.get(Kind.TASK_TOLD_OTHERWISE)).singleElement().asString().contains("task-s0-t4");
    }

    @Test
    void failoverIsFromTheKillToTheFirstTurnOfThatReplicasConversationServedElsewhere() {
        answers.add(answer(0, "s0-t1", Told.COMPLETED, "r1", 100, 200));
        answers.add(answer(1, "s1-t1", Told.COMPLETED, "r2", 100, 200));     // another replica's: not counted
        answers.add(answer(2, "s2-t1", Told.COMPLETED, "r1", 100, 200));
        answers.add(answer(0, "s0-t2", Told.REFUSED, "r2", 1_100, 1_200));   // busy while the dead replica's lease lasts
        answers.add(answer(0, "s0-t3", Told.COMPLETED, "r3", 5_000, 6_000));
        ReplicasVerdict v = ReplicasVerdict.judge(answers, Map.of(), List.of(), Map.of(), List.of(new ReplicasVerdict.Kill("r1", 1_000)));
        assertThat(v.failoverMs()).containsExactly(5_000L);
        assertThat(v.neverServedElsewhere()).as("s2 never came back before the end").isEqualTo(1);
        assertThat(v.failoverPercentile(99)).isEqualTo(5_000L);
    }

    private ReplicasVerdict judge(List<ReplicasVerdict.Kill> kills) {
        StoredConversation c = StoredConversation.builder(THREAD, List.of(RolloutFile.of(
                "2026/11/26/rollout-2026-11-26T09-00-00-" + THREAD + ".jsonl", rollout.toString().getBytes(StandardCharsets.UTF_8)))).build();
        return ReplicasVerdict.judge(answers, ReplicasVerdict.record(List.of(c)), requests, tasks, kills);
    }

    private void turn(String turnId, boolean completed, String key) {
        rollout.append("{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_started\",\"turn_id\":\"").append(turnId).append("\"}}\n");
        rollout.append("{\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_text\",\"text\":\"").append(ReplicasClients.PREFIX).append(key).append("\"}]}}\n");
        if (completed) {
            rollout.append("{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"").append(turnId).append("\"}}\n");
        }
    }

    private void told(String key, Told told, @Nullable String replica, long sent, long answered, @Nullable String turn) {
        answers.add(new ReplicasAnswer(0, "a2a", key, 1, sent, answered, told, replica, "task-" + key, told == Told.COMPLETED ? "completed"
                : told == Told.FAILED ? "failed" : null, turn, THREAD, ""));
    }

    private static ReplicasAnswer answer(int slot, String key, Told told, String replica, long sent, long answered) {
        return new ReplicasAnswer(slot, "mcp", key, 1, sent, answered, told, replica, null, null, null, null, "");
    }
}
