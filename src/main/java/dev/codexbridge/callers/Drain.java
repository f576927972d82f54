package dev.codexbridge.callers;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stopping door's calls in flight (issue 71), for every front end: once it stops, the door
 * refuses a new call "send again" before anything runs ({@link #stopping()}), and the calls in
 * flight are waited for within a bound, so each caller gets its answer rather than a connection
 * that closes without one.
 */
public final class Drain {
    /** How long a stopping door waits for the calls in flight, unless the door is told otherwise. */
    public static final Duration DEFAULT_BOUND = Duration.ofSeconds(20);

    private final Object lock = new Object();
    private int calls;
    private volatile boolean stopping;

    /** Whether new calls are refused. */
    public boolean stopping() {
        return stopping;
    }

    /** A call begins; the runnable, run once (more runs do nothing), says it is over: its answer written, or its caller gone. */
    public Runnable enter() {
        synchronized (lock) {
            calls++;
        }
        AtomicBoolean left = new AtomicBoolean();
        return () -> {
            if (left.compareAndSet(false, true)) {
                synchronized (lock) {
                    calls--;
                    if (calls == 0) {
                        lock.notifyAll();
                    }
                }
            }
        };
    }

    /** Stops taking calls and waits up to {@code bound} for those in flight; whether none is left. */
    public boolean stopAndAwait(Duration bound) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (lock) {
            while (calls > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** The calls in flight now. */
    public int inFlight() {
        synchronized (lock) {
            return calls;
        }
    }
}
