package dev.codexbridge.store.postgresql;

import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.StoreClosedException;
import dev.codexbridge.store.spi.JdbcTransactions;
import dev.codexbridge.store.spi.OutageGate;
import dev.codexbridge.store.spi.WriteFence;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The store's calls to the database, each one transaction ({@link JdbcTransactions}: committed when
 * its work returns, rolled back when it throws, run once more on a fresh connection when the
 * database ended the first under it), behind the store's {@link OutageGate}: refused at once while
 * the database is away, which the gate asks itself once a second (decision 0131). A call after
 * {@link #close} is a {@link StoreClosedException}, before the closed pool's own refusal, which would
 * read as a database away.
 */
final class PostgresCalls {
    /** The smallest question the database answers: the gate's, and a host's {@code ping}. */
    static final JdbcTransactions.Work<Boolean> SELECT_ONE = c -> {
        try (Statement s = c.createStatement()) {
            return s.execute("SELECT 1");
        }
    };

    private final DataSource dataSource;
    /** How long a small statement (a lease, an owner, a page of the list) may take: the connection timeout. */
    private final Duration answerWithin;
    private final OutageGate gate;
    private volatile boolean closed;

    PostgresCalls(DataSource dataSource, Duration answerWithin) {
        this.dataSource = dataSource;
        this.answerWithin = answerWithin;
        this.gate = OutageGate.probing(this::ask);
    }

    OutageGate gate() {
        return gate;
    }

    /** Every call from now on is refused as closed; the gate asks no more. */
    void close() {
        closed = true;
        gate.close();
    }

    /** One transaction, its statements bound by the socket's timeout (a put or a get of a whole conversation). */
    <T> T inTransaction(@Nullable String threadId, String doing, JdbcTransactions.Work<T> work) {
        return inTransaction(threadId, doing, null, work);
    }

    /** One transaction of small work: each statement answered within the connection timeout (a silent network costs that). */
    <T> T small(@Nullable String threadId, String doing, JdbcTransactions.Work<T> work) {
        return inTransaction(threadId, doing, answerWithin, work);
    }

    /** The store's live session, a session opened when there is none: refused at once while the database is away, as a call is. */
    PostgresSession.Id session(PostgresSession session, String threadId) {
        refuseIfClosed(threadId);
        return gate.call(() -> {
            try {
                return session.id();
            } catch (SQLException e) {
                throw PostgresSession.failed(threadId, e);
            }
        }, down -> notTried(threadId, "leasing conversation " + threadId, down));
    }

    private <T> T inTransaction(@Nullable String threadId, String doing, @Nullable Duration within, JdbcTransactions.Work<T> work) {
        refuseIfClosed(threadId);
        String what = doing + " " + (threadId == null ? "the conversation store" : "conversation " + threadId);
        // a caller's fence (a turn's store under a lease) learns when its write may reach the database, and stops one given up
        WriteFence fence = WriteFence.current();
        JdbcTransactions.Work<T> fenced = fence == null ? work : c -> {
            fence.sending();
            try {
                return work.run(c);
            } catch (SQLException | IOException | RuntimeException e) {
                // the transaction is rolled back, never committed (JdbcTransactions): nothing of it persists, and a run once
                // more on a fresh connection waits for the database again
                fence.rolledBack();
                throw e;
            }
        };
        if (fence != null) {
            fence.awaitingDatabase();
        }
        try {
            return gate.call(() -> {
                try {
                    return within == null ? JdbcTransactions.inTransaction(dataSource, fenced)
                            : JdbcTransactions.inTransaction(dataSource, within, fenced);
                } catch (SQLException | IOException | RuntimeException e) {
                    if (fence != null && fence.leftDatabase()) {
                        throw e instanceof WriteFence.WriteAbandonedException given ? given : new WriteFence.WriteAbandonedException(e);
                    }
                    if (e instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new ConversationStoreException(threadId, what + " failed: " + e.getMessage(), e);
                }
            }, down -> notTried(threadId, what, down));
        } catch (RuntimeException e) {
            if (fence != null) {
                fence.failed();
                if (fence.leftDatabase() && !(e instanceof WriteFence.WriteAbandonedException)) {
                    throw new WriteFence.WriteAbandonedException(e);     // given up while the gate held it back
                }
            }
            throw e;
        } finally {
            if (fence != null) {
                fence.leftDatabase();
            }
        }
    }

    private void refuseIfClosed(@Nullable String threadId) {
        if (closed) {
            throw new StoreClosedException(threadId, "on PostgreSQL");
        }
    }

    private ConversationStoreException notTried(@Nullable String threadId, String what, OutageGate.Outage down) {
        return new ConversationStoreException(threadId, what + " was not tried: the database has not answered for "
                + Math.max(1, gate.downFor().toSeconds()) + " s (" + down.failure().getMessage() + "), and it is asked again each "
                + "second; nothing was done", down.failure());
    }

    /** The gate's question: one small statement, not gated, failing as a call would. */
    private void ask() {
        try {
            JdbcTransactions.inTransaction(dataSource, answerWithin, SELECT_ONE);
        } catch (SQLException | IOException e) {
            throw new ConversationStoreException(null, "asking the conversation store failed: " + e.getMessage(), e);
        }
    }
}
