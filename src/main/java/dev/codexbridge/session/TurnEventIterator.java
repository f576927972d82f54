package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A turn's events read one at a time ({@link TurnStream#iterator()}): {@link #hasNext()} waits
 * for the next event, so call it on a thread that may block (a virtual thread, a request
 * thread), never on the library's. It asks the stream for {@value #BATCH} events at a time, so
 * at most that many wait here; the stream's own rule applies to a reader that falls further
 * behind. The turn's end ({@link TurnStreamEvent.Ended}) is the last event; a stream that fails
 * makes {@link #hasNext()} throw a {@link CodexException}. {@link #close()} stops reading, and
 * the turn goes on ({@link TurnStream#handle()} interrupts it). Read from one thread.
 */
public final class TurnEventIterator implements Iterator<TurnStreamEvent>, AutoCloseable {
    static final int BATCH = 32;

    // a lock rather than a monitor: a virtual thread waiting here does not pin its carrier (JDK 21+)
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<TurnStreamEvent> waiting = new ArrayDeque<>();
    private Flow.Subscription subscription;
    private boolean done;
    private Throwable failure;
    private boolean closed;
    private int taken;

    TurnEventIterator() {
    }

    /** What the stream delivers to. */
    Flow.Subscriber<TurnStreamEvent> feed() {
        return new Feed();
    }

    /**
     * Waits for the next event; false once the turn's events are all read (or the iterator was
     * closed). Interrupting the waiting thread makes it throw a {@link CodexException}, with the
     * thread's interrupt status kept.
     */
    @Override
    public boolean hasNext() {
        lock.lock();
        try {
            while (waiting.isEmpty() && !done && !closed) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CodexException("interrupted while waiting for the turn's next event", e);
                }
            }
            if (!waiting.isEmpty()) {
                return true;
            }
            if (failure != null && !closed) {
                Throwable f = failure;
                failure = null;
                throw f instanceof CodexException ? (CodexException) f : new CodexException("the turn stream failed: " + f.getMessage(), f);
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public TurnStreamEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the turn's events are all read");
        }
        Flow.Subscription more = null;
        TurnStreamEvent event;
        lock.lock();
        try {
            event = waiting.pollFirst();
            if (++taken == BATCH / 2) {
                taken = 0;
                more = subscription;
            }
        } finally {
            lock.unlock();
        }
        if (more != null) {
            more.request(BATCH / 2);
        }
        return event;
    }

    /** Stops reading: the stream delivers nothing more; the turn goes on. Idempotent. */
    @Override
    public void close() {
        Flow.Subscription s;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            waiting.clear();
            s = subscription;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (s != null) {
            s.cancel();
        }
    }

    /** The subscriber side, kept off the iterator's public face. */
    private final class Feed implements Flow.Subscriber<TurnStreamEvent> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            lock.lock();
            try {
                if (subscription != null || closed) {
                    s.cancel();
                    return;
                }
                subscription = s;
            } finally {
                lock.unlock();
            }
            s.request(BATCH);
        }

        @Override
        public void onNext(TurnStreamEvent event) {
            lock.lock();
            try {
                if (!closed) {
                    waiting.addLast(event);
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onError(Throwable t) {
            finish(t);
        }

        @Override
        public void onComplete() {
            finish(null);
        }

        private void finish(Throwable t) {
            lock.lock();
            try {
                failure = t;
                done = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
