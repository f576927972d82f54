package dev.codexbridge.store.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
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
 *
 * <p>Such a gate may also be told the database may be away before any call failed
 * ({@link #suspect}: the store's own session with it ended). Its question is then asked at once,
 * and again until answered, and calls meanwhile wait for it rather than each for a connection of
 * its own: the database answering lets them on; its silence past the window puts the store down
 * then. So no call's answer comes later than the window after the session ended, where a call
 * that reached for the database just before the first call's wait ran out used to wait a whole
 * wait of its own (decision 0141).
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
    /** The database may be away ({@link #suspect}), until its question is answered or the window passes; null otherwise. */
    private volatile @Nullable Suspicion suspicion;
    private final AtomicLong suspicions = new AtomicLong();

    /** Why the store is down: the failure that put it down, and since when (this process's monotonic clock). */
    public record Outage(RuntimeException failure, long sinceNanos) {
    }

    /** A suspicion: since when, until when calls wait for it, and settled once answered or down. */
    private record Suspicion(long sinceNanos, long untilNanos, CompletableFuture<Void> settled) {
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
        return probing(ask, System::nanoTime);
    }

    /** {@link #probing(Runnable)} on a clock of the caller's own (a test's). */
    public static OutageGate probing(Runnable ask, LongSupplier nanoTime) {
        return new OutageGate(nanoTime, Objects.requireNonNull(ask, "ask"));
    }

    /**
     * Runs {@code call} unless the store is down and another call is asking the database again (or
     * did within {@link #PROBE_EVERY}): then throws {@code refusal}'s exception for the outage.
     */
    public <T> T call(Supplier<T> call, Function<Outage, RuntimeException> refusal) {
        Outage down = outage;
        Suspicion suspected = suspicion;
        if (down == null && suspected != null) {
            down = awaitSettled(suspected);
        }
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
            settle(started);
            return result;
        } catch (WriteFence.WriteAbandonedException e) {
            throw e;        // its caller gave it up: neither the database's answer nor its silence
        } catch (RuntimeException e) {
            if (JdbcTransactions.unreachable(e) && !answeredSince(started)) {
                Outage was = outage;
                if (was == null) {
                    outages.incrementAndGet();
                }
                outage = new Outage(e, was != null ? was.sinceNanos() : nanoTime.getAsLong());
                lastAsked = nanoTime.getAsLong();
                Suspicion waiting = suspicion;
                if (waiting != null) {
                    settle(waiting);        // the calls waiting on it are refused at once now
                }
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

    /**
     * The database may have gone away (the store's own session with it ended): its question is
     * asked at once on a thread of the gate's, and again each tenth of a second until the database
     * answers, and calls meanwhile wait for that rather than reaching for it each on its own; no
     * answer within {@code window} from now puts the store down, with the question's failure. Does
     * nothing for a gate without a question of its own, or while the store is down or already
     * suspected.
     */
    public void suspect(Duration window) {
        if (ask == null || closed || outage != null || suspicion != null) {
            return;
        }
        long now = nanoTime.getAsLong();
        Suspicion s = new Suspicion(now, now + window.toNanos(), new CompletableFuture<>());
        synchronized (this) {
            if (suspicion != null || outage != null) {
                return;
            }
            suspicion = s;
        }
        suspicions.incrementAndGet();
        Thread t = new Thread(() -> askWhileSuspected(s), "codex-bridge-store-suspect");
        t.setDaemon(true);
        t.start();
    }

    /** Whether the store waits now for the database's answer after a suspicion ({@link #suspect}). */
    public boolean suspected() {
        return suspicion != null;
    }

    /** How many times the store was told the database may have gone away while it was up ({@link #suspect}). */
    public long suspicions() {
        return suspicions.get();
    }

    /** Asks the question until the database answers or {@code s}'s window passes; then settles it. */
    private void askWhileSuspected(Suspicion s) {
        Runnable question = Objects.requireNonNull(ask);
        while (!closed && suspicion == s) {
            long started = nanoTime.getAsLong();
            try {
                question.run();
                answered(started);
                settle(started);
                return;
            } catch (RuntimeException e) {
                if (!JdbcTransactions.unreachable(e) || answeredSince(started)) {
                    answered(started);
                    settle(started);        // the database answered, if only to refuse; or a call was answered since
                    return;
                }
                if (nanoTime.getAsLong() - s.untilNanos() >= 0) {
                    synchronized (this) {
                        if (outage == null) {
                            outages.incrementAndGet();
                            outage = new Outage(e, s.sinceNanos());
                        }
                    }
                    lastAsked = nanoTime.getAsLong();
                    settle(s);
                    probeWhileDown();
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(SUSPECT_ASK_EVERY.toNanos());
            }
        }
        settle(s);
    }

    /** How often a suspicion's question is asked again while the database does not answer. */
    static final Duration SUSPECT_ASK_EVERY = Duration.ofMillis(100);

    /** Waits for {@code s} to settle, at most to its window's end and a second: then the outage, if it put the store down. */
    private @Nullable Outage awaitSettled(Suspicion s) {
        long wait = s.untilNanos() - nanoTime.getAsLong() + PROBE_EVERY.toNanos();
        try {
            s.settled().get(Math.max(0, wait), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // not settled in time (a question held past its own timeout): the call goes on as without a suspicion
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return outage;
    }

    /** A call sent at {@code started} was answered: a suspicion raised before it is settled. */
    private void settle(long started) {
        Suspicion s = suspicion;
        if (s != null && started - s.sinceNanos() >= 0) {
            settle(s);
        }
    }

    private void settle(Suspicion s) {
        synchronized (this) {
            if (suspicion == s) {
                suspicion = null;
            }
        }
        s.settled().complete(null);
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
        Suspicion s = suspicion;
        if (s != null) {
            settle(s);
        }
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
