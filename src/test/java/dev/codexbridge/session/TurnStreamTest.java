package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.CodexException;
import dev.codexbridge.session.internal.stream.StreamBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TurnStream's delivery rules (decision 0041), fed by hand: room, coalescing, overflow, §3.9, cancel, the iterator. */
class TurnStreamTest {
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "turn-stream-test");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    private static TurnResult result(String text) {
        return new TurnResult("thread-1", "turn-1", TurnOutcome.COMPLETED, text, null, StopReason.NATURAL, 0, 0, List.of(), 1, 1, 0, null,
                false, List.of());
    }

    @Test
    void aSubscriberBehindGetsDeltasCoalescedWithNothingLostAndEveryOtherEventInOrder() {
        StreamBuffer buffer = new StreamBuffer(2, executor);
        buffer.offer(new TurnStreamEvent.Started("key", "turn-1"));
        buffer.offer(new TurnStreamEvent.AgentMessageDelta("msg", "Hel"));
        // two events wait: from here deltas of the same item join the last one
        buffer.offer(new TurnStreamEvent.AgentMessageDelta("msg", "lo, "));
        buffer.offer(new TurnStreamEvent.AgentMessageDelta("msg", "world"));
        buffer.offer(new TurnStreamEvent.Warning("still here"));
        buffer.end(new TurnStreamEvent.Ended(result("Hello, world")));
        assertThat(buffer.coalesced()).isEqualTo(2);
        assertThat(buffer.dropped()).isZero();

        Recorder r = new Recorder(Long.MAX_VALUE);
        buffer.subscribe(r);
        await().atMost(Duration.ofSeconds(60)).until(() -> r.completed.get() == 1);
        assertThat(r.events).containsExactly(new TurnStreamEvent.Started("key", "turn-1"),
                new TurnStreamEvent.AgentMessageDelta("msg", "Hello, world"), new TurnStreamEvent.Warning("still here"),
                new TurnStreamEvent.Ended(result("Hello, world")));
        assertThat(r.errors).isEmpty();
    }

    @Test
    void aDeltaThatCannotJoinIsDroppedButItsItemsCompletionAndTheEndAlwaysQueue() {
        StreamBuffer buffer = new StreamBuffer(1, executor);
        buffer.offer(new TurnStreamEvent.Warning("first"));
        buffer.offer(new TurnStreamEvent.CommandOutputDelta("cmd", "out"));      // the tail is no delta: dropped
        buffer.offer(new TurnStreamEvent.ReasoningDelta("r", "think", false));  // dropped as well
        buffer.offer(new TurnStreamEvent.Warning("second"));                      // not a delta: queues past the room
        buffer.end(new TurnStreamEvent.Ended(result("done")));
        assertThat(buffer.dropped()).isEqualTo(2);

        Recorder r = new Recorder(Long.MAX_VALUE);
        buffer.subscribe(r);
        await().atMost(Duration.ofSeconds(60)).until(() -> r.completed.get() == 1);
        assertThat(r.events).extracting(TurnStreamEvent::kind).containsExactly("warning", "warning", "ended");
    }

    @Test
    void deltasOfAnotherItemOrKindDoNotJoinAndACoalescedDeltaStaysBounded() {
        StreamBuffer buffer = new StreamBuffer(1, executor);
        buffer.offer(new TurnStreamEvent.AgentMessageDelta("a", "x"));
        buffer.offer(new TurnStreamEvent.AgentMessageDelta("b", "y"));           // other item: dropped
        buffer.offer(new TurnStreamEvent.ReasoningDelta("a", "z", true));        // other kind: dropped
        String big = "w".repeat(StreamBuffer.MAX_COALESCED);
        buffer.offer(new TurnStreamEvent.AgentMessageDelta("a", big));          // would pass the bound: dropped
        buffer.offer(new TurnStreamEvent.AgentMessageDelta("a", "x"));          // joins
        assertThat(buffer.dropped()).isEqualTo(3);
        assertThat(buffer.coalesced()).isEqualTo(1);
        assertThat(buffer.waiting()).isEqualTo(1);
    }

    @Test
    void aSubscriberThatNeverRequestsNeitherBlocksTheTurnNorGrowsTheBufferPastItsBound() {
        StreamBuffer buffer = new StreamBuffer(8, executor);
        Recorder stalled = new Recorder(0);
        buffer.subscribe(stalled);
        for (int i = 0; i < 100_000; i++) {
            buffer.offer(new TurnStreamEvent.AgentMessageDelta("msg-" + (i / 1000), "token "));
        }
        assertThat(buffer.waiting()).isLessThanOrEqualTo(8);
        assertThat(buffer.coalesced() + buffer.dropped() + buffer.waiting()).isEqualTo(100_000);
        assertThat(stalled.events).isEmpty();
        assertThat(stalled.errors).isEmpty();
    }

    @Test
    void tooManyEventsThatMayNotBeDroppedFailTheSubscriptionWithAClearSignal() {
        StreamBuffer buffer = new StreamBuffer(1, executor);
        Recorder r = new Recorder(0);
        buffer.subscribe(r);
        for (int i = 0; i < 1 + StreamBuffer.OVERFLOW_FACTOR; i++) {
            buffer.offer(new TurnStreamEvent.Warning("w" + i));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> !r.errors.isEmpty());
        assertThat(r.errors.get(0)).isInstanceOf(TurnStreamOverflowException.class).hasMessageContaining("fell 10 events behind");
        buffer.offer(new TurnStreamEvent.Warning("later"));
        buffer.end(new TurnStreamEvent.Ended(result("x")));
        r.subscription.request(10);
        assertThat(buffer.waiting()).isZero();
        assertThat(r.events).isEmpty();
        assertThat(r.completed).hasValue(0);
        assertThat(r.errors).hasSize(1);
    }

    @Test
    void aNonPositiveRequestFailsTheSubscription() {
        StreamBuffer buffer = new StreamBuffer(4, executor);
        buffer.offer(new TurnStreamEvent.Warning("w"));
        Recorder r = new Recorder(0);
        buffer.subscribe(r);
        await().atMost(Duration.ofSeconds(60)).until(() -> r.subscription != null);
        r.subscription.request(0);
        await().atMost(Duration.ofSeconds(60)).until(() -> !r.errors.isEmpty());
        assertThat(r.errors.get(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
        assertThat(r.events).isEmpty();
    }

    @Test
    void cancelStopsDeliveryAndASecondSubscriberIsRefused() {
        StreamBuffer buffer = new StreamBuffer(16, executor);
        for (int i = 0; i < 5; i++) {
            buffer.offer(new TurnStreamEvent.Warning("w" + i));
        }
        Recorder r = new Recorder(2);
        buffer.subscribe(r);
        await().atMost(Duration.ofSeconds(60)).until(() -> r.events.size() == 2);
        r.subscription.cancel();
        r.subscription.request(10);
        buffer.end(new TurnStreamEvent.Ended(result("x")));
        Recorder second = new Recorder(1);
        buffer.subscribe(second);
        assertThat(second.errors).singleElement().isInstanceOf(IllegalStateException.class);
        assertThat(r.events).extracting(e -> ((TurnStreamEvent.Warning) e).message()).containsExactly("w0", "w1");
        assertThat(r.completed).hasValue(0);
        assertThat(r.errors).isEmpty();
    }

    @Test
    void theIteratorReadsEveryEventInOrderThenEnds() {
        StreamBuffer buffer = new StreamBuffer(TurnStream.DEFAULT_BUFFER_SIZE, executor);
        TurnStream stream = TurnStream.detached(buffer);
        int n = TurnEventIterator.BATCH * 5 + 3;      // several rounds of requests
        Thread producer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                buffer.offer(new TurnStreamEvent.Warning("w" + i));
            }
            buffer.end(new TurnStreamEvent.Ended(result("fine")));
        });
        List<String> read = new CopyOnWriteArrayList<>();
        try (TurnEventIterator events = stream.iterator()) {
            producer.start();
            while (events.hasNext()) {
                read.add(events.next().kind());
            }
            assertThat(events.hasNext()).isFalse();
            assertThatThrownBy(events::next).isInstanceOf(java.util.NoSuchElementException.class);
        }
        assertThat(read).hasSize(n + 1);
        assertThat(read.subList(0, n).stream().collect(Collectors.toSet())).containsExactly("warning");
        assertThat(read.get(n)).isEqualTo("ended");
    }

    @Test
    void theIteratorThrowsWhenTheStreamFailsAndStopsWhenClosed() {
        StreamBuffer failing = new StreamBuffer(4, executor);
        failing.offer(new TurnStreamEvent.Warning("w"));
        failing.fail(new IllegalStateException("a turn is already running"));
        try (TurnEventIterator events = TurnStream.detached(failing).iterator()) {
            assertThat(events.next()).isEqualTo(new TurnStreamEvent.Warning("w"));
            assertThatThrownBy(events::hasNext).isInstanceOf(CodexException.class).hasMessageContaining("a turn is already running");
        }

        StreamBuffer open = new StreamBuffer(4, executor);
        TurnEventIterator events = TurnStream.detached(open).iterator();
        Thread closer = new Thread(() -> {
            await().atMost(Duration.ofSeconds(60)).until(() -> open.waiting() == 0);
            events.close();
        });
        closer.start();
        assertThat(events.hasNext()).as("a closed iterator stops waiting").isFalse();
        open.offer(new TurnStreamEvent.Warning("after close"));
        assertThat(events.hasNext()).isFalse();
    }

    /** Records the signals, requesting {@code initial} at subscription. */
    static final class Recorder implements Flow.Subscriber<TurnStreamEvent> {
        final long initial;
        final List<TurnStreamEvent> events = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final AtomicInteger completed = new AtomicInteger();
        volatile Flow.Subscription subscription;

        Recorder(long initial) {
            this.initial = initial;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (initial > 0) {
                s.request(initial);
            }
        }

        @Override
        public void onNext(TurnStreamEvent item) {
            events.add(item);
        }

        @Override
        public void onError(Throwable t) {
            errors.add(t);
        }

        @Override
        public void onComplete() {
            completed.incrementAndGet();
        }
    }
}
