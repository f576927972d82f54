package dev.codexbridge.session.internal.inbox;

import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.TurnLimits;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A turn's deadlines: the whole turn's ({@code turnTimeout}, from the attempt's start), the idle
 * one (from codex's last progress), and the grace codex gets to confirm an interrupt. One timer
 * task on the shared timer stands for the earliest of them (and the re-attach window, which the
 * turn passes in); it posts a tick into the turn's inbox, so a deadline is handled like any other
 * event. Touched only by the turn's events, one at a time.
 */
public final class TurnClock {
    private final Duration turnTimeout;
    private final Duration idleTimeout;
    private final Duration interruptGrace;
    /** When this attempt began (after any rate-limit wait): the turn's deadlines count from here. */
    private long attemptStartedAt = System.nanoTime();
    private long lastProgress = attemptStartedAt;
    /** When codex must have confirmed the interrupt sent, or 0 while none was asked for. */
    private long graceDeadline;
    /** Why the turn's own deadline passed, or null while it has not. */
    private String timedOutWhy;
    /** The one pending timer task and when it is due. */
    private ScheduledFuture<?> tick;
    private long tickDue;

    public TurnClock(TurnLimits limits, Duration interruptGrace) {
        this.turnTimeout = limits.turnTimeout();
        this.idleTimeout = limits.idleTimeout();
        this.interruptGrace = interruptGrace;
    }

    /** The attempt begins now (its rate-limit wait, if any, is over). */
    public void attemptStarts(long now) {
        attemptStartedAt = now;
        lastProgress = now;
    }

    /** Codex showed progress: the idle deadline starts again. */
    public void progress(long now) {
        lastProgress = now;
    }

    /** An interrupt was asked for before there was anything to send it to: the grace bounds the wait, once. */
    void graceFromNowIfUnset(long now) {
        if (graceDeadline == 0) {
            graceDeadline = now + interruptGrace.toNanos();
        }
    }

    /** An interrupt went out: codex has the grace from now to confirm it. */
    void graceFromNow(long now) {
        graceDeadline = now + interruptGrace.toNanos();
    }

    public boolean graceOver(long now) {
        return graceDeadline != 0 && now >= graceDeadline;
    }

    public Duration interruptGrace() {
        return interruptGrace;
    }

    public boolean timedOut() {
        return timedOutWhy != null;
    }

    /** Why the turn's own deadline passed, or null. */
    public String timedOutWhy() {
        return timedOutWhy;
    }

    /**
     * Whether the turn's own deadline (whole or idle) passed at {@code now}, first time only; then
     * {@link #timedOutWhy} says which. The idle deadline does not run while {@code detached}:
     * codex's silence then is the connection's, and the re-attach restarts the clock.
     */
    public boolean expiresNow(long now, boolean detached) {
        if (timedOutWhy != null) {
            return false;
        }
        if (!turnTimeout.isZero() && now - attemptStartedAt >= turnTimeout.toNanos()) {
            timedOutWhy = "turn timed out after " + seconds(turnTimeout);
        } else if (!idleTimeout.isZero() && !detached && now - lastProgress >= idleTimeout.toNanos()) {
            timedOutWhy = "turn inactive for " + seconds(idleTimeout) + " (no progress from codex; task incomplete)";
        }
        return timedOutWhy != null;
    }

    /**
     * Keeps one timer task for the earliest deadline; {@code windowEnds} is the re-attach window's
     * end while the turn is detached, else 0. Progress moves the idle deadline later without
     * touching the timer: the task then fires early and re-arms itself.
     */
    public void arm(long now, long windowEnds, SessionInbox inbox) {
        long due = nextDeadline(windowEnds);
        if (due == Long.MAX_VALUE || tick != null && tickDue <= due) {
            return;
        }
        ScheduledFuture<?> previous = tick;
        if (previous != null) {
            previous.cancel(false);
        }
        tickDue = due;
        tick = RpcThreads.timer().schedule(() -> inbox.post(TurnEvent.TICK), Math.max(0, due - now), TimeUnit.NANOSECONDS);
    }

    private long nextDeadline(long windowEnds) {
        boolean detached = windowEnds != 0;
        long due = Long.MAX_VALUE;
        if (detached) {
            due = windowEnds;
        } else if (graceDeadline != 0) {
            due = graceDeadline;
        }
        if (timedOutWhy == null && !turnTimeout.isZero()) {
            due = Math.min(due, attemptStartedAt + turnTimeout.toNanos());
        }
        if (timedOutWhy == null && !idleTimeout.isZero() && !detached) {
            due = Math.min(due, lastProgress + idleTimeout.toNanos());
        }
        return due;
    }

    /** The tick came: the next deadline arms a new one. */
    public void ticked() {
        tick = null;
    }

    /** The turn ended: no tick is due any more. */
    public void stop() {
        ScheduledFuture<?> t = tick;
        if (t != null) {
            t.cancel(false);
        }
    }

    public static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
