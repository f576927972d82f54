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
 * kind; the failover time is measured from the kill, or the stall, to the first turn served
 * elsewhere; a turn run after a newer one and a message sent again that ran twice are counted.
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
        ReplicasVerdict v = ReplicasVerdict.judge(answers, Map.of(), List.of(), Map.of(), List.of(new ReplicasVerdict.Kill("r1", 1_000)),
                List.of());
        assertThat(v.failoverMs()).containsExactly(5_000L);
        assertThat(v.neverServedElsewhere()).as("s2 never came back before the end").isEqualTo(1);
        assertThat(v.failoverPercentile(99)).isEqualTo(5_000L);
        assertThat(v.failoverPercentile(100)).isEqualTo(5_000L);
        assertThat(v.summary().get(0)).contains("p99 5.0 s, max 5.0 s, 1 never served elsewhere");
        // the completing call was sent at 5,000 and answered at 6,000; the refusal before it is counted, not hidden
        assertThat(v.summary().get(0)).contains("(past the caller's own retry): p99 1.0 s, max 1.0 s, 1 calls refused before it");
    }

    @Test
    void stallFailoverIsFromTheSigstopToTheNextTurnServedByAnotherReplica() {
        answers.add(answer(0, "s0-t1", Told.COMPLETED, "r2", 100, 200));
        answers.add(answer(1, "s1-t1", Told.COMPLETED, "r2", 100, 300));
        answers.add(answer(2, "s2-t1", Told.COMPLETED, "r2", 100, 400));
        answers.add(answer(3, "s3-t1", Told.COMPLETED, "r1", 100, 400));     // another replica's: not counted
        answers.add(answer(0, "s0-t2", Told.REFUSED, "r3", 1_100, 1_200));   // in use while the stalled replica's lease lasts
        answers.add(answer(0, "s0-t3", Told.COMPLETED, "r3", 6_500, 8_000));
        answers.add(answer(0, "s0-t4", Told.COMPLETED, "r2", 9_000, 9_500)); // back on the stalled replica later: the move is done
        answers.add(answer(1, "s1-t2", Told.COMPLETED, "r2", 900, 16_500));  // in flight on the stalled replica, answered after SIGCONT
        ReplicasVerdict v = ReplicasVerdict.judge(answers, Map.of(), List.of(), Map.of(), List.of(),
                List.of(new ReplicasVerdict.Stall("r2", 1_000)));
        assertThat(v.stallFailoverMs()).containsExactly(7_000L);
        assertThat(v.stayedOnStalledMs()).as("s1's call waited out the stall").containsExactly(15_500L);
        assertThat(v.stalledNeverServed()).as("s2 had no turn after the stall").isEqualTo(1);
        assertThat(v.stallFailoverPercentile(100)).isEqualTo(7_000L);
        assertThat(v.summary().get(1)).contains("1 conversations, p50 7.0 s, p99 7.0 s, max 7.0 s; times [7000]; 1 next served by the "
                + "stalled replica itself once it went on, times [15500]; 1 never served again");
    }

    @Test
    void aTurnRunAfterANewerOneIsStaleInTheModelsRequestsAndInTheRecord() {
        turn("u16", true, "s0-t16");
        told("s0-t16", Told.COMPLETED, "r1", 100, 200, "u16");
        turn("u18", true, "s0-t18");
        told("s0-t17", Told.UNKNOWN, "r2", 300, 400, null);               // its replica stalled; the client went on
        told("s0-t18", Told.COMPLETED, "r3", 500, 600, "u18");
        turn("u17", true, "s0-t17");                                       // the stale one, run when its replica resumed
        requests.add(List.of("s0-t16"));
        requests.add(List.of("s0-t16", "s0-t18"));
        requests.add(List.of("s0-t16", "s0-t18", "s0-t17"));
        ReplicasVerdict v = judge(List.of());
        assertThat(v.found().get(Kind.STALE_AFTER_NEWER)).singleElement().asString().contains("s0-t17").contains("s0-t18");
        assertThat(v.staleRuns()).isEqualTo(1);
        assertThat(v.staleInRecord()).isEqualTo(1);
        assertThat(v.found().get(Kind.OUT_OF_ORDER)).as("the client was never told s0-t17 completed").isEmpty();
        assertThat(v.summary().get(2)).startsWith("stale turns run after newer ones (goal 0): 1 (1 model requests");
    }

    @Test
    void aTurnInOrderIsNotStale() {
        turn("u1", true, "s0-t1");
        turn("u3", true, "s0-t3");
        told("s0-t1", Told.COMPLETED, "r1", 100, 200, "u1");
        told("s0-t2", Told.REFUSED, "r2", 300, 310, null);                // never ran: no gap is stale
        told("s0-t3", Told.COMPLETED, "r2", 400, 500, "u3");
        requests.add(List.of("s0-t1"));
        requests.add(List.of("s0-t1", "s0-t3"));
        ReplicasVerdict v = judge(List.of());
        assertThat(v.staleRuns() + v.staleInRecord()).isZero();
        assertThat(v.total()).as(String.join("\n", v.lines(5))).isZero();
    }

    @Test
    void aMessageSentAgainWithItsIdentityIsDoubledWhenItRanTwice() {
        turn("u1", true, "s0-t1");
        told("s0-t1", 1, Told.UNKNOWN, null, 100, 200, null);              // no answer: sent again
        told("s0-t1", 2, Told.COMPLETED, "r2", 1_200, 1_300, "u1");        // answered with the first's turn: once
        turn("u2", true, "s0-t2");
        turn("u2b", true, "s0-t2");
        told("s0-t2", 1, Told.UNKNOWN, null, 1_400, 1_500, null);
        told("s0-t2", 2, Told.COMPLETED, "r3", 2_500, 2_600, "u2b");       // the copy ran as a turn of its own
        turn("u3", true, "s0-t3");
        told("s0-t3", 1, Told.COMPLETED, "r1", 2_700, 2_800, "u3");        // never sent again
        requests.add(List.of("s0-t1"));
        requests.add(List.of("s0-t1", "s0-t2"));
        requests.add(List.of("s0-t1", "s0-t2", "s0-t2"));
        requests.add(List.of("s0-t1", "s0-t2", "s0-t2", "s0-t3"));
        ReplicasVerdict v = judge(List.of());
        assertThat(v.resent()).containsExactlyInAnyOrder("s0-t1", "s0-t2");
        assertThat(v.doubled()).containsExactly("s0-t2");
        assertThat(v.doubledInRecord()).isEqualTo(1);
        assertThat(v.doubledAsked()).isEqualTo(1);
        assertThat(v.found().get(Kind.RAN_TWICE)).as("one message, judged once for its two answers").singleElement().asString()
                .contains("s0-t2");
        assertThat(v.summary().get(3)).contains("(goal 0): 1 of 2 messages sent again");
    }

    @Test
    void theOpenAiDoorsAnswersAreJudgedAsTheOtherDoorsAre() {
        turn("o1", true, "s2-t1");
        openai("s2-t1", 1, Told.COMPLETED, "r1", 100, 200);
        openai("s2-t2", 1, Told.COMPLETED, "r2", 300, 400);                // told completed, in no turn of the record
        turn("o3", true, "s2-t3");
        openai("s2-t3", 1, Told.REFUSED, "r3", 500, 600);                  // 503 "nothing was run", yet it completed
        turn("o4", true, "s2-t4");
        turn("o4b", true, "s2-t4");
        openai("s2-t4", 1, Told.UNKNOWN, null, 700, 800);                  // no answer: sent again with its Idempotency-Key
        openai("s2-t4", 2, Told.COMPLETED, "r1", 1_800, 1_900);            // the copy ran as a turn of its own
        requests.add(List.of("s2-t1"));
        requests.add(List.of("s2-t1", "s2-t3"));
        requests.add(List.of("s2-t1", "s2-t3", "s2-t4"));
        requests.add(List.of("s2-t1", "s2-t3", "s2-t4", "s2-t4"));
        ReplicasVerdict v = judge(List.of());
        Map<Kind, List<String>> found = v.found();
        assertThat(found.get(Kind.COMPLETED_NOT_IN_RECORD)).singleElement().asString().startsWith("openai slot 2 s2-t2 (COMPLETED by r2");
        assertThat(found.get(Kind.FAILED_BUT_COMPLETED)).singleElement().asString().startsWith("openai slot 2 s2-t3 (REFUSED by r3");
        assertThat(found.get(Kind.RAN_TWICE)).singleElement().asString().contains("s2-t4").contains("2 in the record, 2 model requests");
        assertThat(found.get(Kind.HISTORY_LOST)).first().asString().contains("s2-t3").contains("[s2-t2]");
        assertThat(v.resentByDoor()).containsExactly(Map.entry("openai", 1));
        assertThat(v.doubledByDoor()).containsExactly(Map.entry("openai", 1));
        assertThat(v.summary().get(3)).contains("sent again by door {openai=1}, doubled by door {openai=1}; 0 copies cut");
    }

    @Test
    void anOpenAiTurnRunAfterANewerOneIsStaleAtItsDoor() {
        turn("u1", true, "s5-t1");
        openai(5, "s5-t1", 1, Told.COMPLETED, "r1", 100, 200);
        openai(5, "s5-t2", 1, Told.UNKNOWN, null, 300, 400);               // its replica stalled; the client went on
        turn("u3", true, "s5-t3");
        openai(5, "s5-t3", 1, Told.COMPLETED, "r2", 500, 600);
        turn("u2", true, "s5-t2");                                          // run when its replica went on
        requests.add(List.of("s5-t1"));
        requests.add(List.of("s5-t1", "s5-t3"));
        requests.add(List.of("s5-t1", "s5-t3", "s5-t2"));
        ReplicasVerdict v = judge(List.of());
        assertThat(v.found().get(Kind.STALE_AFTER_NEWER)).singleElement().asString().contains("s5-t2").contains("s5-t3");
        assertThat(v.staleByDoor()).containsExactly(Map.entry("openai", 1));
        assertThat(v.summary().get(2)).endsWith("by door {openai=1}");
    }

    @Test
    void killAndStallFailoverAreSplitByTheDoorOfTheConversationsLastTurn() {
        answers.add(new ReplicasAnswer(0, "a2a", "s0-t1", 1, 100, 200, Told.COMPLETED, "r1", null, null, null, null, ""));
        answers.add(answer(1, "s1-t1", Told.COMPLETED, "r1", 100, 300));
        answers.add(new ReplicasAnswer(2, "openai", "s2-t1", 1, 100, 400, Told.COMPLETED, "r1", null, "completed", null, null, ""));
        answers.add(new ReplicasAnswer(0, "a2a", "s0-t2", 1, 1_500, 2_000, Told.COMPLETED, "r2", null, null, null, null, ""));
        answers.add(answer(1, "s1-t2", Told.COMPLETED, "r3", 1_500, 2_500));
        answers.add(new ReplicasAnswer(2, "openai", "s2-t2", 1, 1_200, 1_900, Told.UNKNOWN, null, null, null, null, null,
                ReplicasAnswer.NO_ANSWER + "connection closed"));
        answers.add(new ReplicasAnswer(2, "openai", "s2-t2", 2, 3_000, 4_000, Told.COMPLETED, "r3", null, "completed", null, null, ""));
        ReplicasVerdict v = ReplicasVerdict.judge(answers, Map.of(), List.of(), Map.of(), List.of(new ReplicasVerdict.Kill("r1", 1_000)),
                List.of(new ReplicasVerdict.Stall("r1", 1_000)));
        assertThat(v.failoverByDoor()).containsOnlyKeys("a2a", "mcp", "openai");
        assertThat(v.failoverByDoor().get("openai")).containsExactly(3_000L);
        assertThat(v.stallFailoverByDoor().get("openai")).containsExactly(3_000L);
        assertThat(v.summary().get(0)).endsWith("by door: a2a 1, p99 1.0 s, max 1.0 s; mcp 1, p99 1.5 s, max 1.5 s; openai 1, p99 3.0 s, "
                + "max 3.0 s");
        // past the caller's own retry: s2's copy sent at 3,000 answered at 4,000, s0's call sent at 1,500 answered at 2,000
        assertThat(v.summary().get(1)).contains("moved by door: a2a 1").contains("openai 1, p99 3.0 s, max 3.0 s")
                .endsWith("from the later of the SIGSTOP and the call's send (past the caller's own retry): p99 1.0 s, max 1.0 s");
    }

    @Test
    void aRunThatDiedWithItsKilledReplicaIsNotASecondRunOfItsResend() {
        turn("o1", true, "s2-t1");
        openai("s2-t1", 1, Told.COMPLETED, "r1", 100, 200);
        turn("o2", true, "s2-t2");
        openai("s2-t2", 1, Told.UNKNOWN, null, 900, 1_050);                // its replica killed at 1,000 as its turn ran
        openai("s2-t2", 2, Told.COMPLETED, "r3", 2_000, 2_500);
        turn("o3", true, "s2-t3");
        openai("s2-t3", 1, Told.UNKNOWN, null, 3_000, 3_100);              // no answer, no kill: a second run is one
        openai("s2-t3", 2, Told.COMPLETED, "r3", 4_000, 4_500);
        requests.add(List.of("s2-t1"));
        requests.add(List.of("s2-t1", "s2-t2"));                          // the killed replica's run, never stored
        requests.add(List.of("s2-t1", "s2-t2"));
        requests.add(List.of("s2-t1", "s2-t2", "s2-t3"));
        requests.add(List.of("s2-t1", "s2-t2", "s2-t3"));
        ReplicasVerdict v = judge(List.of(new ReplicasVerdict.Kill("r2", 1_000)));
        assertThat(v.found().get(Kind.RAN_TWICE)).singleElement().asString().contains("s2-t3").contains("1 in the record, 2 model requests");
        assertThat(v.doubled()).containsExactly("s2-t3");
        assertThat(v.summary().get(3)).contains("1 of 2 messages sent again").endsWith("1 copies cut by their replica's kill, cut or stall (a "
                + "run that died unstored, not counted as a second)");
    }

    @Test
    void aCopyRefusedAfterOneWithNoAnswerSpeaksForItselfAndAStalledReplicasRunIsNotASecond() {
        turn("o1", true, "s2-t1");
        openai("s2-t1", 1, Told.UNKNOWN, null, 100, 10_100);               // sent to a replica stalled at 500: its caller's timeout
        openai("s2-t1", 2, Told.REFUSED, "r3", 11_100, 11_200);            // "this replica is stopping: nothing was run"
        openai("s2-t1", 3, Told.COMPLETED, "r1", 12_200, 12_300);          // the first's outcome
        turn("o2", true, "s2-t2");
        openai("s2-t2", 1, Told.UNKNOWN, null, 300, 10_300);               // its turn begun before the stall, never stored there
        openai("s2-t2", 2, Told.COMPLETED, "r1", 11_300, 12_000);
        turn("o3", true, "s2-t3");
        openai("s2-t3", 1, Told.REFUSED, "r1", 13_000, 13_100);            // refused, with no copy before it: judged
        turn("o4", true, "s2-t4");
        openai("s2-t4", 1, Told.UNKNOWN, null, 14_000, 29_000);            // its replica cut from the database at 20,000
        openai("s2-t4", 2, Told.COMPLETED, "r1", 30_000, 30_500);
        requests.add(List.of("s2-t1"));
        requests.add(List.of("s2-t1", "s2-t2"));
        requests.add(List.of("s2-t1", "s2-t2"));
        requests.add(List.of("s2-t1", "s2-t2", "s2-t3"));
        requests.add(List.of("s2-t1", "s2-t2", "s2-t3", "s2-t4"));
        requests.add(List.of("s2-t1", "s2-t2", "s2-t3", "s2-t4"));
        ReplicasAnswer refused = answers.get(1);
        assertThat(ReplicasClients.sendAgain(refused, true)).as("the first's fate still unknown: sent again").isTrue();
        assertThat(ReplicasClients.sendAgain(refused, false)).as("a refusal of a first copy: nothing was run").isFalse();
        ReplicasVerdict v = ReplicasVerdict.judge(answers, ReplicasVerdict.record(List.of(StoredConversation.builder(THREAD, List.of(
                RolloutFile.of("2026/11/26/rollout-2026-11-26T09-00-00-" + THREAD + ".jsonl", rollout.toString().getBytes(StandardCharsets.UTF_8))))
                .build())), requests, tasks, List.of(), List.of(new ReplicasVerdict.Stall("r2", 500)),
                List.of(new ReplicasVerdict.Kill("r3", 20_000)));
        assertThat(v.found().get(Kind.FAILED_BUT_COMPLETED)).singleElement().asString().contains("s2-t3");
        assertThat(v.found().get(Kind.RAN_TWICE)).isEmpty();
        assertThat(v.summary().get(3)).endsWith("3 copies cut by their replica's kill, cut or stall (a run that died unstored, not counted "
                + "as a second)");
    }

    private ReplicasVerdict judge(List<ReplicasVerdict.Kill> kills) {
        StoredConversation c = StoredConversation.builder(THREAD, List.of(RolloutFile.of(
                "2026/11/26/rollout-2026-11-26T09-00-00-" + THREAD + ".jsonl", rollout.toString().getBytes(StandardCharsets.UTF_8)))).build();
        return ReplicasVerdict.judge(answers, ReplicasVerdict.record(List.of(c)), requests, tasks, kills, List.of());
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
        told(key, 1, told, replica, sent, answered, turn);
    }

    private void told(String key, int copy, Told told, @Nullable String replica, long sent, long answered, @Nullable String turn) {
        answers.add(new ReplicasAnswer(0, "a2a", key, copy, sent, answered, told, replica, "task-" + key, told == Told.COMPLETED ? "completed"
                : told == Told.FAILED ? "failed" : null, turn, THREAD, ""));
    }

    private void openai(String key, int copy, Told told, @Nullable String replica, long sent, long answered) {
        openai(2, key, copy, told, replica, sent, answered);
    }

    /** An answer of the OpenAI door: no task, no turn id (a response names neither), its status as the state. */
    private void openai(int slot, String key, int copy, Told told, @Nullable String replica, long sent, long answered) {
        String detail = told == Told.UNKNOWN ? ReplicasAnswer.NO_ANSWER + "connection closed" : told == Told.REFUSED
                ? "HTTP 503: {\"code\":\"store_unavailable\"}" : "(resp_" + key + ")";
        answers.add(new ReplicasAnswer(slot, "openai", key, copy, sent, answered, told, replica, null, told == Told.COMPLETED ? "completed"
                : null, null, null, detail));
    }

    private static ReplicasAnswer answer(int slot, String key, Told told, String replica, long sent, long answered) {
        return new ReplicasAnswer(slot, "mcp", key, 1, sent, answered, told, replica, null, null, null, null, "");
    }
}
