package dev.codexbridge.callers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.store.ConversationStoreException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a door's /readyz answers, on a fake store check and a hand-moved clock. */
class ReadinessTest {
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger asked = new AtomicInteger();

    @Test
    void aStoreThatHangsIsUnavailableAfterTheBoundAndOneCheckRunsAtATime() throws Exception {
        CountDownLatch answers = new CountDownLatch(1);
        Readiness r = new Readiness(() -> {
            asked.incrementAndGet();
            try {
                answers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, Duration.ofMillis(50), Duration.ofSeconds(1), nanos::get);
        assertThat(r.now()).isEqualTo(new Readiness.Answer(false, "store: unavailable", true));
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(r.now().ready()).isFalse();
        assertThat(asked).as("the hanging check is waited for again, not started a second time").hasValue(1);
        answers.countDown();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(r.now()).isEqualTo(new Readiness.Answer(true, "ready"));
    }

    @Test
    void aStoreThatFailsIsUnavailableWithoutItsErrorText() {
        Readiness r = new Readiness(() -> {
            throw new ConversationStoreException(null, "FATAL: password authentication failed for user \"app\" at db-7", null);
        }, Duration.ofSeconds(5), Duration.ofSeconds(1), nanos::get);
        assertThat(r.now()).as("failed, not silent").isEqualTo(new Readiness.Answer(false, "store: unavailable", false));
    }

    @Test
    void anAnswerIsKeptForASecondSoProbesDoNotLoadTheStore() {
        Readiness r = new Readiness(asked::incrementAndGet, Duration.ofSeconds(5), Duration.ofSeconds(1), nanos::get);
        assertThat(r.now().ready()).isTrue();
        nanos.addAndGet(Duration.ofMillis(900).toNanos());
        assertThat(r.now().ready()).isTrue();
        assertThat(asked).hasValue(1);
        nanos.addAndGet(Duration.ofMillis(200).toNanos());
        assertThat(r.now().ready()).isTrue();
        assertThat(asked).hasValue(2);
    }

    /** Seen as a readiness thread left 20 s after its class: a pool that waits 30 s for a connection, the database gone. */
    @Test
    void aCheckStillWaitingWhenTheDoorStopsIsInterruptedAndItsThreadEnds() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Thread> ended = new java.util.concurrent.CompletableFuture<>();
        Readiness r = new Readiness(() -> {
            waiting.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(5).toMillis());   // a pool's wait, which an interrupt ends
            } catch (InterruptedException e) {
                ended.complete(Thread.currentThread());
                throw new IllegalStateException("interrupted", e);
            }
        }, Duration.ofMillis(50), Duration.ofSeconds(1), nanos::get);
        assertThat(r.now().storeSilent()).isTrue();
        assertThat(waiting.await(60, TimeUnit.SECONDS)).isTrue();

        r.close();
        Thread checker = ended.get(60, TimeUnit.SECONDS);
        checker.join(60_000);
        assertThat(checker.isAlive()).as("the check's thread after the door stopped").isFalse();
        assertThat(r.now()).isEqualTo(Readiness.Answer.STOPPING);
    }

    @Test
    void aStoppingDoorIsNotReadyWhateverItsStoreSays() {
        Readiness r = new Readiness(asked::incrementAndGet, Duration.ofSeconds(5), Duration.ofSeconds(1), nanos::get);
        assertThat(r.now().ready()).isTrue();
        r.close();
        assertThat(r.now()).isEqualTo(new Readiness.Answer(false, "stopping"));
        assertThat(Readiness.always().now()).isEqualTo(new Readiness.Answer(true, "ready"));
    }
}
