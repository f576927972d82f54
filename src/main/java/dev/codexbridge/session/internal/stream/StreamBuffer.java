package dev.codexbridge.session.internal.stream;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.session.TurnStreamEvent;
import dev.codexbridge.session.TurnStreamOverflowException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The events of one stream on their way to its one subscriber: a bounded queue filled by the turn
 * (on the library's dispatch threads, which never wait here) and drained on {@code executor} as
 * far as the subscriber has asked (Reactive Streams: signals in series, §1.3; a non-positive
 * request fails the subscription, §3.9; nothing after cancel, §3.6).
 *
 * <p>Room (docs/decisions/0041-turn-streams.md): once {@code bufferSize} events wait, a delta joins
 * the delta waiting last when that is of the same kind and item (nothing lost; up to
 * {@link #MAX_COALESCED} characters), else it is dropped (its item's completion holds the text).
 * Other events still queue, up to {@code 10 × bufferSize}; past that the subscription fails with
 * {@link TurnStreamOverflowException}. The turn's end ({@link TurnStreamEvent.Ended}) always queues.
 */
public final class StreamBuffer implements Flow.Subscription {
    private static final Logger LOG = SafeLogger.getLogger(StreamBuffer.class);
    /** The longest text one coalesced delta grows to; later deltas of the item are dropped while it waits. */
    public static final int MAX_COALESCED = 64 * 1024;
    public static final int OVERFLOW_FACTOR = 10;

    private final int bufferSize;
    private final int limit;
    private final Executor executor;
    private final AtomicInteger work = new AtomicInteger();
    private final Object lock = new Object();
    private final ArrayDeque<TurnStreamEvent> queue = new ArrayDeque<>();

    private Flow.Subscriber<? super TurnStreamEvent> subscriber;
    private boolean subscribedOnce;
    private boolean onSubscribeSent;
    private long demand;
    /** The turn has ended (or failed): nothing more is offered. */
    private boolean ended;
    private Throwable endFailure;
    /** Signalled ahead of what waits: a bad request (§3.9) or an overflow. */
    private Throwable refusal;
    /** The subscriber was sent its terminal signal, or cancelled: nothing more goes to it. */
    private boolean finished;
    private long coalesced;
    private long dropped;

    public StreamBuffer(int bufferSize, Executor executor) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize must be >= 1");
        }
        this.bufferSize = bufferSize;
        this.limit = Math.multiplyExact(bufferSize, OVERFLOW_FACTOR);
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** The one subscriber; a second one is refused (onSubscribe, then onError), as §1.9 and §2.5 allow. */
    public void subscribe(Flow.Subscriber<? super TurnStreamEvent> s) {
        Objects.requireNonNull(s, "subscriber");
        synchronized (lock) {
            if (!subscribedOnce) {
                subscribedOnce = true;
                subscriber = s;
                s = null;
            }
        }
        if (s != null) {
            s.onSubscribe(Refused.INSTANCE);
            s.onError(new IllegalStateException("a turn stream has one subscriber, and it has one already"));
            return;
        }
        drain();
    }

    /** From the turn: queue {@code event} under the room rule; never blocks. */
    public void offer(TurnStreamEvent event) {
        synchronized (lock) {
            if (ended || finished || refusal != null) {
                return;
            }
            if (queue.size() >= bufferSize && event instanceof TurnStreamEvent.Delta) {
                TurnStreamEvent.Delta d = (TurnStreamEvent.Delta) event;
                TurnStreamEvent last = queue.peekLast();
                if (last instanceof TurnStreamEvent.Delta && joins((TurnStreamEvent.Delta) last, d)) {
                    queue.pollLast();
                    queue.addLast(((TurnStreamEvent.Delta) last).append(d.text()));
                    coalesced++;
                } else {
                    dropped++;
                }
                return;
            }
            if (queue.size() >= limit) {
                queue.clear();
                refusal = new TurnStreamOverflowException("the turn stream's subscriber fell " + limit
                        + " events behind (bufferSize " + bufferSize + "); the turn goes on, its result is on the stream's handle");
            } else {
                queue.addLast(event);
            }
        }
        drain();
    }

    private static boolean joins(TurnStreamEvent.Delta last, TurnStreamEvent.Delta next) {
        return last.getClass() == next.getClass() && last.itemId().equals(next.itemId())
                && (!(last instanceof TurnStreamEvent.ReasoningDelta)
                        || ((TurnStreamEvent.ReasoningDelta) last).summary() == ((TurnStreamEvent.ReasoningDelta) next).summary())
                && (long) last.text().length() + next.text().length() <= MAX_COALESCED;
    }

    /** From the turn: its last event (null: none, for tests); the subscriber completes once it has had it. */
    public void end(TurnStreamEvent.@Nullable Ended last) {
        synchronized (lock) {
            if (ended || finished) {
                return;
            }
            if (last != null) {
                queue.addLast(last);
            }
            ended = true;
        }
        drain();
    }

    /** From the turn: it could not run (or the library failed); the subscriber hears onError after what waits. */
    public void fail(Throwable failure) {
        synchronized (lock) {
            if (ended || finished) {
                return;
            }
            endFailure = failure;
            ended = true;
        }
        drain();
    }

    @Override
    public void request(long n) {
        synchronized (lock) {
            if (finished) {
                return;
            }
            if (n <= 0) {
                refusal = new IllegalArgumentException("Reactive Streams §3.9: request(" + n + ") must ask for a positive number");
            } else {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            }
        }
        drain();
    }

    @Override
    public void cancel() {
        synchronized (lock) {
            finished = true;
            subscriber = null;
            queue.clear();
        }
    }

    public long coalesced() {
        synchronized (lock) {
            return coalesced;
        }
    }

    public long dropped() {
        synchronized (lock) {
            return dropped;
        }
    }

    public int waiting() {
        synchronized (lock) {
            return queue.size();
        }
    }

    private void drain() {
        if (work.getAndIncrement() != 0) {
            return;
        }
        try {
            executor.execute(this::deliver);
        } catch (RejectedExecutionException e) {
            LOG.warn("turn stream: its executor refused delivery; the subscriber is failed", e);
            Flow.Subscriber<? super TurnStreamEvent> s;
            synchronized (lock) {
                s = onSubscribeSent && !finished ? subscriber : null;
                finished = true;
                subscriber = null;
                queue.clear();
            }
            if (s != null) {
                s.onError(e);
            }
        }
    }

    /** Sends what is due, one signal at a time; one run at a time ({@code work}), so signals never overlap. */
    private void deliver() {
        int missed = 1;
        do {
            while (step()) {
                // each step sends one signal
            }
            missed = work.addAndGet(-missed);
        } while (missed != 0);
    }

    /** One signal, if one is due; false when there is nothing to send now. */
    private boolean step() {
        Flow.Subscriber<? super TurnStreamEvent> s;
        TurnStreamEvent next = null;
        Throwable error = null;
        boolean complete = false;
        boolean subscribe = false;
        synchronized (lock) {
            s = subscriber;
            if (s == null || finished) {
                return false;
            }
            if (!onSubscribeSent) {
                onSubscribeSent = true;
                subscribe = true;
            } else if (refusal != null) {
                error = refusal;
            } else if (!queue.isEmpty() && demand > 0) {
                next = queue.pollFirst();
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
            } else if (queue.isEmpty() && ended) {
                error = endFailure;
                complete = endFailure == null;
            } else {
                return false;
            }
            if (error != null || complete) {
                finished = true;
                subscriber = null;
                queue.clear();
            }
        }
        try {
            if (subscribe) {
                s.onSubscribe(this);
            } else if (next != null) {
                s.onNext(next);
            } else if (error != null) {
                s.onError(error);
            } else {
                s.onComplete();
            }
        } catch (RuntimeException e) {
            // §2.13: a subscriber that throws is cancelled; the turn goes on
            LOG.warn("turn stream subscriber failed; it is cancelled", e);
            cancel();
        }
        return true;
    }

    /** The subscription a refused second subscriber gets: it does nothing. */
    private enum Refused implements Flow.Subscription {
        INSTANCE;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
