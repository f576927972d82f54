package dev.codexbridge.session.internal.custody;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RecordDropsTest {
    @Test
    void dropsRunAFewAtATimeInTheOrderAskedAndPastTheBoundNoneIsAsked() throws Exception {
        RecordDrops drops = new RecordDrops();
        AtomicInteger underWay = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < RecordDrops.MAX_UNDER_WAY + RecordDrops.MAX_WAITING; i++) {
            int n = i;
            CompletableFuture<Void> answer = new CompletableFuture<>();
            answers.add(answer);
            RecordDrops.Drop drop = drops.run(() -> {
                most.accumulateAndGet(underWay.incrementAndGet(), Math::max);
                order.add(n);
                return answer.whenComplete((x, failure) -> underWay.decrementAndGet());
            });
            assertThat(drop).isNotNull();
            done.add(drop.done());
        }
        assertThat(drops.run(() -> CompletableFuture.completedFuture(null))).as("the most under way and the bound waiting: not asked").isNull();

        // codex answers each in turn, the first with an error: the next starts all the same
        await(() -> order.size() == RecordDrops.MAX_UNDER_WAY);
        for (int i = 0; i < answers.size(); i++) {
            int n = Math.min(answers.size(), i + RecordDrops.MAX_UNDER_WAY);
            await(() -> order.size() >= n);
            if (i == 0) {
                answers.get(i).completeExceptionally(new IllegalStateException("codex answered with an error"));
            } else {
                answers.get(i).complete(null);
            }
        }
        CompletableFuture.allOf(done.subList(1, done.size()).toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(done.get(0)).isCompletedExceptionally();
        assertThat(most).as("never more at once").hasValue(RecordDrops.MAX_UNDER_WAY);
        assertThat(order).hasSize(answers.size());
        assertThat(order.subList(0, RecordDrops.MAX_UNDER_WAY)).as("the first started at once")
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, RecordDrops.MAX_UNDER_WAY).boxed().toList());
        assertThat(order.subList(RecordDrops.MAX_UNDER_WAY, order.size())).as("the rest in the order asked").isSorted();
        assertThat(drops.run(() -> CompletableFuture.completedFuture(null))).as("room again once they ended").isNotNull();
    }

    @Test
    void aStepThatThrowsEndsItsTurn() throws Exception {
        RecordDrops drops = new RecordDrops();
        RecordDrops.Drop failed = drops.run(() -> {
            throw new IllegalStateException("no connection");
        });
        assertThat(failed.done()).failsWithin(30, TimeUnit.SECONDS);
        assertThat(drops.run(() -> CompletableFuture.completedFuture(null)).done()).succeedsWithin(30, TimeUnit.SECONDS);
    }

    @Test
    void aDropWithdrawnWhileItWaitsIsNeverStartedAndEndsAtOnce() throws Exception {
        RecordDrops drops = new RecordDrops();
        CompletableFuture<Void> answer = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();
        List<RecordDrops.Drop> underWay = new ArrayList<>();
        for (int i = 0; i < RecordDrops.MAX_UNDER_WAY; i++) {
            underWay.add(drops.run(() -> {
                started.incrementAndGet();
                return answer;
            }));
        }
        RecordDrops.Drop first = underWay.get(0);
        RecordDrops.Drop second = drops.run(() -> {
            started.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
        RecordDrops.Drop third = drops.run(() -> {
            started.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
        await(() -> started.get() == RecordDrops.MAX_UNDER_WAY);
        assertThat(first.withdraw()).as("under way: not withdrawn").isFalse();
        assertThat(second.withdraw()).isTrue();
        assertThat(second.done()).as("ended at once, before the one under way").isCompleted();
        answer.complete(null);
        third.done().get(30, TimeUnit.SECONDS);
        assertThat(first.done()).isCompleted();
        assertThat(started).as("the withdrawn one never started").hasValue(RecordDrops.MAX_UNDER_WAY + 1);
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); !condition.getAsBoolean(); ) {
            assertThat(System.nanoTime() - end).as("waited 30 s").isNegative();
            Thread.sleep(2);
        }
    }
}
