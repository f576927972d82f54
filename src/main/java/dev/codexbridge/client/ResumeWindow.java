package dev.codexbridge.client;

import java.time.Duration;

/**
 * How many resumes after a reconnect may be in flight at once, adapted to how fast codex answers
 * them: it starts at the policy's {@code concurrentResumes} (the ceiling), halves when a resume
 * that began after the last halving took more than half the resume timeout or failed (codex is
 * busy, say restarting hundreds of threads while a build loads the machine: more at once would
 * only time out), and grows by one with each quick answer. Thread-safe.
 */
final class ResumeWindow {
    private final int ceiling;
    private final long slowNanos;
    private int size;
    private int inFlight;
    private int smallest;
    /** When the window was last halved: only a resume started after it says anything about the smaller window. */
    private long halvedAt = Long.MIN_VALUE;

    ResumeWindow(int ceiling, Duration resumeTimeout) {
        this.ceiling = Math.max(1, ceiling);
        this.slowNanos = resumeTimeout.toNanos() / 2;
        this.size = this.ceiling;
        this.smallest = this.ceiling;
    }

    /** Takes a slot if one is free: returns the start time to hand back to {@link #ended}, or -1 when the window is full. */
    synchronized long tryStart(long now) {
        if (inFlight >= size) {
            return -1;
        }
        inFlight++;
        return now;
    }

    /** A slot taken with nothing to run in it. */
    synchronized void unused() {
        inFlight--;
    }

    /** A resume that started at {@code startedAt} ended at {@code now}; {@code failed} when it did not open its thread. */
    synchronized void ended(long startedAt, long now, boolean failed) {
        inFlight--;
        if (failed || now - startedAt > slowNanos) {
            if (startedAt > halvedAt && size > 1) {
                size = Math.max(1, size / 2);
                smallest = Math.min(smallest, size);
                halvedAt = now;
            }
        } else if (size < ceiling) {
            size++;
        }
    }

    synchronized int size() {
        return size;
    }

    /** The smallest the window was this round. */
    synchronized int smallest() {
        return smallest;
    }
}
