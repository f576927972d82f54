package dev.codexbridge.session.internal.inbox;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.internal.ThreadInbox;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The session's one ordered mailbox: its thread's messages as they arrive, and the session's own
 * {@link TurnEvent}s (a decision is ready, interrupt asked, turn/start answered, a deadline is due,
 * codex withdrew a request: see {@link PendingRequests}, which holds the requests not yet settled).
 * Codex's notifications enter it as {@link TurnEvent.Notified}, so the queue holds one sealed
 * type. While a
 * turn runs, the inbox hands everything, in order and one at a time, to the turn's handler on the
 * dispatch executor; no thread waits for a turn. Between turns a server request is answered at
 * once by {@code betweenTurns}, and notifications are kept only up to a bound.
 *
 * <p>Messages from the reader wake the turn once per burst ({@link #endOfBurst}, or every
 * {@value #BURST} messages), not once per message: a fast stream arrives in reads of hundreds of
 * lines, and a wake-up per line cost more than handling the line. A message that comes after a
 * quiet spell ({@value #QUIET_NANOS} ns since the message before it) wakes the turn at once; the
 * rest of a stream waits for its burst's end. (Timed from the last wake-up instead, a stream of
 * hundreds of thousands of messages woke the turn every 50 µs of reading, tens of thousands of
 * times: a tenth of the whole process's CPU went to waking and parking the dispatch thread.)
 *
 * <p>Bounded: past {@code limit} queued messages a session on a shared connection stops queueing
 * and gets one {@link TurnEvent.Overflowed} event (its turn ends; the other threads on the connection are
 * untouched). A session with a connection of its own makes the reader wait instead, which slows
 * codex down and harms nobody else.
 */
public final class SessionInbox implements ThreadInbox {
    /** Notifications kept while no turn runs; a turn ignores them anyway, they only cost memory. */
    static final int MAX_BETWEEN_TURNS = 1_000;
    /** Default bound of queued messages while a turn runs. */
    public static final int DEFAULT_LIMIT = 10_000;
    private static final String TURN_COMPLETED = "turn/completed";
    /** Events handled per dispatch task before the task yields its thread. */
    private static final int BATCH = 1_024;
    /** Messages the reader hands over before it wakes the turn, even within one burst. */
    public static final int BURST = 256;
    /** A message this long after the one before it is not part of a fast stream: it wakes the turn at once. */
    public static final long QUIET_NANOS = 50_000;

    private final ConcurrentLinkedQueue<TurnEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger notificationsBetweenTurns = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final PendingRequests pending = new PendingRequests();
    private final Consumer<TurnEvent.Asked> betweenTurns;
    private final Executor dispatch;
    private final LongSupplier nanoTime;
    private final int limit;
    private final boolean exclusive;
    private final ReentrantLock spaceLock = new ReentrantLock();
    private final Condition space = spaceLock.newCondition();
    /** Messages accepted since the turn was last woken for them, and when the last one came; the reader thread's own. */
    private int unannounced;
    private long lastAcceptedAt;
    private volatile boolean readerWaiting;
    private volatile boolean overflowed;
    private volatile boolean connectionClosed;
    private volatile TurnEvent.Handler turn;

    /**
     * @param exclusive whether this inbox is the only one on its connection (the reader may then
     *                  wait for it instead of dropping)
     */
    public SessionInbox(Consumer<TurnEvent.Asked> betweenTurns, Executor dispatch, int limit, boolean exclusive) {
        this(betweenTurns, dispatch, limit, exclusive, System::nanoTime);
    }

    /** With the clock that times quiet spells (tests give a fake one). */
    public SessionInbox(Consumer<TurnEvent.Asked> betweenTurns, Executor dispatch, int limit, boolean exclusive, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.lastAcceptedAt = nanoTime.getAsLong() - QUIET_NANOS - 1;
        this.betweenTurns = betweenTurns;
        this.dispatch = dispatch;
        this.limit = Math.max(1, limit);
        this.exclusive = exclusive;
    }

    @Override
    public void accept(CodexEvent event) {
        if (event instanceof CodexEvent.ServerRequest request) {
            TurnEvent.Asked asked = pending.add(request);
            enqueue(asked);
            if (turn == null) {
                betweenTurns.accept(asked);
            } else {
                schedule();
            }
            return;
        }
        if (!pending.isEmpty() && event instanceof CodexEvent.Notification message) {
            withdrawals(message);
        }
        if (turn == null) {
            if (notificationsBetweenTurns.incrementAndGet() <= MAX_BETWEEN_TURNS) {
                enqueue(new TurnEvent.Notified((CodexEvent.Notification) event));
            }
            return;
        }
        if (queued.get() >= limit && !makeRoom() && !TURN_COMPLETED.equals(event.method())) {
            return;     // dropped, except the end of the turn, which the overflowed turn still waits for
        }
        enqueue(new TurnEvent.Notified((CodexEvent.Notification) event));
        long now = nanoTime.getAsLong();
        boolean afterQuietSpell = now - lastAcceptedAt > QUIET_NANOS;
        lastAcceptedAt = now;
        if (++unannounced >= BURST || afterQuietSpell) {
            endOfBurst();
        }
    }

    @Override
    public void endOfBurst() {
        unannounced = 0;
        schedule();
    }

    /**
     * Withdraws the requests {@code message} settles without this session's answer, here on the
     * reader thread so no answer decided from now on is written; a running turn hears of each
     * ahead of the message itself (never dropped), so it can tell its listener and transcript
     * before, say, the turn's end.
     */
    private void withdrawals(CodexEvent.Notification message) {
        List<TurnEvent.Withdrawn> withdrawn = pending.withdrawnBy(message);
        if (!withdrawn.isEmpty() && turn != null) {
            withdrawn.forEach(this::enqueue);
            schedule();
        }
    }

    /** True when there is room (again); false when the message is to be dropped. */
    private boolean makeRoom() {
        if (exclusive) {
            endOfBurst();   // the turn may not have been woken for what fills the queue yet
            spaceLock.lock();
            try {
                readerWaiting = true;
                while (queued.get() >= limit && turn != null && !connectionClosed) {
                    // bounded wait, so a stuck handler cannot keep the reader from seeing the connection's end
                    space.await(100, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                readerWaiting = false;
                spaceLock.unlock();
            }
            return true;
        }
        if (!overflowed) {
            overflowed = true;
            enqueue(new TurnEvent.Overflowed(limit));
            schedule();
        }
        return false;
    }

    @Override
    public void closed(ConnectionClosedException cause) {
        connectionClosed = true;
        post(new TurnEvent.Closed(cause, this));
    }

    /** The session's own events: never dropped, never waited for. */
    public void post(TurnEvent event) {
        enqueue(event);
        schedule();
    }

    private void enqueue(TurnEvent event) {
        queued.incrementAndGet();
        queue.add(event);
    }

    /** The events queued now, in order (a weakly consistent view: it may miss what arrives meanwhile). */
    void forEachQueuedEvent(Consumer<TurnEvent> action) {
        queue.forEach(action);
    }

    /** A turn takes over: what arrived for earlier turns is dropped, requests still to be answered stay. */
    public void turnStarted(TurnEvent.Handler handler) {
        for (Iterator<TurnEvent> it = queue.iterator(); it.hasNext(); ) {
            TurnEvent o = it.next();
            if (o instanceof TurnEvent.Notified || o instanceof TurnEvent.Asked a && (a.isClaimed() || a.isSettled())
                    || o instanceof TurnEvent.Overflowed || o instanceof TurnEvent.Withdrawn) {
                it.remove();
                queued.decrementAndGet();
            }
        }
        notificationsBetweenTurns.set(0);
        overflowed = false;
        turn = handler;
        schedule();
    }

    /** The turn is over: requests it did not take are answered now. */
    public void turnEnded() {
        turn = null;
        wakeReader();
        List<TurnEvent.Asked> left = new ArrayList<>();
        for (TurnEvent o : queue) {
            if (o instanceof TurnEvent.Asked a && !a.isClaimed()) {
                left.add(a);
            }
        }
        left.forEach(betweenTurns);
    }

    private void schedule() {
        if (turn != null && !queue.isEmpty() && draining.compareAndSet(false, true)) {
            dispatch.execute(this::drain);
        }
    }

    /** Hands queued events to the turn, in order, one at a time; at most one drain runs. */
    private void drain() {
        try {
            int handled = 0;
            TurnEvent.Handler handler;
            TurnEvent event;
            while ((handler = turn) != null && (event = queue.poll()) != null) {
                queued.decrementAndGet();
                handler.onEvent(event);
                if (++handled == BATCH) {
                    // give the dispatch thread back, so a long stream cannot starve other sessions' turns
                    break;
                }
            }
            wakeReader();
        } finally {
            draining.set(false);
        }
        // something may have arrived after the last poll but before draining was cleared
        schedule();
    }

    private void wakeReader() {
        if (readerWaiting) {
            spaceLock.lock();
            try {
                space.signalAll();
            } finally {
                spaceLock.unlock();
            }
        }
    }
}
