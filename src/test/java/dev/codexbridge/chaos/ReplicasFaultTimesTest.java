package dev.codexbridge.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.chaos.ReplicasAnswer.Told;
import dev.codexbridge.chaos.ReplicasFaultTimes.Kind;
import dev.codexbridge.chaos.ReplicasFaultTimes.Moves;
import dev.codexbridge.chaos.ReplicasFaultTimes.ReplicaFault;
import dev.codexbridge.chaos.ReplicasStoreFaults.Away;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The times read against the fault windows, on answers built by hand: a move and a stay are told
 * apart by the replica of the conversation's previous turn, and a span any fault touches is left
 * out; a call that got no answer while a replica stopped is a cut; the longest answer while the
 * database was away is held against the store timeout and a second.
 */
class ReplicasFaultTimesTest {
    private final List<ReplicasAnswer> answers = new ArrayList<>();

    @Test
    void aCallIsAMoveWhenAnotherReplicaThanThePreviousTurnsServesIt() {
        answers.add(answer(0, "a2a", "s0-t1", Told.COMPLETED, "r1", 0, 100, ""));        // the first: nothing to move from
        answers.add(answer(0, "a2a", "s0-t2", Told.COMPLETED, "r2", 1_000, 1_800, ""));  // moved
        answers.add(answer(0, "a2a", "s0-t3", Told.REFUSED, "r3", 2_000, 2_100, "busy"));
        answers.add(answer(0, "a2a", "s0-t4", Told.COMPLETED, "r2", 3_000, 3_200, ""));  // stayed: r2 served the previous turn
        answers.add(answer(1, "mcp", "s1-t1", Told.COMPLETED, "r3", 0, 300, ""));
        answers.add(answer(1, "mcp", "s1-t2", Told.COMPLETED, "r3", 500, 900, ""));      // stayed
        Map<String, Moves> moves = ReplicasFaultTimes.moves(answers, List.of(), List.of());
        assertThat(moves.get("a2a").movedMs()).containsExactly(800L);
        assertThat(moves.get("a2a").stayedMs()).containsExactly(200L);
        assertThat(moves.get("a2a").notCompleted()).isEqualTo(1);
        assertThat(moves.get("mcp").stayedMs()).containsExactly(400L);
        assertThat(moves.get("mcp").movedMs()).isEmpty();
    }

    @Test
    void aSpanAnyFaultTouchesIsLeftOut() {
        answers.add(answer(0, "a2a", "s0-t1", Told.COMPLETED, "r1", 0, 100, ""));
        answers.add(answer(0, "a2a", "s0-t2", Told.COMPLETED, "r2", 1_000, 1_800, ""));  // the database away in between
        answers.add(answer(0, "a2a", "s0-t3", Told.COMPLETED, "r3", 3_000, 3_500, ""));  // from r2, killed meanwhile
        answers.add(answer(0, "a2a", "s0-t4", Told.COMPLETED, "r1", 5_000, 5_600, ""));  // r3 to r1; r2's fault is neither's
        List<Away> away = List.of(new Away("PostgreSQL restarted fast", 500, 600, true));
        List<ReplicaFault> faults = List.of(new ReplicaFault(Kind.KILLED, "r2", 2_000, 9_000));
        Map<String, Moves> moves = ReplicasFaultTimes.moves(answers, away, faults);
        assertThat(moves.get("a2a").movedMs()).containsExactly(600L);
        assertThat(moves.get("a2a").stayedMs()).isEmpty();
    }

    @Test
    void aCallLeftWithoutAnAnswerWhileAReplicaStoppedIsCut() {
        answers.add(answer(0, "a2a", "s0-t1", Told.UNKNOWN, null, 900, 1_500, ReplicasAnswer.NO_ANSWER + "connection closed"));
        answers.add(answer(2, "a2a", "s2-t1", Told.REFUSED, null, 1_200, 1_210, ReplicasAnswer.NO_REPLICA));
        answers.add(answer(1, "mcp", "s1-t1", Told.REFUSED, "r1", 1_100, 1_300, "this replica is stopping: nothing was run"));
        answers.add(answer(4, "a2a", "s4-t1", Told.UNKNOWN, null, 5_000, 5_100, ReplicasAnswer.NO_ANSWER + "connection closed"));
        List<ReplicaFault> faults = List.of(new ReplicaFault(Kind.STOPPED, "r1", 1_000, 2_000),
                new ReplicaFault(Kind.KILLED, "r2", 4_000, 6_000));
        assertThat(ReplicasFaultTimes.inFlightAtSigterm(answers, faults)).hasSize(3);
        assertThat(ReplicasFaultTimes.cutAtSigterm(answers, faults)).extracting(ReplicasAnswer::key).containsExactly("s0-t1", "s2-t1");
        assertThat(ReplicasFaultTimes.lines(answers, List.of(), faults, Duration.ofSeconds(6)).get(1))
                .isEqualTo("calls cut at SIGTERM (goal 0): 2 of 3 calls in flight across 1 SIGTERMs (1 ended with no answer, "
                        + "1 answered 502 by the proxy)");

        // a call its caller gave up at its own timeout as the replica stopped: in flight, not cut
        answers.add(answer(5, "a2a", "s5-t1", Told.UNKNOWN, null, 800, 1_800, ReplicasAnswer.NO_ANSWER
                + "java.net.http.HttpTimeoutException: request timed out"));
        assertThat(ReplicasFaultTimes.cutAtSigterm(answers, faults)).extracting(ReplicasAnswer::key).containsExactly("s0-t1", "s2-t1");
        assertThat(ReplicasFaultTimes.lines(answers, List.of(), faults, Duration.ofSeconds(6)).get(1))
                .isEqualTo("calls cut at SIGTERM (goal 0): 2 of 4 calls in flight across 1 SIGTERMs (1 ended with no answer, "
                        + "1 answered 502 by the proxy); 1 given up at the caller's own timeout");
    }

    @Test
    void theLongestAnswerWhileTheStoreWasAwayIsHeldAgainstTheStoreTimeoutAndASecond() {
        answers.add(answer(0, "a2a", "s0-t1", Told.REFUSED, "r1", 10_000, 16_200, "the store did not answer"));
        answers.add(answer(1, "mcp", "s1-t1", Told.COMPLETED, "r2", 32_000, 47_000, ""));   // in the stall's window, not the store's
        answers.add(answer(2, "a2a", "s2-t1", Told.COMPLETED, "r3", 0, 900, ""));
        List<Away> away = List.of(new Away("PostgreSQL stopped immediate for 20 s", 11_000, 31_000, true),
                new Away("replica r2 stalled", 31_500, 46_500, false));
        assertThat(ReplicasFaultTimes.longestWhileStoreAway(answers, away)).extracting(ReplicasAnswer::key).isEqualTo("s0-t1");
        assertThat(ReplicasFaultTimes.lines(answers, away, List.of(), Duration.ofSeconds(6)).get(2))
                .isEqualTo("the longest answer while the store was away (1 windows: failover, restarts, outage): 6.2 s, a2a s0-t1 REFUSED "
                        + "(goal: the store timeout 6 s + 1 s = 7.0 s: met)");
        assertThat(ReplicasFaultTimes.lines(answers, away, List.of(), Duration.ofSeconds(6)).get(3))
                .as("s0-t1 was sent a second before the window: the absence added 5.2 s")
                .isEqualTo("the longest the store's absence added to an answer (from the later of the call's send and its window's start): "
                        + "5.2 s, a2a s0-t1 REFUSED, sent 1.0 s before the window (against the same goal: met)");
        answers.add(answer(3, "mcp", "s3-t1", Told.FAILED, "r1", 12_000, 19_500, "lost the lease"));
        assertThat(ReplicasFaultTimes.lines(answers, away, List.of(), Duration.ofSeconds(6)).get(2)).contains("7.5 s").endsWith("not met)");
        answers.add(answer(4, "a2a", "s4-t1", Told.COMPLETED, "r1", 3_000, 19_000, ""));   // its own 8 s turn, then 8 s of the outage
        assertThat(ReplicasFaultTimes.lines(answers, away, List.of(), Duration.ofSeconds(6)))
                .anySatisfy(l -> assertThat(l).startsWith("the longest answer while the store was away").contains("16.0 s, a2a s4-t1"))
                .anySatisfy(l -> assertThat(l).startsWith("the longest the store's absence added").contains("8.0 s, a2a s4-t1")
                        .contains("sent 8.0 s before").endsWith("not met)"));
    }

    @Test
    void theOpenAiDoorsCallsAreMovesCutsAndStoreAwayAnswersAsTheOtherDoorsAre() {
        answers.add(answer(2, "openai", "s2-t1", Told.COMPLETED, "r1", 0, 100, "(resp_1)"));
        answers.add(answer(2, "openai", "s2-t2", Told.COMPLETED, "r2", 1_000, 1_600, "(resp_2)"));   // moved: round-robin
        answers.add(answer(2, "openai", "s2-t3", Told.COMPLETED, "r2", 2_000, 2_300, "(resp_3)"));   // stayed
        answers.add(answer(2, "openai", "s2-t4", Told.UNKNOWN, null, 5_000, 5_200, ReplicasAnswer.NO_ANSWER + "the stream ended before "
                + "its last event"));                                                                // cut by r1's SIGTERM
        answers.add(answer(2, "openai", "s2-t5", Told.REFUSED, "r3", 10_000, 16_500, "HTTP 503: {\"code\":\"store_unavailable\"}"));
        answers.add(answer(0, "a2a", "s0-t1", Told.COMPLETED, "r3", 0, 200, ""));
        List<Away> away = List.of(new Away("PostgreSQL stopped immediate for 20 s", 11_000, 31_000, true));
        List<ReplicaFault> faults = List.of(new ReplicaFault(Kind.STOPPED, "r1", 4_900, 6_000));
        Map<String, Moves> moves = ReplicasFaultTimes.moves(answers, away, faults);
        assertThat(moves.get("openai").movedMs()).containsExactly(600L);
        assertThat(moves.get("openai").stayedMs()).containsExactly(300L);
        assertThat(moves.get("openai").notCompleted()).as("s2-t4; s2-t5's span meets the outage").isEqualTo(1);
        assertThat(ReplicasFaultTimes.cutAtSigterm(answers, faults)).extracting(ReplicasAnswer::key).containsExactly("s2-t4");
        List<String> lines = ReplicasFaultTimes.lines(answers, away, faults, Duration.ofSeconds(6));
        assertThat(lines.get(0)).endsWith("OpenAI moved 1, p50 0.6 s, p99 0.6 s, max 0.6 s; stayed 1, p50 0.3 s, p99 0.3 s, max 0.3 s; "
                + "1 not completed");
        assertThat(lines.get(1)).startsWith("calls cut at SIGTERM (goal 0): 1 of 1 calls in flight across 1 SIGTERMs (1 ended with no answer");
        assertThat(lines.get(2)).isEqualTo("  openai s2-t4 copy 1: no answer: the stream ended before its last event");
        assertThat(lines.get(3)).contains("6.5 s, openai s2-t5 REFUSED").endsWith(": met)");
    }

    private static ReplicasAnswer answer(int slot, String door, String key, Told told, @Nullable String replica, long sent, long answered,
                                         String detail) {
        return new ReplicasAnswer(slot, door, key, 1, sent, answered, told, replica, null, null, null, null, detail);
    }
}
