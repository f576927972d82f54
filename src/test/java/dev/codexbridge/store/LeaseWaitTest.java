package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LeaseWait}: which refusals are waited for, for how long, and what the caller gets when the wait ends. */
class LeaseWaitTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    private final List<Long> tries = new ArrayList<>();

    /** A try that fails as an open does when another host holds the conversation until {@code until}: the refusal a cause. */
    private static CodexException heldUntil(Instant until) {
        return new CodexException("the conversation could not be woken", new ConversationLeasedException(THREAD, "host-2", until));
    }

    @Test
    void aHoldThatEndsWithinTheBoundIsWaitedForAndTheOpenTriedAgainAfterIt() {
        Instant until = Instant.now().plusMillis(300);
        String opened = LeaseWait.retrying(Duration.ofSeconds(10), () -> {
            tries.add(System.nanoTime());
            if (tries.size() == 1) {
                throw heldUntil(until);
            }
            return "opened";
        });
        assertThat(opened).isEqualTo("opened");
        assertThat(tries).hasSize(2);
        assertThat(Instant.now()).as("tried again once the hold had ended").isAfter(until);
    }

    @Test
    void aHoldThatEndsPastTheBoundIsTheCallersAtOnce() {
        CodexException refused = heldUntil(Instant.now().plusSeconds(600));
        Duration bound = Duration.ofSeconds(60);
        long started = System.nanoTime();
        assertThatThrownBy(() -> LeaseWait.retrying(bound, () -> {
            tries.add(System.nanoTime());
            throw refused;
        })).isSameAs(refused);
        assertThat(tries).hasSize(1);
        // a wait would last the bound or the hold: a slow machine is still far quicker than either
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no wait").isLessThan(bound);
        assertThat(LeaseWait.refusal(refused)).isSameAs(refused.getCause());
    }

    @Test
    void aHoldRenewedOnEachTryEndsTheTriesWhenTheBoundIsSpent() {
        // room for a second try however slow the first one is; a slow machine only makes fewer tries
        Duration bound = Duration.ofMillis(2000);
        long started = System.nanoTime();
        assertThatThrownBy(() -> LeaseWait.retrying(bound, () -> {
            tries.add(System.nanoTime());
            throw heldUntil(Instant.now().plusMillis(300));      // a live host: always a moment further off
        })).isInstanceOf(CodexException.class);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        // a wait of 350 ms after a try whose hold ends before the bound: at most 5 waits, 6 tries
        assertThat(tries).as("tried while the hold could still end in time, no more").hasSizeBetween(2, 6);
        // the hold never ends: tries that went on past the bound would never end (the 60 s only catches that)
        assertThat(took).isLessThan(bound.plusSeconds(60));
    }

    @Test
    void anyOtherFailureIsTheCallersAtOnce() {
        IllegalStateException denied = new IllegalStateException("thread access denied");
        assertThatThrownBy(() -> LeaseWait.retrying(Duration.ofSeconds(10), () -> {
            tries.add(System.nanoTime());
            throw denied;
        })).isSameAs(denied);
        assertThat(tries).hasSize(1);
        assertThat(LeaseWait.refusal(denied)).isNull();
        assertThat(LeaseWait.refusal(null)).isNull();
    }

    @Test
    void aZeroBoundTriesOnceAndANegativeOneIsRefused() {
        assertThatThrownBy(() -> LeaseWait.retrying(Duration.ZERO, () -> {
            tries.add(System.nanoTime());
            throw heldUntil(Instant.now().plusMillis(100));
        })).isInstanceOf(CodexException.class);
        assertThat(tries).hasSize(1);
        assertThatThrownBy(() -> LeaseWait.retrying(Duration.ofSeconds(-1), () -> "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInterruptedWaitEndsTheTriesAndKeepsTheInterrupt() {
        CodexException refused = heldUntil(Instant.now().plusSeconds(5));
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> LeaseWait.retrying(Duration.ofSeconds(10), () -> {
                tries.add(System.nanoTime());
                throw refused;
            })).isSameAs(refused);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(tries).hasSize(1);
    }

    @Test
    void anExpiryIsAwaitedOnlyWithinTheBound() {
        Instant soon = Instant.now().plusMillis(200);
        assertThat(LeaseWait.awaitExpiry(soon, Duration.ofSeconds(10))).isTrue();
        assertThat(Instant.now()).isAfter(soon);
        long started = System.nanoTime();
        assertThat(LeaseWait.awaitExpiry(Instant.now().plusSeconds(600), Duration.ofSeconds(30))).isFalse();
        assertThat(LeaseWait.awaitExpiry(Instant.MAX, Duration.ofSeconds(30))).as("no overflow").isFalse();
        // a wait would last a bound at least, two of them here: a slow machine is still far quicker
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no wait").isLessThan(Duration.ofSeconds(30));
        assertThat(LeaseWait.awaitExpiry(Instant.now().minusSeconds(1), Duration.ofSeconds(10))).as("ended already").isTrue();
        assertThat(LeaseWait.awaitExpiry(Instant.now().minusSeconds(1), java.time.temporal.ChronoUnit.FOREVER.getDuration()))
                .as("a bound past a long's nanoseconds").isTrue();
    }
}
