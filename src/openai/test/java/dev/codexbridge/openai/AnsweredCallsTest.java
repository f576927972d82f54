package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.store.DoorRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Answers a held turn took are known as taken, the principal's own, whatever ids come (decision 0137). */
class AnsweredCallsTest {
    @Test
    void takenAnswersAreTheirPrincipalsOwnAndAnyOfSeveralCounts() {
        AnsweredCalls answered = new AnsweredCalls(DoorRecords.inMemory(100));
        answered.taken("alice", Set.of("call_a"));

        assertThat(answered.anyTaken("alice", List.of("call_b", "call_a"))).isTrue();
        assertThat(answered.anyTaken("alice", List.of("call_b"))).isFalse();
        assertThat(answered.anyTaken("bob", List.of("call_a"))).as("another principal's").isFalse();
    }

    @Test
    void idsNoRecordCanHaveAndMoreIdsThanOneReadTakesAreAnsweredNotRefused() {
        AnsweredCalls answered = new AnsweredCalls(DoorRecords.inMemory(100));
        String tooLong = "c".repeat(600);
        answered.taken("alice", List.of(tooLong));
        assertThat(answered.anyTaken("alice", List.of(tooLong))).isFalse();

        answered.taken("alice", List.of("call_0"));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            many.add("call_" + i);
        }
        assertThat(answered.anyTaken("alice", many)).isTrue();
    }
}
