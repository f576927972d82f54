package dev.codexbridge.rpc;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM-wide daemon threads shared by every peer: one timer for deadlines and retries, and a
 * cached pool on which request futures complete, so caller continuations never run on a reader
 * thread. Sharing them keeps the per-connection cost at the reader and stderr threads.
 */
public final class RpcThreads {
    private RpcThreads() {
    }

    public static ScheduledExecutorService timer() {
        return Holder.TIMER;
    }

    public static ExecutorService callbacks() {
        return Holder.CALLBACKS;
    }

    /** A factory of named daemon threads. */
    public static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class Holder {
        static final ScheduledExecutorService TIMER = createTimer();
        static final ExecutorService CALLBACKS = Executors.newCachedThreadPool(daemon("codex-bridge-callback"));

        private static ScheduledExecutorService createTimer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("codex-bridge-timer"));
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
