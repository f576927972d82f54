package dev.codexbridge.store.spi;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Work on a database through a pool that outlives the database's restarts (decision 0099). A
 * PostgreSQL restart, fast or immediate, or a failover behind the same address ends every pooled
 * connection: the next statement on one fails with {@code 57P01 terminating connection due to
 * administrator command} (or a broken socket), though the database may be back already. Such a
 * failure is the connection's, not the work's, so the work runs once more on a connection the pool
 * makes afresh, which waits for the database within the pool's own connection timeout — one bound,
 * never two. Only where running it again cannot apply it twice: inside a transaction when the
 * failure came before the commit was sent, or whenever the server said it ended the session
 * ({@code 57P0x}: it runs no statement after that).
 */
public final class JdbcTransactions {
    /**
     * How long a small transaction ({@link #inTransaction(DataSource, Duration, Work)}) may sit idle
     * between its statements before the server ends it: well under the doors' lease renewal's slack
     * (a renewal every 2 s, the lease lost 5.4 s after the last one sent), and far above the
     * milliseconds its client takes between two statements.
     */
    public static final Duration IDLE_IN_SMALL_TRANSACTION = Duration.ofSeconds(1);
    /**
     * How long a write of a whole conversation (a put, a delete) may sit idle: its client reads the
     * rollouts it stores between statements, a few hundred milliseconds at most; past this a stalled
     * writer frees its lease row before the lease runs out (the doors' 6 s), so another host can take it.
     */
    public static final Duration IDLE_IN_WRITE = Duration.ofSeconds(3);

    /**
     * The server ended the session: admin shutdown (fast or immediate), crash of another backend, not
     * accepting yet, or a transaction idle past its bound ({@link #IDLE_IN_SMALL_TRANSACTION}; rolled back).
     */
    private static final Set<String> SESSION_ENDED = Set.of("57P01", "57P02", "57P03", "25P03");

    private JdbcTransactions() {
    }

    /** Work on one connection; {@link IOException} for a store that streams its rollouts. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException, IOException;
    }

    /** How work runs on its connection, and so when running it again cannot apply it twice. */
    private enum Mode {
        /** One transaction: again when the connection ended before the commit was sent, or the server ended it. */
        TRANSACTION,
        /** One statement in autocommit: again only when the server ended the session (a broken socket may follow a commit). */
        AUTOCOMMIT,
        /** One statement in autocommit whose second run changes nothing the first made: again whenever the connection ended. */
        IDEMPOTENT
    }

    /**
     * {@code work} in one transaction on a connection of {@code pool}: committed when it returns,
     * rolled back when it throws; run a second time on a fresh connection when the first one was
     * ended under it before the commit (the second failure, if any, is the one thrown, the first
     * suppressed in it).
     */
    public static <T> T inTransaction(DataSource pool, Work<T> work) throws SQLException, IOException {
        return run(pool, work, Mode.TRANSACTION);
    }

    /**
     * {@code work} in autocommit (one statement, atomic by itself); run again on a fresh connection
     * only when the server said it ended the session, since a connection broken otherwise may have
     * committed the statement before it broke.
     */
    public static <T> T autocommit(DataSource pool, Work<T> work) throws SQLException, IOException {
        return run(pool, work, Mode.AUTOCOMMIT);
    }

    /**
     * {@code work} in autocommit, a statement the caller knows to be idempotent (a read, an upsert,
     * a set to a value, a delete): run again on a fresh connection whenever the connection ended
     * under it, committed or not, since a second run leaves what the first would have.
     */
    public static <T> T idempotent(DataSource pool, Work<T> work) throws SQLException, IOException {
        return run(pool, work, Mode.IDEMPOTENT);
    }

    /**
     * {@link #inTransaction(DataSource, Work)} for small work (a lease, a row, a short list): each
     * statement answered within {@code answerWithin} or failed ({@link Connection#setNetworkTimeout},
     * the pool's own value back when the connection returns), so a database cut off behind a
     * silent network costs the call that bound, not the socket's timeout meant for large transfers.
     * A statement that timed out is not run again: the database may still be running it.
     */
    public static <T> T inTransaction(DataSource pool, Duration answerWithin, Work<T> work) throws SQLException, IOException {
        return run(pool, work, Mode.TRANSACTION, answerWithin);
    }

    /** {@link #idempotent(DataSource, Work)}, its statement answered within {@code answerWithin} (as {@link #inTransaction(DataSource, Duration, Work)}). */
    public static <T> T idempotent(DataSource pool, Duration answerWithin, Work<T> work) throws SQLException, IOException {
        return run(pool, work, Mode.IDEMPOTENT, answerWithin);
    }

    private static <T> T run(DataSource pool, Work<T> work, Mode mode) throws SQLException, IOException {
        return run(pool, work, mode, null);
    }

    private static <T> T run(DataSource pool, Work<T> work, Mode mode, @Nullable Duration answerWithin) throws SQLException, IOException {
        SQLException first;
        try {
            return once(pool, work, mode, answerWithin);
        } catch (Ended ended) {
            first = ended.failure;
        }
        // the second and last run: its failure, whatever it is, carries the first one's
        try {
            return once(pool, work, mode, answerWithin);
        } catch (Ended second) {
            throw withFirst(second.failure, first);
        } catch (SQLException second) {
            throw withFirst(second, first);
        } catch (IOException second) {
            throw withFirst(second, first);
        } catch (RuntimeException second) {
            throw withFirst(second, first);
        }
    }

    private static <E extends Exception> E withFirst(E second, SQLException first) {
        if (second != first) {
            second.addSuppressed(first);
        }
        return second;
    }

    private static <T> T once(DataSource pool, Work<T> work, Mode mode, @Nullable Duration answerWithin)
            throws SQLException, IOException, Ended {
        // the pool's own wait (for the database to answer) is not retried: it had its whole timeout
        try (Connection c = pool.getConnection()) {
            if (answerWithin != null) {
                c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, Math.max(1, answerWithin.toMillis())));
            }
            c.setAutoCommit(mode != Mode.TRANSACTION);
            if (mode != Mode.TRANSACTION) {
                try {
                    return work.run(c);
                } catch (SQLException e) {
                    if (mode == Mode.IDEMPOTENT ? connectionEnded(e) && !timedOut(e) : sessionEnded(e)) {
                        throw new Ended(e);
                    }
                    throw e;
                }
            }
            T result;
            try {
                if (answerWithin != null) {
                    idleBound(c);
                }
                result = work.run(c);
            } catch (SQLException | IOException | RuntimeException e) {
                // the statement's own failure says why; a rollback on a broken connection fails too, with no state,
                // and must not take its place
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                if (e instanceof SQLException s && connectionEnded(s) && !timedOut(s)) {
                    throw new Ended(s);
                }
                throw e;
            }
            try {
                c.commit();
            } catch (SQLException e) {
                // a broken connection after the commit was sent may have committed: only the server's own word is safe
                if (sessionEnded(e)) {
                    throw new Ended(e);
                }
                throw e;
            }
            return result;
        }
    }

    /**
     * A small transaction left idle by its client (a process stopped, a VM paused, a GC pause
     * between two of its statements) is ended by the server after {@link #IDLE_IN_SMALL_TRANSACTION}:
     * the rows it locked (another host's lease row, asked for a hand-over) are free for the other
     * hosts at once instead of for the whole stall. Its client finds its session ended when it
     * goes on, and the transaction is run once more on a fresh connection, as any ended session's.
     */
    private static void idleBound(Connection c) throws SQLException {
        idleBound(c, IDLE_IN_SMALL_TRANSACTION);
    }

    /**
     * The transaction of {@code c} is ended by the server once idle for {@code bound} (PostgreSQL's
     * {@code idle_in_transaction_session_timeout}, for this transaction only): for a larger one that
     * locks rows other hosts wait on (a put locks its lease row), its first statement.
     */
    public static void idleBound(Connection c, Duration bound) throws SQLException {
        try (java.sql.Statement s = c.createStatement()) {
            s.execute("SET LOCAL idle_in_transaction_session_timeout = " + Math.max(1, bound.toMillis()));
        }
    }

    /**
     * Whether the statement waited past the socket's timeout: the connection did not end, this side
     * gave up on it; the database may still be working on it, holding its locks, so it is not sent
     * again — its caller has had its bound.
     */
    private static boolean timedOut(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Whether the server ended the session ({@code 57P01}, {@code 57P02}, {@code 57P03}): nothing more ran on it. */
    public static boolean sessionEnded(SQLException e) {
        return e.getSQLState() != null && SESSION_ENDED.contains(e.getSQLState());
    }

    /**
     * Whether {@code e} is the connection's end rather than the statement's refusal: the session
     * ended by the server, a connection exception (SQL state class {@code 08}, but not {@code 08P01},
     * a protocol violation: something answered, in words that are not PostgreSQL's), or JDBC's own
     * connection failures.
     */
    public static boolean connectionEnded(SQLException e) {
        String state = e.getSQLState();
        return sessionEnded(e) || state != null && state.startsWith("08") && !state.equals("08P01")
                || e instanceof SQLRecoverableException || e instanceof SQLNonTransientConnectionException;
    }

    /**
     * Whether the database did not answer, anywhere in {@code failure}'s causes: a connection ended
     * ({@link #connectionEnded}), one the pool could not get in time, or a socket that timed out,
     * was refused or found no route. A door answers such a failure "nothing was done; send again",
     * never "internal error".
     */
    public static boolean unreachable(Throwable failure) {
        return unreachableCause(failure) != null;
    }

    /** The cause in {@code failure}'s chain that says the database did not answer ({@link #unreachable}), or null. */
    public static @Nullable Throwable unreachableCause(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof SQLException s && (connectionEnded(s) || s instanceof SQLTransientConnectionException)
                    || t instanceof SocketTimeoutException || t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return t;
            }
        }
        return null;
    }

    /** A connection ended under the work: carried out of {@link #once} to be run again. */
    private static final class Ended extends Exception {
        private static final long serialVersionUID = 1L;
        private final SQLException failure;

        Ended(SQLException failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }
}
