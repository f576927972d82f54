package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every {@link TurnOutcome} as the A2A state a task ends in (docs/a2a.md, "Outcomes"): the
 * outcomes a live run cannot produce on demand (codex never received the turn, the connection
 * lost for good) are mapped here from results as the session reports them.
 */
class OutcomeMappingTest {
    private static final Map<TurnOutcome, String> EXPECTED = new EnumMap<>(Map.of(
            TurnOutcome.COMPLETED, "completed", TurnOutcome.INTERRUPTED, "canceled", TurnOutcome.FAILED, "failed",
            TurnOutcome.TIMED_OUT, "failed", TurnOutcome.NOT_RECEIVED, "failed", TurnOutcome.UNKNOWN, "unknown"));

    @Test
    void everyOutcomeEndsTheTaskInItsStateAndTellsTheStreams() throws Exception {
        assertThat(EXPECTED).containsOnlyKeys(TurnOutcome.values());
        for (TurnOutcome outcome : TurnOutcome.values()) {
            A2aTask task = new A2aTask("task-" + outcome.wire(), "ctx", A2aWire.object().put("role", "user"), 16, Duration.ofMinutes(1));
            TaskStream stream = task.subscribe();
            TurnFailure error = outcome == TurnOutcome.COMPLETED || outcome == TurnOutcome.INTERRUPTED ? null
                    : TurnFailure.of("what went wrong", ErrorCategory.values()[0], null);
            task.finish(new TurnResult("thread-1", "turn-1", outcome, outcome == TurnOutcome.COMPLETED ? "the answer" : null, error,
                    StopReason.NATURAL, 0, 0, List.of(), 10, 1, 0, null, false, List.of()), null);

            ObjectNode t = task.snapshot(null);
            assertThat(t.at("/status/state").asText()).as(outcome.wire()).isEqualTo(EXPECTED.get(outcome));
            assertThat(task.ended()).isTrue();
            assertThat(t.at("/metadata/codexOutcome").asText()).isEqualTo(outcome.wire());
            assertThat(t.at("/metadata/safeToSendAgain").asBoolean()).isEqualTo(outcome == TurnOutcome.NOT_RECEIVED);
            assertThat(t.at("/metadata/codexThreadId").asText()).isEqualTo("thread-1");
            String said = t.at("/status/message/parts/0/text").asText();
            switch (outcome) {
                case COMPLETED -> assertThat(t.at("/artifacts/0/parts/0/text").asText()).isEqualTo("the answer");
                case NOT_RECEIVED -> assertThat(said).contains("sending it again is safe");
                case UNKNOWN -> assertThat(said).contains("codex may have run this turn");
                case FAILED, TIMED_OUT -> assertThat(said).contains("what went wrong");
                default -> assertThat(said).contains("interrupted");
            }
            List<JsonNode> events = drain(stream);
            assertThat(events.get(0).path("kind").asText()).isEqualTo("task");
            JsonNode last = events.get(events.size() - 1);
            assertThat(last.path("final").asBoolean()).isTrue();
            assertThat(last.at("/status/state").asText()).isEqualTo(EXPECTED.get(outcome));
            assertThat(stream.done()).isTrue();
        }
    }

    @Test
    void aCompletedTurnTheStoreCouldNotKeepIsCompletedAndSaysSo() {
        A2aTask task = new A2aTask("t", "ctx", A2aWire.object().put("role", "user"), 16, Duration.ofMinutes(1));
        task.finish(new TurnResult("thread-1", "turn-1", TurnOutcome.COMPLETED, "the answer", null, StopReason.NATURAL, 0, 1,
                List.of(), 10, 1, 0, null, false, List.of(), null, null, true), null);
        ObjectNode t = task.snapshot(null);
        assertThat(t.at("/status/state").asText()).isEqualTo("completed");
        assertThat(t.at("/metadata/storeFailed").asBoolean()).isTrue();

        A2aTask kept = new A2aTask("k", "ctx", A2aWire.object().put("role", "user"), 16, Duration.ofMinutes(1));
        kept.finish(new TurnResult("thread-1", "turn-2", TurnOutcome.COMPLETED, "the answer", null, StopReason.NATURAL, 0, 1,
                List.of(), 10, 1, 0, null, false, List.of()), null);
        assertThat(kept.snapshot(null).at("/metadata").has("storeFailed")).isFalse();
    }

    @Test
    void aTurnThatCouldNotStartFailsTheTask() {
        A2aTask task = new A2aTask("t", "ctx", A2aWire.object().put("role", "user"), 16, Duration.ofMinutes(1));
        task.finish(null, new IllegalStateException("codex is not installed"));
        assertThat(task.snapshot(null).at("/status/state").asText()).isEqualTo("failed");
        assertThat(task.snapshot(null).at("/status/message/parts/0/text").asText()).isEqualTo("codex failed: codex is not installed");
    }

    private static List<JsonNode> drain(TaskStream s) throws InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e; (e = s.next(Duration.ofMillis(100))) != null; ) {
            out.add(e);
        }
        return out;
    }
}
