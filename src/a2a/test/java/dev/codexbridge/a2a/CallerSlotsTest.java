package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Server threads held per caller and for the server: who is refused, and what the refusal names. */
class CallerSlotsTest {
    private final A2aLimits limits = A2aLimits.DEFAULTS.withStreams(5, 2, 3);
    private final CallerSlots slots = new CallerSlots(limits);

    @Test
    void aCallerAtItsOwnLimitDoesNotStopAnother() {
        slots.acquire("alice", CallerSlots.Kind.STREAM);
        slots.acquire("alice", CallerSlots.Kind.STREAM);
        assertThatThrownBy(() -> slots.acquire("alice", CallerSlots.Kind.STREAM)).isInstanceOf(A2aError.class)
                .hasMessageStartingWith("per-principal limit: this caller has 2 open streams, its most (streamsPerPrincipal 2)")
                .satisfies(e -> {
                    assertThat(((A2aError) e).code()).isEqualTo(A2aError.UNSUPPORTED);
                    assertThat(((A2aError) e).metadata()).containsEntry("limit", "streamsPerPrincipal").containsEntry("scope", "principal")
                            .containsEntry("max", "2");
                });
        // streams and blocking sends are counted apart per caller
        slots.acquire("alice", CallerSlots.Kind.BLOCKING_SEND);
        slots.acquire("bob", CallerSlots.Kind.STREAM);
        slots.acquire("bob", CallerSlots.Kind.BLOCKING_SEND);
        assertThat(slots.total()).isEqualTo(5);
        // the server's own limit: now anyone is refused, and told it is the server's
        assertThatThrownBy(() -> slots.acquire("carol", CallerSlots.Kind.BLOCKING_SEND))
                .hasMessageStartingWith("server-wide limit: 5 streams and blocking sends are open across all callers (streams 5)")
                .satisfies(e -> assertThat(((A2aError) e).metadata()).containsEntry("scope", "server").containsEntry("limit", "streams"));
        slots.release("bob", CallerSlots.Kind.STREAM);
        slots.acquire("carol", CallerSlots.Kind.BLOCKING_SEND);
        assertThat(slots.held("carol", CallerSlots.Kind.BLOCKING_SEND)).isEqualTo(1);
    }

    @Test
    void releasingForgetsIdleCallersAndNeverGoesBelowZero() {
        slots.acquire("alice", CallerSlots.Kind.BLOCKING_SEND);
        slots.release("alice", CallerSlots.Kind.BLOCKING_SEND);
        slots.release("alice", CallerSlots.Kind.BLOCKING_SEND);
        slots.release("nobody", CallerSlots.Kind.STREAM);
        assertThat(slots.total()).isZero();
        assertThat(slots.held("alice", CallerSlots.Kind.BLOCKING_SEND)).isZero();
        for (int i = 0; i < 3; i++) {
            slots.acquire("alice", CallerSlots.Kind.BLOCKING_SEND);
        }
        assertThatThrownBy(() -> slots.acquire("alice", CallerSlots.Kind.BLOCKING_SEND)).hasMessageContaining("blockingSendsPerPrincipal 3");
    }

    @Test
    void limitsThatCannotHoldAreRefused() {
        assertThatThrownBy(() -> A2aLimits.DEFAULTS.withStreams(4, 5, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be 1..4");
        assertThatThrownBy(() -> A2aLimits.DEFAULTS.withTasks(10)).hasMessageContaining("at least tasksPerPrincipal (100)");
        // the older constructor keeps its meaning: no per-caller share below the server's
        A2aLimits old = new A2aLimits(10, 2, 8, 64, Duration.ofMinutes(1), Duration.ofMinutes(1), 4096);
        assertThat(old.streamsPerPrincipal()).isEqualTo(8);
        assertThat(old.blockingSendsPerPrincipal()).isEqualTo(8);
        assertThat(old.tasks()).isEqualTo(Integer.MAX_VALUE);
    }
}
