package dev.codexbridge.store.spi;

import dev.codexbridge.store.ConversationStoreException;
import org.jspecify.annotations.Nullable;

/**
 * Whether one try of a write can still reach its database, for a caller that may have to give the
 * write up (a completed turn's store when the host's lease runs out under it): a database judges a
 * lease by its own clock, which the host's deadline runs ahead of, so a write sent in time may
 * still commit and the caller must wait for its outcome; a write that has not reached the
 * database yet (waiting for a connection while the database is away) can instead be stopped, and
 * the caller answered at once.
 *
 * <p>The caller runs the try {@link #during} a fence; a store that sends its writes over a
 * connection says when it waits for the database ({@link #awaitingDatabase}) and when its first
 * statement goes out ({@link #sending}), which fails once the fence was {@link #abandon
 * abandoned}, when what it sent was rolled back ({@link #rolledBack}), and when its call is over
 * ({@link #leftDatabase}). A store that says none of
 * this is never abandoned: its writes are waited for. An outage gate counts a call given up
 * neither as the database's answer nor as its silence. Thread-safe.
 */
public final class WriteFence {
    private static final ThreadLocal<WriteFence> CURRENT = new ThreadLocal<>();

    private enum State {
        /** Nothing said yet: the try may be anywhere, in a store that never says. */
        UNKNOWN,
        /** The store waits for a connection; nothing of this try has been sent. */
        AWAITING,
        /** A statement of this try went out: it may commit. */
        SENT,
        /** The try failed: nothing more of it goes out. */
        FAILED,
        /** Given up before anything was sent: nothing of it ever goes out. */
        ABANDONED
    }

    private final Object lock = new Object();
    private State state = State.UNKNOWN;
    /** The thread that waits for the database meanwhile ({@link #awaitingDatabase}): woken when the write is given up. */
    private @Nullable Thread waiter;

    /** A fence for one try of a write: nothing said of it yet. */
    public WriteFence() {
    }

    /** Runs {@code work} with this fence as the current thread's ({@link #current}). */
    public void during(Runnable work) {
        WriteFence before = CURRENT.get();
        CURRENT.set(this);
        try {
            work.run();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    /** The fence the current thread runs under, or null. */
    public static @Nullable WriteFence current() {
        return CURRENT.get();
    }

    /**
     * The store, on the current thread, waits for its database to take this try's write; nothing
     * was sent yet. Should the write be given up meanwhile, the thread is interrupted (a pool's wait
     * for a connection ends), until {@link #leftDatabase}.
     */
    public void awaitingDatabase() {
        synchronized (lock) {
            if (state == State.UNKNOWN || state == State.FAILED) {
                state = State.AWAITING;
                waiter = Thread.currentThread();
            }
        }
    }

    /**
     * The store is about to send this try's first statement: from now on it may commit.
     *
     * @throws WriteAbandonedException when the write was {@link #abandon abandoned}: send nothing
     */
    public void sending() {
        synchronized (lock) {
            if (state == State.ABANDONED) {
                throw new WriteAbandonedException(null);
            }
            state = State.SENT;
            waiter = null;
        }
    }

    /**
     * What this try sent was rolled back, never committed (its transaction's work failed, or its
     * connection ended before the commit): nothing of it persists, and the store, on the current
     * thread, waits for the database again (a run once more on a fresh connection) — it may be
     * given up again meanwhile.
     */
    public void rolledBack() {
        synchronized (lock) {
            if (state == State.SENT) {
                state = State.AWAITING;
                waiter = Thread.currentThread();
            }
        }
    }

    /**
     * The store's call on the current thread is over: it is interrupted no more, and an interrupt
     * the fence sent is cleared. True when the write was given up (the call's failure is that).
     */
    public boolean leftDatabase() {
        synchronized (lock) {
            waiter = null;
            if (state == State.ABANDONED) {
                Thread.interrupted();
                return true;
            }
            return false;
        }
    }

    /** The try failed (its outcome told by the store): nothing more of it goes out. */
    public void failed() {
        synchronized (lock) {
            if (state != State.ABANDONED) {
                state = State.FAILED;
            }
        }
    }

    /**
     * Gives the try up if nothing of it can reach the database any more: true when it waits for a
     * connection (it is woken, and will send nothing) or has failed; false when it may have sent
     * its write, or its store never says (then its outcome is the one to wait for).
     */
    public boolean abandon() {
        synchronized (lock) {
            switch (state) {
                case AWAITING, FAILED -> {
                    state = State.ABANDONED;
                    if (waiter != null) {
                        waiter.interrupt();
                    }
                    return true;
                }
                case ABANDONED -> {
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
    }

    /** A write given up before it reached its database ({@link #sending}): nothing of it was sent. */
    public static final class WriteAbandonedException extends ConversationStoreException {
        private static final long serialVersionUID = 1L;

        /** The write given up; {@code cause}, when not null, is how the store's wait ended (its thread woken). */
        public WriteAbandonedException(@Nullable Throwable cause) {
            super(null, "the write was given up before it reached the database: nothing of it was sent", cause);
        }
    }
}
