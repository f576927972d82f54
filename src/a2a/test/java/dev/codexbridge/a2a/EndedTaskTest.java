package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An ended task is kept for callers (up to the limits), but not what ran it: the turn's interrupt
 * (a handle on the turn, and through it the whole session) goes with the task's end, so a replica
 * keeps no session per ended task once its context let go of it.
 */
class EndedTaskTest {
    private static A2aTask task() {
        return new A2aTask("task-1", "ctx", A2aWire.object().put("role", "user"), 16, Duration.ofMinutes(1));
    }

    private static TurnResult result(TurnOutcome outcome) {
        return new TurnResult("thread-1", "turn-1", outcome, "the answer", null, StopReason.NATURAL, 0, 0, List.of(), 10, 1, 0, null,
                false, List.of());
    }

    @Test
    void aTaskLetsGoOfItsTurnWhenItEnds() {
        for (TurnOutcome outcome : TurnOutcome.values()) {
            A2aTask task = task();
            task.onInterrupt(() -> { });
            assertThat(task.holdsTurn()).as("running: %s", outcome).isTrue();
            task.finish(result(outcome), null);
            assertThat(task.holdsTurn()).as("ended: %s", outcome).isFalse();
        }
    }

    @Test
    void aTaskThatEndedBeforeItsHandleCameTakesNone() {
        A2aTask task = task();
        task.finish(null, new IllegalStateException("the turn did not start"));
        task.onInterrupt(() -> { });
        assertThat(task.holdsTurn()).isFalse();
        assertThatThrownBy(task::cancel).isInstanceOf(A2aError.class);
    }
}
