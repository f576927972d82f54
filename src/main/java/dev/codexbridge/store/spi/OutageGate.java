package dev.codexbridge.store.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a database that stopped answering from costing every call its own timeout (decision 0099).
 * Once a call failed because the database could not be reached ({@link JdbcTransactions#unreachable}:
 * the pool waited its whole connection timeout, or the connection broke), the store is down: one
 * call at a time, at most one each {@link #PROBE_EVERY}, is let through to ask the database again
 * (and waits for it within the pool's timeout), every other call is refused at once with the
 * failure that put the store down as its cause. The first call the database answers, whatever the
 * answer (a lease refused is an answer), puts the store up again. So a request that makes several
 * calls while the database is away waits one timeout, not one per call, and callers queued on the
 * pool behind the store's own background calls do not wait at all.
 *
 * <p>A gate made {@linkplain #probing(Runnable) with a question of its own} asks it on a thread of
 * its own instead, once each {@link #PROBE_EVERY} while the store is down: no caller's call is
 * let through to wait for a database that is away, so every answer during an outage after the
 * first failure is at once, and the first question the database answers puts the store up
 * (decision 0131).
 */
public final class OutageGate {
    /** The least time between two calls that ask a database that is down again. */
    public static final Duration PROBE_EVERY = Duration.ofSeconds(1);

    private final LongSupplier nanoTime;
    private final AtomicBoolean asking = new AtomicBoolean();
    private final AtomicLong outages = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile @Nullable Outage outage;
    private volatile long lastAsked;
    /** When ({@link #nanoTime}) the latest-sent call the database answered was sent. */
    private final AtomicLong lastAnsweredStart;
    /** The gate's own question while the store is down, or null: then a caller's call asks. */
    private final @Nullable Runnable ask;
    /** Whether the prober's thread runs. */
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile boolean closed;

    /** Why the store is down: the failure that put it down, and since when (this process's monotonic clock). */
    public record Outage(RuntimeException failure, long sinceNanos) {
    }

    public OutageGate() {
        this(System::nanoTime);
    }

    /** With a clock of the test's own. */
    public OutageGate(LongSupplier nanoTime) {
        this(nanoTime, null);
    }

    private OutageGate(LongSupplier nanoTime, @Nullable Runnable ask) {
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.lastAnsweredStart = new AtomicLong(nanoTime.getAsLong());
        this.ask = ask;
    }

    /**
     * A gate that, while the store is down, asks the database {@code ask} on a daemon thread of its
     * own once each {@link #PROBE_EVERY} (the question returning is an answer, and so is a failure
     * that is not {@link JdbcTransactions#unreachable}) and refuses every call at once meanwhile.
     * {@link #close} stops it.
     */
    public static OutageGate probing(Runnable ask) {
        return new OutageGate(System::nanoTime, Objects.requireNonNull(ask, "ask"));
    }

    /**
     * Runs {@code call} unless the store is down and another call is asking the database again (or
     * did within {@link #PROBE_EVERY}): then throws {@code refusal}'s exception for the outage.
     */
    public <T> T call(Supplier<T> call, Function<Outage, RuntimeException> refusal) {
        Outage down = outage;
        boolean probe = false;
        long started = nanoTime.getAsLong();
        if (down != null) {
            if (ask != null || started - lastAsked < PROBE_EVERY.toNanos() || !asking.compareAndSet(false, true)) {
                refused.incrementAndGet();
                throw refusal.apply(down);
            }
            probe = true;
            lastAsked = started;
        }
        try {
            T result = call.get();
            answered(started);
            outage = null;
            return result;
        } catch (RuntimeException e) {
            if (JdbcTransactions.unreachable(e) && !answeredSince(started)) {
                Outage was = outage;
                if (was == null) {
                    outages.incrementAndGet();
                }
                outage = new Outage(e, was != null ? was.sinceNanos() : nanoTime.getAsLong());
                lastAsked = nanoTime.getAsLong();
                probeWhileDown();
            } else if (!JdbcTransactions.unreachable(e)) {
                answered(started);
                outage = null;      // the database answered, if only to refuse
            }
            // else: a call sent before another the database has answered since: its failure is of a time now past
            throw e;
        } finally {
            if (probe) {
                asking.set(false);
            }
        }
    }

    /** Starts the prober's thread unless it runs, or the gate asks through its callers, or it is closed. */
    private void probeWhileDown() {
        if (ask == null || closed || !probing.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(this::probe, "codex-bridge-store-probe");
        t.setDaemon(true);
        t.start();
    }

    /** Asks the database each {@link #PROBE_EVERY} until it answers or the gate closes. */
    private void probe() {
        Runnable question = Objects.requireNonNull(ask);
        try {
            while (!closed && outage != null) {
                long wait = lastAsked + PROBE_EVERY.toNanos() - nanoTime.getAsLong();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    continue;
                }
                long started = nanoTime.getAsLong();
                lastAsked = started;
                try {
                    question.run();
                    answered(started);
                    outage = null;
                } catch (RuntimeException e) {
                    if (!JdbcTransactions.unreachable(e)) {
                        answered(started);
                        outage = null;      // the database answered, if only to refuse
                    } else if (!answeredSince(started)) {
                        Outage was = outage;
                        outage = new Outage(e, was != null ? was.sinceNanos() : started);
                    }
                }
            }
        } finally {
            probing.set(false);
        }
        // a call that put the store down again as this thread ended found it running: carry on for it
        if (!closed && outage != null) {
            probeWhileDown();
        }
    }

    /** Stops the prober (a question under way ends with it, its answer kept); calls are gated as before. */
    public void close() {
        closed = true;
    }

    /** A call sent at {@code started} was answered. */
    private void answered(long started) {
        lastAnsweredStart.accumulateAndGet(started, (a, b) -> a - b >= 0 ? a : b);
    }

    /**
     * Whether a call sent after {@code started} has been answered: the database is back since, and
     * a failure of the call sent at {@code started} (one that waited out the pool's timeout across
     * the database's return, say) does not put the store down again.
     */
    private boolean answeredSince(long started) {
        return lastAnsweredStart.get() - started > 0;
    }

    /** Whether the store is down now: the last call that reached for the database could not. */
    public boolean down() {
        return outage != null;
    }

    /** How many times the store went down (a call could not reach the database while it was up). */
    public long outages() {
        return outages.get();
    }

    /** How many calls were refused at once while the store was down. */
    public long refused() {
        return refused.get();
    }

    /** How long the store has been down, or zero. */
    public Duration downFor() {
        Outage o = outage;
        return o == null ? Duration.ZERO : Duration.ofNanos(nanoTime.getAsLong() - o.sinceNanos());
    }
}
