package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.spi.WriteFence;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link WriteFence}'s states as a store says them: which can be given up, and what giving up does to the waiting thread. */
class WriteFenceTest {
    @Test
    void aTryCanBeGivenUpOnlyWhileNothingOfItCanCommit() {
        WriteFence unknown = new WriteFence();
        assertThat(unknown.abandon()).as("a store that never says").isFalse();

        WriteFence sent = new WriteFence();
        sent.awaitingDatabase();
        sent.sending();
        assertThat(sent.abandon()).as("its statements went out: it may commit").isFalse();
        sent.rolledBack();          // its transaction failed before the commit: run once more, waiting for the database
        assertThat(sent.abandon()).isTrue();
        assertThat(Thread.interrupted()).as("the thread that waits is woken").isTrue();
        assertThat(sent.leftDatabase()).isTrue();
        assertThatThrownBy(sent::sending).isInstanceOf(WriteFence.WriteAbandonedException.class);

        WriteFence failed = new WriteFence();
        failed.awaitingDatabase();
        failed.failed();
        assertThat(failed.leftDatabase()).isFalse();
        assertThat(failed.abandon()).as("a failed try sends nothing more").isTrue();
        assertThat(Thread.interrupted()).as("no thread waits in it any more: none is woken").isFalse();
    }

    @Test
    void givingUpWakesTheThreadWaitingForTheDatabaseAndItsInterruptIsClearedWhenItsCallEnds() throws Exception {
        WriteFence fence = new WriteFence();
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicBoolean woken = new AtomicBoolean();
        AtomicBoolean clearedAfter = new AtomicBoolean();
        Thread store = new Thread(() -> fence.during(() -> {
            WriteFence.current().awaitingDatabase();
            waiting.countDown();
            try {
                new CountDownLatch(1).await(60, TimeUnit.SECONDS);      // a pool's wait for a connection
            } catch (InterruptedException e) {
                woken.set(true);
                Thread.currentThread().interrupt();     // as a pool that keeps the flag for its caller
            } finally {
                WriteFence.current().leftDatabase();
                clearedAfter.set(!Thread.currentThread().isInterrupted());
            }
        }));
        store.start();
        assertThat(waiting.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(fence.abandon()).isTrue();
        store.join(60_000);
        assertThat(woken).isTrue();
        assertThat(clearedAfter).as("the store's thread goes on uninterrupted").isTrue();
        assertThat(WriteFence.current()).as("the fence is the running work's only").isNull();
    }
}
