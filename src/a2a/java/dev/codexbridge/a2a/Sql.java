package dev.codexbridge.a2a;

import dev.codexbridge.CodexException;
import dev.codexbridge.store.spi.JdbcTransactions;
import dev.codexbridge.store.spi.OutageGate;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/**
 * The little JDBC the shared context store needs, on {@code java.sql} alone (the host brings the
 * driver and the pool): each call one transaction (a single statement: autocommit) on a connection of the host's {@link DataSource}
 * ({@link JdbcTransactions}: once more on a fresh connection when a restarted database ended the first;
 * {@link OutageGate}: at once refused while the database is away and the gate asks it again),
 * parameters bound in order, a failure a {@link CodexException} saying what was being done.
 */
final class Sql {
    /**
     * How long each statement may wait for the database: every one of the context store's is small
     * (a context, a task's record, a page of ids), so a database behind a silent network (a cut
     * link drops packets, answers nothing) costs a call this, the doors' lease, not the pool's
     * socket timeout meant for a conversation's rollouts (decision 0099).
     */
    static final java.time.Duration ANSWER_WITHIN = java.time.Duration.ofSeconds(6);
    private final DataSource dataSource;
    /** This store's own, or the gate of the conversation store on the same database: one outage, one wait. */
    private final OutageGate gate;

    /** Work inside one transaction. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** One row read. */
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    Sql(DataSource dataSource, OutageGate gate) {
        this.dataSource = dataSource;
        this.gate = gate;
    }

    /** Work in one transaction, run once more on a fresh connection when the database ended the first under it. */
    <T> T transaction(String doing, Work<T> work) {
        return gate.call(() -> {
            try {
                return JdbcTransactions.inTransaction(dataSource, ANSWER_WITHIN, work::run);
            } catch (SQLException | IOException e) {
                throw failed(doing, e);
            }
        }, down -> refused(doing, down));
    }

    /**
     * One statement on its own: atomic by itself, so in autocommit, one round trip instead of the
     * statement and a commit. Every such statement of the context store is idempotent — a read, an
     * upsert, a column set to a value, a delete — so a connection that ended under it, even after
     * the database ran it, runs it once more on a fresh one (an immediate restart breaks the socket
     * without a word).
     */
    <T> T single(String doing, Work<T> work) {
        return gate.call(() -> {
            try {
                return JdbcTransactions.idempotent(dataSource, ANSWER_WITHIN, work::run);
            } catch (SQLException | IOException e) {
                throw failed(doing, e);
            }
        }, down -> refused(doing, down));
    }

    private static CodexException failed(String doing, Exception e) {
        return new CodexException("the A2A context store failed " + doing + ": " + e.getMessage(), e);
    }

    /** While the database is away and the gate asks it again ({@link OutageGate}): nothing tried, the outage's failure the cause. */
    private CodexException refused(String doing, OutageGate.Outage down) {
        return new CodexException("the A2A context store did not try " + doing + ": the database has not answered for "
                + Math.max(1, gate.downFor().toSeconds()) + " s (" + down.failure().getMessage() + "), and it is asked again each second",
                down.failure());
    }

    /** One statement on its own. */
    int update(String doing, String sql, Object... params) {
        return single(doing, c -> update(c, sql, params));
    }

    <T> List<T> query(String doing, String sql, Row<T> row, Object... params) {
        return single(doing, c -> query(c, sql, row, params));
    }

    static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = prepare(c, sql, params)) {
            return s.executeUpdate();
        }
    }

    static <T> List<T> query(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        try (PreparedStatement s = prepare(c, sql, params); ResultSet rs = s.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(row.read(rs));
            }
            return out;
        }
    }

    /** A statement with its parameters bound: a collection becomes a {@code text[]} (for {@code = ANY(?)}). */
    static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                Object p = params[i];
                if (p instanceof Collection<?> many) {
                    s.setArray(i + 1, c.createArrayOf("text", many.toArray()));
                } else {
                    s.setObject(i + 1, p);
                }
            }
            return s;
        } catch (SQLException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
