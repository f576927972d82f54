package dev.codexbridge.callers;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.store.ConversationStore;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * What a door's {@code GET /readyz} answers (docs/deploy/README.md): ready while its store answers
 * a cheap question within a short bound and the door is not stopping. A load balancer or
 * Kubernetes takes a replica that says "not ready" out of rotation, so a replica cut from its
 * database stops receiving callers instead of holding each of them until its pool gives up.
 *
 * <p>An answer is kept for {@link #CACHED_FOR}, so probes from many balancers do not load the
 * database; one check runs at a time (a check that hangs holds one daemon thread, never one per
 * probe). The body says {@code ready}, {@code store: unavailable} or {@code stopping}, never the
 * store's own error text. Thread-safe.
 */
public final class Readiness implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(Readiness.class);
    /**
     * How long a probe waits for the store's answer: room for a busy pool, and well inside the
     * 5.4 s after which a replica cut from its store stops itself (a probe's own timeout, e.g.
     * Kubernetes' {@code timeoutSeconds}, should be above it: 3 s).
     */
    public static final Duration PROBE_BOUND = Duration.ofSeconds(2);
    /** How long an answer is reused before the store is asked again. */
    public static final Duration CACHED_FOR = Duration.ofSeconds(1);

    /**
     * The answer of a probe: whether ready, the one-line body saying why, and whether the store
     * kept silent past the bound (rather than failed), which the body does not tell apart.
     */
    public record Answer(boolean ready, String body, boolean storeSilent) {
        static final Answer READY = new Answer(true, "ready");
        static final Answer STORE_UNAVAILABLE = new Answer(false, "store: unavailable");
        static final Answer STORE_SILENT = new Answer(false, "store: unavailable", true);
        static final Answer STOPPING = new Answer(false, "stopping");

        /** An answer that is not about a store keeping silent. */
        public Answer(boolean ready, String body) {
            this(ready, body, false);
        }
    }

    /** What a door without a store asks: nothing, so no thread is started for it. */
    private static final Runnable NOTHING = () -> { };
    private static final Executor CHECKS = r -> {
        Thread t = new Thread(r, "codex-bridge-readiness");
        t.setDaemon(true);
        t.start();
    };

    private final Runnable check;
    private final long boundNanos;
    private final long cachedForNanos;
    private final LongSupplier nanoClock;
    private volatile boolean stopping;
    /** The thread of the check under way, interrupted when the door stops (a pool's wait for a connection ends then). */
    private volatile @Nullable Thread checking;
    private @Nullable Answer last;
    private long lastAt;
    private @Nullable CompletableFuture<Void> running;

    Readiness(Runnable check, Duration bound, Duration cachedFor, LongSupplier nanoClock) {
        this.check = Objects.requireNonNull(check, "check");
        this.boundNanos = bound.toNanos();
        this.cachedForNanos = cachedFor.toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** A door without a store: ready until it stops. */
    public static Readiness always() {
        return new Readiness(NOTHING, PROBE_BOUND, CACHED_FOR, System::nanoTime);
    }

    /** Ready while {@code store} answers {@link ConversationStore#ping} within {@link #PROBE_BOUND}. */
    public static Readiness of(ConversationStore store) {
        Objects.requireNonNull(store, "store");
        return checking(store::ping, PROBE_BOUND);
    }

    /** Ready while {@code check} returns (rather than throw) within {@code bound}; answers kept for {@link #CACHED_FOR}. */
    public static Readiness checking(Runnable check, Duration bound) {
        return new Readiness(check, bound, CACHED_FOR, System::nanoTime);
    }

    /** The answer now: the last one while it is fresh, else the check's, waited for at most the bound. */
    public Answer now() {
        if (stopping) {
            return Answer.STOPPING;
        }
        if (check == NOTHING) {
            return Answer.READY;
        }
        CompletableFuture<Void> asked;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            if (last != null && now - lastAt < cachedForNanos) {
                return last;
            }
            if (running == null || running.isDone()) {
                running = CompletableFuture.runAsync(this::runCheck, CHECKS);
            }
            asked = running;
        }
        Answer answer;
        String why = null;
        try {
            asked.get(boundNanos, TimeUnit.NANOSECONDS);
            answer = Answer.READY;
        } catch (ExecutionException e) {
            answer = Answer.STORE_UNAVAILABLE;
            why = UntrustedText.messageOf(e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            answer = Answer.STORE_SILENT;
            why = "no answer within " + TimeUnit.NANOSECONDS.toMillis(boundNanos) + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = Answer.STORE_UNAVAILABLE;
        }
        Answer before;
        synchronized (this) {
            before = last;
            last = answer;
            lastAt = nanoClock.getAsLong();
        }
        // the body never says why (a probe is anonymous); the log does, once per change
        if (answer != before && why != null) {
            LOG.warn("the conversation store did not answer its readiness check: {}", why);
        } else if (answer == Answer.READY && before != null && !before.ready()) {
            LOG.info("the conversation store answers its readiness check again");
        }
        return stopping ? Answer.STOPPING : answer;
    }

    private void runCheck() {
        checking = Thread.currentThread();
        try {
            if (!stopping) {
                check.run();
            }
        } finally {
            checking = null;
        }
    }

    /**
     * The door is stopping: every later probe answers {@code stopping}, so the balancer sends nothing
     * new, and a check still waiting on the store is interrupted, so that its thread does not outlive
     * the door (a pool's wait for a connection can be 30 s).
     */
    @Override
    public void close() {
        stopping = true;
        Thread t = checking;
        if (t != null) {
            t.interrupt();
        }
    }
}
