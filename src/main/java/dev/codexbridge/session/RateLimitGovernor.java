package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.CodexEventListener;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.protocol.AccountRateLimitsUpdatedNotification;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Keeps every session it is given to from calling the model while the account is rate-limited:
 * sessions {@link #waitForReady wait} before each {@code turn/start} and each retry, and
 * {@link #report} every rate-limit signal they see, so one session's rejection holds back all of
 * them. Give one instance to every session of one account
 * ({@code CodexSession.builder().rateLimits(governor)}); it is thread-safe.
 *
 * <p>A rejection blocks until the reset codex named, or the {@code Retry-After} the model API
 * named, else for a jittered exponential backoff; every wait is capped at {@link Builder#maxWait}.
 * A rate-limited turn is retried up to {@link Builder#maxAttempts} attempts in all, and only when
 * codex completed the failed attempt (its outcome is known). {@link #close()} ends every wait at
 * once and refuses later ones.
 */
public final class RateLimitGovernor implements AutoCloseable {
    /** The notifications a governor reads; subscribe it with {@code client.subscribe(METHODS, governor.listener())}. */
    public static final Set<String> METHODS = Set.of(ServerNotifications.ACCOUNT_RATE_LIMITS_UPDATED.method());

    private static final Logger LOG = SafeLogger.getLogger(RateLimitGovernor.class);

    /** Time as the governor sees it; replaceable so tests need not wait real minutes. */
    public interface Clock {
        Clock SYSTEM = new Clock() {
            @Override
            public long millis() {
                return System.currentTimeMillis();
            }

            @Override
            public void park(long millis) throws InterruptedException {
                LockSupport.parkNanos(this, millis * 1_000_000L);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        };

        /** Epoch milliseconds. */
        long millis();

        /**
         * Waits up to {@code millis}; may return early (a {@link Cancellation} unparks the
         * waiting thread). Throws when the thread is interrupted.
         */
        void park(long millis) throws InterruptedException;

        /**
         * Runs {@code task} once, {@code millis} from now, on some other thread: what
         * {@link #whenReady} waits with. By default in real time, the shared timer handing the task
         * to the dispatch pool (a step may tell a listener the countdown, which must not hold up the
         * timer's one thread); a clock whose time is not real time overrides it.
         */
        default void schedule(Runnable task, long millis) {
            RpcThreads.timer().schedule(() -> RpcThreads.dispatch().execute(task), millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Ends one caller's waits: a turn's interrupt or its session's close. A cancelled one refuses later waits. */
    public static final class Cancellation {
        private volatile boolean cancelled;
        private volatile Thread waiter;
        private volatile Runnable asyncWaiter;

        public void cancel() {
            cancelled = true;
            Thread t = waiter;
            if (t != null) {
                LockSupport.unpark(t);
            }
            Runnable step = asyncWaiter;
            if (step != null) {
                step.run();     // sees the cancellation and fails the wait's future
            }
        }

        public boolean isCancelled() {
            return cancelled;
        }
    }

    /** A wait that was cancelled, refused (asked after cancellation or close), or interrupted. */
    public static final class WaitCancelledException extends CodexException {
        private final long waitedMs;

        WaitCancelledException(String message, long waitedMs) {
            super(message);
            this.waitedMs = waitedMs;
        }

        /** How long the caller had waited when the wait ended. */
        public long waitedMs() {
            return waitedMs;
        }
    }

    private final int maxAttempts;
    private final long maxWaitMs;
    private final long baseBackoffMs;
    private final long maxBackoffMs;
    private final long tickMs;
    private final Clock clock;
    private final DoubleSupplier jitter;
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
    private final Set<Runnable> waitingAsync = ConcurrentHashMap.newKeySet();

    private final Object lock = new Object();
    private long blockedUntil;
    private RateLimitSignal latest;
    private RateLimitSignal lastRejection;
    private int consecutiveRejections;
    private volatile boolean closed;

    private RateLimitGovernor(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.maxWaitMs = b.maxWait.toMillis();
        this.baseBackoffMs = b.baseBackoff.toMillis();
        this.maxBackoffMs = Math.max(baseBackoffMs, b.maxBackoff.toMillis());
        this.tickMs = Math.max(1, b.tick.toMillis());
        this.clock = b.clock;
        this.jitter = b.jitter;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How many attempts a rate-limited turn gets in all (1 = no retry). */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The cap of a single wait. */
    public Duration maxWait() {
        return Duration.ofMillis(maxWaitMs);
    }

    /** The latest signal reported, or null. */
    public @Nullable RateLimitSignal latest() {
        synchronized (lock) {
            return latest;
        }
    }

    /** How long a wait asked now would last (zero when calls may go ahead), before the cap. */
    public Duration blockedFor() {
        synchronized (lock) {
            return Duration.ofMillis(Math.max(0, blockedUntil - clock.millis()));
        }
    }

    /**
     * Records a signal. A rejection blocks every waiter until the reset time, else the
     * {@code Retry-After}, else a jittered backoff that doubles with each rejection in a row; a
     * block is never shortened by a later rejection. An allowed signal from codex's rate-limit
     * notification lifts a block that came from such a notification and ends the run of rejections.
     */
    public void report(RateLimitSignal signal) {
        Objects.requireNonNull(signal, "signal");
        synchronized (lock) {
            long now = clock.millis();
            latest = signal;
            if (signal.rejected()) {
                consecutiveRejections++;
                long until = now + delayMs(signal, now);
                if (until > blockedUntil) {
                    blockedUntil = until;
                }
                lastRejection = signal;
                LOG.debug("rate limit rejected ({} from {}); blocked for {} ms", signal.type(), signal.source().wire(), blockedUntil - now);
            } else {
                consecutiveRejections = 0;
                if (lastRejection != null && lastRejection.source() == RateLimitSignal.Source.NOTIFICATION
                        && signal.source() == RateLimitSignal.Source.NOTIFICATION) {
                    blockedUntil = now;
                }
            }
        }
    }

    /** Reports the signal in codex's {@code account/rateLimits/updated}; other notifications are ignored. */
    public void report(CodexEvent event) {
        // the method first: decoding every other message here would double the stream's decoding
        if (event instanceof CodexEvent.Notification n && METHODS.contains(n.method())
                && n.params() instanceof AccountRateLimitsUpdatedNotification u) {
            report(RateLimitSignal.of(u));
        }
    }

    /**
     * A listener for {@link dev.codexbridge.client.CodexClient#subscribe}: reports codex's
     * account-wide rate-limit notifications of that connection. Sessions given this governor
     * subscribe it to their connection themselves.
     */
    public CodexEventListener listener() {
        return this::report;
    }

    /**
     * Blocks until calls may go ahead, the per-wait cap is reached, or the wait is cancelled;
     * returns how long it waited (zero when nothing blocked). {@code countdown} gets a tick when
     * the wait starts, about every second while it lasts, and when it ends.
     *
     * @throws WaitCancelledException when {@code cancellation} is or becomes cancelled, the
     *                                governor is closed, or the thread is interrupted (its
     *                                interrupt flag is then set again)
     */
    public Duration waitForReady(@Nullable Cancellation cancellation, int attempt, @Nullable Consumer<RateLimitWait> countdown) {
        Cancellation c = cancellation == null ? new Cancellation() : cancellation;
        Wait w = begin(c, attempt, countdown, true);
        if (w == null) {
            return Duration.ZERO;
        }
        Thread self = Thread.currentThread();
        c.waiter = self;
        waiting.add(self);
        try {
            long sleep;
            while ((sleep = w.step(true)) >= 0) {
                try {
                    clock.park(sleep);
                } catch (InterruptedException e) {
                    self.interrupt();
                    throw new WaitCancelledException("the wait for the rate limit was interrupted", clock.millis() - w.start);
                }
            }
            return Duration.ofMillis(w.waited);
        } finally {
            c.waiter = null;
            waiting.remove(self);
        }
    }

    /**
     * {@link #waitForReady} without a thread waiting: the future completes with how long the wait
     * lasted, or fails with {@link WaitCancelledException}, and the countdown is told on the
     * clock's scheduling thread ({@link Clock#schedule}). A thousand turns waiting hold no thread.
     */
    public CompletableFuture<Duration> whenReady(@Nullable Cancellation cancellation, int attempt, @Nullable Consumer<RateLimitWait> countdown) {
        Cancellation c = cancellation == null ? new Cancellation() : cancellation;
        Wait w;
        try {
            w = begin(c, attempt, countdown, false);
        } catch (WaitCancelledException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (w == null) {
            return CompletableFuture.completedFuture(Duration.ZERO);
        }
        CompletableFuture<Duration> done = new CompletableFuture<>();
        Runnable step = new Runnable() {
            @Override
            public void run() {
                if (done.isDone()) {
                    return;
                }
                try {
                    long sleep = w.step(false);
                    if (sleep < 0) {
                        done.complete(Duration.ofMillis(w.waited));
                    } else {
                        clock.schedule(this, sleep);
                    }
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            }
        };
        c.asyncWaiter = step;
        waitingAsync.add(step);
        done.whenComplete((d, e) -> {
            waitingAsync.remove(step);
            c.asyncWaiter = null;
        });
        step.run();
        return done;
    }

    /** A wait that has to wait, or null when calls may go ahead now. */
    private Wait begin(Cancellation c, int attempt, Consumer<RateLimitWait> countdown, boolean onWaitingThread) {
        refuseIfCancelled(c, 0, onWaitingThread);
        long start = clock.millis();
        synchronized (lock) {
            if (blockedUntil <= start) {
                return null;
            }
            return new Wait(c, attempt, countdown == null ? x -> { } : countdown, start,
                    Math.min(blockedUntil, start + maxWaitMs), lastRejection);
        }
    }

    /** One caller's wait, advanced a step at a time by a parked thread or by the clock's schedule. */
    private final class Wait {
        final Cancellation cancellation;
        final int attempt;
        final Consumer<RateLimitWait> tick;
        final long start;
        long end;
        RateLimitSignal reason;
        long nextTick;
        long waited;

        Wait(Cancellation cancellation, int attempt, Consumer<RateLimitWait> tick, long start, long end, RateLimitSignal reason) {
            this.cancellation = cancellation;
            this.attempt = attempt;
            this.tick = tick;
            this.start = start;
            this.end = end;
            this.reason = reason;
            this.nextTick = start;
        }

        /**
         * Milliseconds to sleep before the next step, or -1 when the wait is over ({@link #waited}
         * says how long it lasted). Throws {@link WaitCancelledException} when it was cancelled.
         */
        synchronized long step(boolean onWaitingThread) {
            long now = clock.millis();
            refuseIfCancelled(cancellation, now - start, onWaitingThread);
            synchronized (lock) {
                // a longer block reported meanwhile extends the wait, within the cap
                end = Math.max(end, Math.min(blockedUntil, start + maxWaitMs));
                if (blockedUntil <= now) {
                    end = Math.min(end, now);
                }
                if (lastRejection != null) {
                    reason = lastRejection;
                }
            }
            long remaining = end - now;
            if (remaining <= 0) {
                tell(tick, new RateLimitWait(attempt, maxAttempts, Duration.ofMillis(Math.max(0, end - start)), Duration.ZERO, reason));
                waited = now - start;
                return -1;
            }
            if (now >= nextTick) {
                tell(tick, new RateLimitWait(attempt, maxAttempts, Duration.ofMillis(end - start), Duration.ofMillis(remaining), reason));
                nextTick = now + tickMs;
            }
            return Math.min(remaining, Math.max(1, nextTick - now));
        }
    }

    /** Ends every wait at once; later waits are refused. */
    @Override
    public void close() {
        closed = true;
        waiting.forEach(LockSupport::unpark);
        waitingAsync.forEach(Runnable::run);
    }

    public boolean isClosed() {
        return closed;
    }

    /** How long a rejection blocks: its reset, else its Retry-After, else the backoff; capped by maxWait. */
    private long delayMs(RateLimitSignal s, long now) {
        long delay;
        if (s.resetsAt() != null && s.resetsAt() * 1000 > now) {
            delay = s.resetsAt() * 1000 - now;
        } else if (s.retryAfter() != null && !s.retryAfter().isNegative()) {
            delay = s.retryAfter().toMillis();
        } else {
            int n = Math.min(consecutiveRejections - 1, 30);
            long backoff = Math.min(maxBackoffMs, baseBackoffMs << n);
            // full jitter over the upper half keeps sessions that failed together from retrying together
            delay = backoff / 2 + (long) (jitter.getAsDouble() * (backoff - backoff / 2));
        }
        return Math.min(delay, maxWaitMs);
    }

    private void refuseIfCancelled(Cancellation c, long waited, boolean onWaitingThread) {
        if (closed) {
            throw new WaitCancelledException("the rate-limit governor is closed", waited);
        }
        if (c.isCancelled()) {
            throw new WaitCancelledException("the wait for the rate limit was cancelled", waited);
        }
        if (onWaitingThread && Thread.currentThread().isInterrupted()) {
            throw new WaitCancelledException("the wait for the rate limit was interrupted", waited);
        }
    }

    private static void tell(Consumer<RateLimitWait> tick, RateLimitWait w) {
        try {
            tick.accept(w);
        } catch (RuntimeException e) {
            LOG.warn("rate-limit countdown listener failed", e);
        }
    }

    /** Settings of a governor. */
    public static final class Builder {
        private int maxAttempts = 3;
        private Duration maxWait = Duration.ofMinutes(5);
        private Duration baseBackoff = Duration.ofSeconds(2);
        private Duration maxBackoff = Duration.ofMinutes(1);
        private Duration tick = Duration.ofSeconds(1);
        private Clock clock = Clock.SYSTEM;
        private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();

        private Builder() {
        }

        /** Attempts of a rate-limited turn in all, the first included (default 3; 1 = no retry). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The longest single wait, whatever the reset time says (default 5 min). */
        public Builder maxWait(Duration wait) {
            if (wait.isNegative()) {
                throw new IllegalArgumentException("maxWait must not be negative");
            }
            this.maxWait = wait;
            return this;
        }

        /** The backoff when no reset time or Retry-After is known: {@code base} doubling up to {@code max} (defaults 2 s, 1 min). */
        public Builder backoff(Duration base, Duration max) {
            this.baseBackoff = Objects.requireNonNull(base, "base");
            this.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /** How often countdown ticks are sent while waiting (default 1 s). */
        public Builder countdownEvery(Duration every) {
            this.tick = Objects.requireNonNull(every, "every");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The jitter source, a value in [0, 1) per backoff (tests fix it). */
        public Builder jitter(DoubleSupplier jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        public RateLimitGovernor build() {
            return new RateLimitGovernor(this);
        }
    }
}
