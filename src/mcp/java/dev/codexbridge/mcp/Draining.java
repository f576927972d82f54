package dev.codexbridge.mcp;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stopping server's tool calls (issue 71): once it stops, a new call is refused "send again"
 * before anything runs, and the calls in flight are waited for, within a bound, so each client
 * gets its call's answer rather than a stream that closes without one. Answers to the server's own
 * questions (an elicitation's result) and notifications still go through: a call waiting for one
 * could not end otherwise.
 */
final class Draining {
    /** How long a stopping server waits for the calls in flight, unless its builder says otherwise. */
    static final Duration DEFAULT_BOUND = Duration.ofSeconds(20);

    private int calls;
    private volatile boolean stopping;

    /** Whether new calls are refused. */
    boolean stopping() {
        return stopping;
    }

    /** A call begins; the runnable, run once, says it is over (its answer written, or its stream gone). */
    synchronized Runnable enter() {
        calls++;
        AtomicBoolean left = new AtomicBoolean();
        return () -> {
            if (left.compareAndSet(false, true)) {
                leave();
            }
        };
    }

    private synchronized void leave() {
        calls--;
        if (calls == 0) {
            notifyAll();
        }
    }

    /** Stops taking calls and waits up to {@code bound} for those in flight; whether none is left. */
    synchronized boolean stopAndAwait(Duration bound) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + bound.toNanos();
        while (calls > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    synchronized int inFlight() {
        return calls;
    }
}
