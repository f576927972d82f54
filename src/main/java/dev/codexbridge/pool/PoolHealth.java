package dev.codexbridge.pool;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * The health checks of a {@link CodexPool}'s endpoints: each endpoint's readiness probed once at
 * the start, then every interval on one thread of the pool's own, each node marking itself healthy
 * or not by the answer ({@link PoolNode#check}). Each round probes the members of that moment, and
 * then closes the connections of removed endpoints no session holds a thread on any more.
 */
final class PoolHealth {
    /** The pool's logger: a failed check is the pool's business. */
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    private final PoolMembers members;
    private final Duration probeTimeout;
    private final BooleanSupplier poolClosed;
    private final ScheduledExecutorService checker;
    /** The checker's one thread, so that stopping can wait until it has ended. */
    private volatile Thread checkerThread;

    /** Probes every endpoint once, then schedules the probes every {@code interval}. */
    PoolHealth(PoolMembers members, Duration interval, Duration probeTimeout, BooleanSupplier poolClosed) {
        this.members = members;
        this.probeTimeout = probeTimeout;
        this.poolClosed = poolClosed;
        ThreadFactory named = RpcThreads.daemon("codex-bridge-pool-health");
        this.checker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = named.newThread(task);
            checkerThread = t;
            return t;
        });
        checkAll();
        checker.scheduleWithFixedDelay(this::checkAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Probes every member now, on the calling thread, then retires what left; stops early once the pool is closed. */
    void checkAll() {
        for (PoolNode n : members.all()) {
            if (poolClosed.getAsBoolean()) {
                return;
            }
            check(n);
        }
        members.retire();
    }

    /** Probes one endpoint now (one that just joined), on the calling thread. */
    void check(PoolNode n) {
        try {
            n.check(probeTimeout);
        } catch (RuntimeException e) {
            LOG.warn("health check of {} failed", n.spec.name(), e);
        }
    }

    /** Stops the checks and waits (about one probe at most) until their thread has ended. */
    void stop() {
        checker.shutdownNow();
        try {
            // the executor counts as terminated a moment before its thread has ended: wait for the thread
            Thread t = checkerThread;
            if (t != null) {
                t.join(probeTimeout.toMillis() + 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
