package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.FailureKind;
import dev.codexbridge.rpc.internal.Futures;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadOpenWindowTest {
    private static final Duration LONG = Duration.ofMinutes(5);

    @Test
    void aFreeSlotIsGivenAtOnceOnTheCallersThreadAndAReleasedOneGoesToTheFirstWaiter() throws Exception {
        ThreadOpenWindow w = new ThreadOpenWindow(2, 10, LONG, Runnable::run, System::nanoTime);
        CompletableFuture<ThreadOpenWindow.Slot> a = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> b = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> c = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> d = w.acquire(false);

        assertThat(a).isDone();
        assertThat(b).isDone();
        assertThat(c).isNotDone();
        assertThat(w.inFlight()).isEqualTo(2);
        assertThat(w.waiting()).isEqualTo(2);

        a.get().release();
        a.get().release();      // twice: one slot back, not two
        assertThat(c).isDone();
        assertThat(d).isNotDone();
        assertThat(w.inFlight()).isEqualTo(2);

        b.get().release();
        c.get().release();
        d.get(60, TimeUnit.SECONDS).release();
        assertThat(w.inFlight()).isZero();
    }

    @Test
    void allSlotsAreTakenOnlyWhenNoneIsInUseAndCallersMeanwhileWaitAndThenGoInOrder() throws Exception {
        ThreadOpenWindow w = new ThreadOpenWindow(2, 10, LONG, Runnable::run, System::nanoTime);
        ThreadOpenWindow.Slot held = w.acquire(false).get();
        assertThat(w.takeAllIfUnused()).as("one slot in use").isFalse();
        assertThat(w.inFlight()).isEqualTo(1);
        held.release();

        assertThat(w.takeAllIfUnused()).isTrue();
        CompletableFuture<ThreadOpenWindow.Slot> first = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> second = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> third = w.acquire(false);
        assertThat(first).isNotDone();
        assertThat(w.takeAllIfUnused()).as("taken already").isFalse();

        w.giveAllBack();
        assertThat(first).isDone();
        assertThat(second).isDone();
        assertThat(third).as("two slots: the third still waits").isNotDone();
        first.get().release();
        assertThat(third).isDone();
        second.get().release();
        third.get().release();
        assertThat(w.inFlight()).isZero();
    }

    @Test
    void aReconnectsResumeGoesAheadOfEveryoneWaitingAndIsNeverRefused() throws Exception {
        ThreadOpenWindow w = new ThreadOpenWindow(1, 1, LONG, Runnable::run, System::nanoTime);
        ThreadOpenWindow.Slot held = w.acquire(false).get();
        CompletableFuture<ThreadOpenWindow.Slot> wake = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> resume1 = w.acquire(true);
        CompletableFuture<ThreadOpenWindow.Slot> resume2 = w.acquire(true);     // beyond the queue: reconnects always wait

        held.release();
        assertThat(resume1).isDone();
        assertThat(wake).isNotDone();
        resume1.get().release();
        assertThat(resume2).isDone();
        assertThat(wake).isNotDone();
        resume2.get().release();
        assertThat(wake).isDone();
    }

    @Test
    void aCallerBeyondTheQueueIsRefusedAtOnceAndOneWaitingPastTheBoundIsRefusedThen() throws Exception {
        ThreadOpenWindow w = new ThreadOpenWindow(1, 1, Duration.ofMillis(200), Runnable::run, System::nanoTime);
        ThreadOpenWindow.Slot held = w.acquire(false).get();
        CompletableFuture<ThreadOpenWindow.Slot> waits = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> refusedNow = w.acquire(false);

        assertThat(refusedNow).isCompletedExceptionally();
        ThreadOpenCapacityException now = capacity(refusedNow);
        assertThat(now.kind()).isEqualTo(FailureKind.CAPACITY);
        assertThat(now.waited()).isZero();
        assertThat(now.waiting()).isEqualTo(1);
        assertThat(now.retryAfter()).isPositive();
        assertThat(now.getMessage()).contains("1 at a time").contains("nothing sent");

        ThreadOpenCapacityException later = capacity(waits);
        assertThat(later.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(w.refused()).isEqualTo(2);
        assertThat(w.waiting()).isZero();

        held.release();
        assertThat(w.inFlight()).as("the refused ones took no slot").isZero();
    }

    @Test
    void aCallerWhoseTurnWouldComeAfterTheBoundAtThisBurstsPaceIsRefusedAtOnce() throws Exception {
        long[] now = {0};
        ThreadOpenWindow strict = new ThreadOpenWindow(1, 100, Duration.ofSeconds(1), Runnable::run, () -> now[0]);
        ThreadOpenWindow.Slot first = strict.acquire(false).get();
        CompletableFuture<ThreadOpenWindow.Slot> second = strict.acquire(false);
        assertThat(second).as("no pace known yet in this burst: it waits").isNotDone();
        now[0] = Duration.ofSeconds(2).toNanos();
        first.release();                                    // codex took 2 s for one load; the window never emptied

        CompletableFuture<ThreadOpenWindow.Slot> next = strict.acquire(false);

        assertThat(capacity(next).waited()).as("refused at once: its turn would come in about 2 s").isZero();
        second.get().release();

        ThreadOpenWindow patient = new ThreadOpenWindow(1, 100, Duration.ofSeconds(10), Runnable::run, () -> now[0]);
        ThreadOpenWindow.Slot a = patient.acquire(false).get();
        CompletableFuture<ThreadOpenWindow.Slot> b = patient.acquire(false);
        now[0] += Duration.ofSeconds(2).toNanos();
        a.release();
        CompletableFuture<ThreadOpenWindow.Slot> waits = patient.acquire(false);
        assertThat(waits).as("about 2 s of a 10 s bound: it waits").isNotDone();
        b.get().release();
        assertThat(waits).isDone();
    }

    @Test
    void aBurstIsNotJudgedByThePaceOfTheOneBeforeIt() throws Exception {
        long[] now = {0};
        ThreadOpenWindow w = new ThreadOpenWindow(1, 100, Duration.ofSeconds(1), Runnable::run, () -> now[0]);
        ThreadOpenWindow.Slot slow = w.acquire(false).get();
        CompletableFuture<ThreadOpenWindow.Slot> alsoSlow = w.acquire(false);
        now[0] += Duration.ofSeconds(2).toNanos();
        slow.release();                                     // loads beside running turns: 2 s each
        now[0] += Duration.ofSeconds(2).toNanos();
        alsoSlow.get().release();                           // the window is empty: that burst is over

        ThreadOpenWindow.Slot quick = w.acquire(false).get();
        CompletableFuture<ThreadOpenWindow.Slot> waits = w.acquire(false);

        assertThat(waits).as("a new burst waits for its own pace, not refused by the 2 s of the last one").isNotDone();
        now[0] += Duration.ofMillis(100).toNanos();
        quick.release();
        assertThat(waits).isDone();
        assertThat(w.refused()).isZero();
    }

    @Test
    void waitersWhoseTurnTheBurstsPaceShowsComesWellAfterTheirBoundAreRefusedThenNotAfterIt() throws Exception {
        long[] now = {0};
        List<Runnable> handedOff = new ArrayList<>();
        ThreadOpenWindow w = new ThreadOpenWindow(2, 100, Duration.ofSeconds(14), handedOff::add, () -> now[0]);
        ArrayDeque<ThreadOpenWindow.Slot> held = new ArrayDeque<>(List.of(w.acquire(false).get(), w.acquire(false).get()));
        List<CompletableFuture<ThreadOpenWindow.Slot>> line = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            line.add(w.acquire(false));                     // all at once, before anything about this burst is known
        }

        for (int second = 1; second <= 8; second++) {      // codex answers one a second: a ring's worth (8 for 2 at once)
            now[0] = Duration.ofSeconds(second).toNanos();
            held.poll().release();
            handedOff.forEach(Runnable::run);
            handedOff.clear();
            held.add(line.get(second - 1).get());
            if (second < 8) {
                assertThat(w.refused()).as("fewer answers than a ring's worth: nobody refused on them").isZero();
            }
        }

        // 12 wait, 8 s into their 14 s bound; the k-th gets a slot in about k s more. Refused now: those expected
        // past 1.5 times the 6 s left (positions 10 to 12); 7 to 9 will likely wait their bound out, as before
        assertThat(line.subList(8, 17)).noneMatch(CompletableFuture::isDone);
        for (CompletableFuture<ThreadOpenWindow.Slot> late : line.subList(17, 20)) {
            assertThat(capacity(late).waited()).as("refused 8 s in, not after its 14 s bound").isEqualTo(Duration.ofSeconds(8));
        }
        assertThat(w.waiting()).isEqualTo(9);
        assertThat(w.refused()).isEqualTo(3);
    }

    @Test
    void aWaiterThatGaveUpPassesItsSlotOn() throws Exception {
        ThreadOpenWindow w = new ThreadOpenWindow(1, 10, LONG, Runnable::run, System::nanoTime);
        ThreadOpenWindow.Slot held = w.acquire(false).get();
        CompletableFuture<ThreadOpenWindow.Slot> gaveUp = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> next = w.acquire(false);
        gaveUp.cancel(false);

        held.release();

        assertThat(next).isDone();
        assertThat(w.inFlight()).isEqualTo(1);
    }

    @Test
    void underABurstFromManyThreadsNoMoreThanTheWindowIsEverInFlight() throws Exception {
        ThreadOpenWindow w = new ThreadOpenWindow(16, 100_000, LONG);
        int[] most = {0};
        int[] now = {0};
        List<CompletableFuture<Void>> all = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread s = new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    CompletableFuture<Void> done = w.acquire(i % 50 == 0).thenAccept(slot -> {
                        synchronized (most) {
                            now[0]++;
                            most[0] = Math.max(most[0], now[0]);
                        }
                        Thread.yield();
                        synchronized (most) {
                            now[0]--;
                        }
                        slot.release();
                    });
                    synchronized (all) {
                        all.add(done);
                    }
                }
            });
            senders.add(s);
            s.start();
        }
        for (Thread s : senders) {
            s.join();
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(all).hasSize(4_000);
        assertThat(most[0]).isBetween(1, 16);
        assertThat(w.inFlight()).isZero();
        assertThat(w.refused()).isZero();
    }

    @Test
    void aHeldWindowKeepsNewLoadsBackLetsAReconnectThroughAndRefusesNoneForItsWaitMeanwhile() throws Exception {
        Duration wait = Duration.ofMillis(200);
        ThreadOpenWindow w = new ThreadOpenWindow(2, 10, wait, Runnable::run, System::nanoTime);
        ThreadOpenWindow.Slot inUse = w.acquire(false).get();
        w.hold();
        CompletableFuture<ThreadOpenWindow.Slot> first = w.acquire(false);
        CompletableFuture<ThreadOpenWindow.Slot> second = w.acquire(false);
        assertThat(first).as("a slot is free, but a recycle holds new loads back").isNotDone();
        CompletableFuture<ThreadOpenWindow.Slot> resume = w.acquire(true);
        assertThat(resume).as("a reconnect's resume is not held back").isDone();
        inUse.release();
        assertThat(first).as("a slot that frees is kept, not handed on").isNotDone();
        assertThat(w.inFlight()).isEqualTo(1);

        // the same wait on a window no one holds ends in a refusal: by then the timer has passed the held waiters' bound
        ThreadOpenWindow control = new ThreadOpenWindow(1, 10, wait, Runnable::run, System::nanoTime);
        control.acquire(false).get();
        capacity(control.acquire(false));
        assertThat(first).as("held back by the recycle, not refused").isNotDone();
        assertThat(second).isNotDone();
        assertThat(w.refused()).isZero();

        w.unhold();
        assertThat(first).as("the free slot goes to the first in line").isDone();
        assertThat(second).as("the other slot is the resume's").isNotDone();
        resume.get().release();
        assertThat(second).isDone();
        first.get().release();
        second.get().release();
        assertThat(w.inFlight()).isZero();
        assertThat(w.refused()).isZero();
    }

    private static ThreadOpenCapacityException capacity(CompletableFuture<?> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (Futures.unwrap(e) instanceof ThreadOpenCapacityException c) {
                return c;
            }
            throw new AssertionError("not a capacity refusal", e);
        }
        throw new AssertionError("not refused");
    }
}
