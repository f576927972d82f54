package dev.codexbridge.session.internal.thread;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ThreadOptions;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * When a session lets go of its thread (decision 0040): after {@code idle} with no turn running,
 * no server request being answered and no call that opens the thread. Each such call marks the
 * session busy again ({@link #touch}); one timer task per session, set when it is not set already
 * and moved on by what happened meanwhile, decides. The letting go itself is
 * {@link ThreadConnection#hibernate}; the next call that needs the thread resumes it.
 */
public final class SessionHibernation {
    private static final Logger LOG = SafeLogger.getLogger(SessionHibernation.class);

    /** The default idle window: a chat's next message usually comes within it, and a resume costs ~25 ms after it. */
    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(2);
    /** The shortest idle window: a thread operation that reads codex's answer must not find its thread let go mid-call. */
    static final Duration MIN_IDLE = Duration.ofSeconds(1);

    /** Never: the session keeps its thread while open. */
    static final SessionHibernation OFF = new SessionHibernation(null, Clock.SYSTEM);

    /** The idle timer's time and scheduler: the system's, or a test's that moves time itself instead of waiting for it. */
    public interface Clock {
        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Future<?> schedule(Runnable task, long inNanos) {
                return RpcThreads.timer().schedule(task, inNanos, TimeUnit.NANOSECONDS);
            }
        };

        long nanoTime();

        /** Runs {@code task} once, {@code inNanos} of this clock's time from now. */
        Future<?> schedule(Runnable task, long inNanos);
    }

    private final Duration idle;
    private final Clock clock;
    private final Object lock = new Object();
    private volatile long lastActivity;
    private boolean scheduled;
    /** The timer task set, or null: cancelled when the session closes, so a closed session is not kept until it runs. */
    private Future<?> task;
    private boolean stopped;
    private volatile ThreadConnection connection;
    private volatile BooleanSupplier turnRunning = () -> false;
    /** Thread operations under way ({@link ThreadCalls}): each opens the thread, then asks codex. */
    private final AtomicInteger calls = new AtomicInteger();

    private SessionHibernation(Duration idle, Clock clock) {
        this.idle = idle;
        this.clock = clock;
        this.lastActivity = clock.nanoTime();
    }

    /** Hibernation after {@code idle} ({@link Duration#ZERO}: never), timed by {@code clock}. */
    public static SessionHibernation after(Duration idle, Clock clock) {
        return idle.isZero() ? OFF : new SessionHibernation(idle, clock);
    }

    /** Checks a host's idle window: zero (off) or at least {@link #MIN_IDLE}. */
    public static Duration checked(Duration idle) {
        if (idle == null || idle.isNegative() || (!idle.isZero() && idle.compareTo(MIN_IDLE) < 0)) {
            throw new IllegalArgumentException("hibernateAfter must be Duration.ZERO (never) or at least " + MIN_IDLE.toSeconds()
                    + " s, was " + idle);
        }
        return idle;
    }

    boolean enabled() {
        return idle != null;
    }

    /**
     * What a thread reached over {@code link} is opened with: {@code settings}, with codex told to
     * unload it as soon as no one follows it when the session lets go of it and tells codex so
     * ({@link ThreadReleases}): when it hibernates, or, with a store ({@code stored}), when it
     * closes, since the close's sleep removes codex's copy only once codex has unloaded the thread.
     */
    ThreadOptions opening(ThreadOptions settings, ThreadLink link, boolean stored) {
        return (enabled() || stored) && link.unsubscribes() ? unloadingAfter(settings, link.reattachWindow()) : settings;
    }

    /**
     * Codex unloads a thread once it has had no subscriber for {@code thread_unload_delay_secs}
     * (60 s by default in 0.169.0) and no turn runs: a session that hibernates wants it unloaded
     * at once. But over a connection to a running app-server a drop also leaves the thread without
     * its subscriber, and a thread unloaded then loses the turn that waits to re-attach (read back
     * as interrupted, found by {@code bin/bench faults}): there codex keeps it for the re-attach
     * window ({@code reattachWindow}, null when there is none). A host's own value is kept.
     */
    static ThreadOptions unloadingAfter(ThreadOptions settings, Duration reattachWindow) {
        if (settings.config().containsKey(UNLOAD_DELAY)) {
            return settings;
        }
        long seconds = reattachWindow == null ? 0 : (reattachWindow.toMillis() + 999) / 1000;
        return settings.toBuilder().config(UNLOAD_DELAY, seconds).build();
    }

    /** Codex's per-thread setting for how long a thread no one follows stays loaded. */
    static final String UNLOAD_DELAY = "thread_unload_delay_secs";

    /** The idle window, or null when off. */
    Duration idle() {
        return idle;
    }

    /** The session this decides for, and how it tells whether a turn runs on it. */
    public SessionHibernation bind(ThreadConnection connection, BooleanSupplier turnRunning) {
        if (idle != null) {
            this.connection = connection;
            this.turnRunning = turnRunning;
        }
        return this;
    }

    /** Whether a turn runs or a thread operation is under way: the session is not idle, whatever the clock says. */
    boolean working() {
        return calls.get() > 0 || turnRunning.getAsBoolean();
    }

    /** A thread operation begins: until it ends, the session keeps its thread. */
    void callStarted() {
        if (idle != null) {
            calls.incrementAndGet();
        }
    }

    /** The thread operation ended: the idle window counts from now. */
    void callEnded() {
        if (idle != null) {
            calls.decrementAndGet();
            touch();
        }
    }

    /** Something happened on the session: the idle window counts from now. */
    public void touch() {
        if (idle == null) {
            return;
        }
        lastActivity = clock.nanoTime();
        schedule(idle.toNanos());
    }

    private void schedule(long inNanos) {
        synchronized (lock) {
            if (scheduled || stopped) {
                return;     // the task already set looks at lastActivity when it runs
            }
            scheduled = true;
            try {
                task = clock.schedule(this::due, inNanos);
            } catch (RejectedExecutionException e) {
                scheduled = false;
            }
        }
    }

    /** The session closed: the timer task goes. */
    void stop() {
        synchronized (lock) {
            stopped = true;
            if (task != null) {
                task.cancel(false);
                task = null;
            }
        }
    }

    /**
     * Another host asked for the session's conversation (decision 0105): let go of it now, as at the
     * end of the idle window, when no turn runs and no call is under way; a session at work keeps
     * it, and the asking host, asking again, is answered at a later renewal. A session that never
     * sleeps never lets go on request either.
     */
    public void handOverAsked() {
        ThreadConnection c = connection;
        if (idle == null || c == null || c.isClosed() || c.isHibernated() || working()) {
            return;
        }
        RpcThreads.waits().execute(() -> {
            try {
                if (c.hibernate()) {
                    LOG.debug("codex thread {} let go: another host asked for it", c.threadId());
                }
            } catch (RuntimeException e) {
                LOG.warn("letting go of a thread another host asked for failed", e);
            }
        });
    }

    /** On the timer: hibernate when the session was idle the whole window, else look again when it may be. */
    private void due() {
        synchronized (lock) {
            scheduled = false;
            task = null;
        }
        ThreadConnection c = connection;
        if (c == null || c.isClosed() || c.isHibernated()) {
            return;
        }
        long left = lastActivity + idle.toNanos() - clock.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        if (working()) {
            schedule(idle.toNanos());       // the turn's or call's end touches the session again; this is a backstop
            return;
        }
        // letting go may close a connection of the session's own (a shutdown ladder): not on the timer thread
        RpcThreads.waits().execute(() -> {
            try {
                if (!c.hibernate() && !c.isClosed() && c.mayHibernateLater()) {
                    schedule(idle.toNanos());
                }
            } catch (RuntimeException e) {
                LOG.warn("letting go of an idle thread failed", e);
            }
        });
    }
}
