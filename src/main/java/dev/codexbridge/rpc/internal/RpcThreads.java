package dev.codexbridge.rpc.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM-wide daemon threads shared by every peer, each pool bounded, so the library holds at
 * most {@link #maxThreads()} of them whatever the number of sessions, turns, requests or
 * reconnects (a connection adds its reader, and a codex process its stderr drain):
 *
 * <ul>
 *   <li>{@link #timer()}: one thread for deadlines, retries and delays;</li>
 *   <li>{@link #dispatch()}: turns handle their events;</li>
 *   <li>{@link #callbacks()}: request futures complete and the library's own short steps run;</li>
 *   <li>{@link #waits()}: the library's own steps that wait (starting codex, a reconnect, codex's
 *       exit);</li>
 *   <li>{@link #host()}: host code (continuations, listeners, handlers), which may block;</li>
 *   <li>{@link #stores()}: a conversation store's steps (export, put, import), only in a host that
 *       configures a store, outside the budget below;</li>
 *   <li>{@link #leases()}: the renewals of what a host holds in its store (a conversation's lease,
 *       a send's claim), apart from the steps, likewise only with a store.</li>
 * </ul>
 *
 * <p>Work beyond a pool's threads waits in its queue. Only {@link #waits()} and {@link #host()}
 * block; what a waits task waits for (codex, a request future) never needs a waits or host thread,
 * and the library never waits for {@link #host()}: host code that blocks, even on the library,
 * holds up only other host code (docs/architecture.md, "Threads").
 */
public final class RpcThreads {
    public static final String DISPATCH_PROPERTY = "codexbridge.dispatchThreads";
    public static final String CALLBACK_PROPERTY = "codexbridge.callbackThreads";
    public static final String WAIT_PROPERTY = "codexbridge.waitThreads";
    public static final String HOST_PROPERTY = "codexbridge.hostThreads";
    public static final String STORE_PROPERTY = "codexbridge.storeThreads";
    public static final String LEASE_PROPERTY = "codexbridge.leaseThreads";

    /**
     * The library's threads per JVM, connections aside (issue 22: at most 16 plus 2 per
     * connection): the pools at their default sizes take {@link #JVM_WIDE_DEFAULT} of them, and
     * one is left for the JDK's WebSocket selector thread, which the shared {@code HttpClient}
     * starts with the first WebSocket connection and keeps for the life of the JVM.
     */
    public static final int THREAD_BUDGET = 16;
    /** The JVM-wide pools' threads at their default sizes, whatever the number of cores. */
    public static final int JVM_WIDE_DEFAULT = THREAD_BUDGET - 1;

    /** Idle pool threads end after this long; a quiet JVM keeps only what it uses. */
    private static final long KEEP_ALIVE_SECONDS = 30;

    private RpcThreads() {
    }

    public static ScheduledExecutorService timer() {
        return Holder.TIMER;
    }

    /**
     * Where turns handle their events, one task per session at a time: a fixed pool of
     * {@value #DISPATCH_PROPERTY} threads (default twice the cores, at least 4, and no more than
     * leaves the pools within {@link #JVM_WIDE_DEFAULT}: 4 on 2 cores, 6 on 3 or more). Work done
     * here must not block: listeners that do should hand off.
     */
    public static ExecutorService dispatch() {
        return Holder.DISPATCH;
    }

    /**
     * Where request futures complete and the library's own short steps run (resumes chained after
     * a reconnect, an answer between turns): {@value #CALLBACK_PROPERTY} threads (default 2), and
     * a queue. Never host code, never a wait: what waits goes to {@link #waits()}, host code to
     * {@link #host()}. The JDK's WebSocket client delivers here too.
     */
    public static ExecutorService callbacks() {
        return Holder.CALLBACKS;
    }

    /**
     * The library's own steps that block: starting a session's own codex (spawn and handshake), a
     * reconnect attempt, waiting up to a second for codex's exit status to explain a closed
     * connection, reading {@code codex --version}. {@value #WAIT_PROPERTY} threads (default 2),
     * and a queue. What they wait for completes on {@link #callbacks()} or in the OS, never here.
     */
    public static ExecutorService waits() {
        return Holder.WAITS;
    }

    /**
     * A conversation store's steps, which block on codex and on storage for milliseconds each: a
     * turn's export and put, a sleep's, a wake's import, a lease's renewal (decision 0057). Apart
     * from {@link #waits()}, so that a busy store never holds back a reconnect or a codex start.
     * {@value #STORE_PROPERTY} threads (default 2), started only when a host uses a store, so not
     * counted in {@link #THREAD_BUDGET}; ended when idle like the others.
     */
    public static ExecutorService stores() {
        return StoreHolder.STORES;
    }

    /**
     * The renewals of what a host holds in its store: a conversation's lease, a send's claim. A
     * renewal is one small statement with a deadline behind it — the lease runs out at the store
     * when none lands in time — while a store's steps ({@link #stores()}) wait on codex for seconds
     * on a busy machine (a turn's export asks codex for the thread and its files); queued behind
     * them, renewals missed their lease and this host gave up conversations the database still
     * had for it. {@value #LEASE_PROPERTY} threads (default 2), started only when a host uses a
     * store, so not counted in {@link #THREAD_BUDGET}; ended when idle like the others.
     */
    public static ExecutorService leases() {
        return LeaseHolder.LEASES;
    }

    /**
     * Where host code runs: continuations of the futures the library hands out, subscribers'
     * listeners (unless given an executor of their own), the fallback server-request handler,
     * approval handlers, dynamic tools, auth-token refreshes. {@value #HOST_PROPERTY} threads
     * (default 4), and a queue. Host code may block here: while every thread is busy, further host
     * code waits its turn; the library's own work goes on.
     */
    public static ExecutorService host() {
        return Holder.HOST;
    }

    /**
     * The most threads these pools hold together: the timer and every pool at its size. At most
     * {@link #JVM_WIDE_DEFAULT} unless a system property makes a pool larger.
     */
    public static int maxThreads() {
        return 1 + dispatchThreads() + callbackThreads() + waitThreads() + hostThreads();
    }

    static int dispatchThreads() {
        return configured(DISPATCH_PROPERTY, defaultDispatchThreads(Runtime.getRuntime().availableProcessors(),
                callbackThreads() + waitThreads() + hostThreads()));
    }

    /**
     * Twice the cores, at least 4, but never past what keeps the pools ({@code others} threads
     * besides the timer and dispatch) within {@link #JVM_WIDE_DEFAULT}: the bound must not depend
     * on the machine. A turn's events take microseconds each on a dispatch thread, so 6 threads
     * keep up with any number of codex processes a JVM drives (docs/performance.md).
     */
    static int defaultDispatchThreads(int cores, int others) {
        int room = JVM_WIDE_DEFAULT - 1 - others;
        return Math.max(1, Math.min(room, Math.max(4, 2 * cores)));
    }

    static int callbackThreads() {
        return configured(CALLBACK_PROPERTY, 2);
    }

    static int waitThreads() {
        return configured(WAIT_PROPERTY, 2);
    }

    static int storeThreads() {
        return configured(STORE_PROPERTY, 2);
    }

    static int leaseThreads() {
        return configured(LEASE_PROPERTY, 2);
    }

    static int hostThreads() {
        return configured(HOST_PROPERTY, 4);
    }

    private static int configured(String property, int fallback) {
        Integer configured = Integer.getInteger(property);
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

    /** Apart from {@link Holder}: a host without a store never creates the pool. */
    private static final class StoreHolder {
        static final ExecutorService STORES = Holder.bounded(storeThreads(), "codex-bridge-store");
    }

    /** Apart from {@link Holder}: a host without a store never creates the pool. */
    private static final class LeaseHolder {
        static final ExecutorService LEASES = Holder.bounded(leaseThreads(), "codex-bridge-lease");
    }

    private static final class Holder {
        static final ScheduledExecutorService TIMER = createTimer();
        static final ExecutorService DISPATCH = bounded(dispatchThreads(), "codex-bridge-dispatch");
        static final ExecutorService CALLBACKS = bounded(callbackThreads(), "codex-bridge-callback");
        static final ExecutorService WAITS = bounded(waitThreads(), "codex-bridge-wait");
        static final ExecutorService HOST = bounded(hostThreads(), "codex-bridge-host");

        /** At most {@code n} threads, started as work comes and ended when idle; the rest queues. */
        static ExecutorService bounded(int n, String prefix) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), daemon(prefix));
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
