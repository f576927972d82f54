package dev.codexbridge.rpc.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM-wide daemon threads shared by every peer: one timer for deadlines and retries, a
 * cached pool on which request futures complete (so caller continuations never run on a reader
 * thread), and a fixed pool on which sessions handle their turns' events. Sharing them keeps the
 * per-connection cost at the reader and stderr threads, whatever the number of running turns.
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

    /**
     * Where turns handle their events, one task per session at a time: a fixed pool of
     * {@value #DISPATCH_PROPERTY} threads (default twice the cores, between 4 and 16). Work done
     * here must not block: listeners that do should hand off.
     */
    public static ExecutorService dispatch() {
        return Holder.DISPATCH;
    }

    public static final String DISPATCH_PROPERTY = "codexbridge.dispatchThreads";

    static int dispatchThreads() {
        int fallback = Math.min(16, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
        Integer configured = Integer.getInteger(DISPATCH_PROPERTY);
        return configured == null || configured < 1 ? fallback : configured;
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
        static final ExecutorService DISPATCH = createDispatch();

        private static ExecutorService createDispatch() {
            int n = dispatchThreads();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    daemon("codex-bridge-dispatch"));
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }

        private static ScheduledExecutorService createTimer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("codex-bridge-timer"));
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
