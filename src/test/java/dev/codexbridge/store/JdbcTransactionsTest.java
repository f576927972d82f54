package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.spi.JdbcTransactions;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * When work is run a second time on a fresh connection ({@link JdbcTransactions}), on a pool of
 * scripted connections: only when the connection ended under it and running it again cannot apply
 * it twice; the pool's own failure to give a connection is never run again. The same on a real
 * database across its restarts: {@link DatabaseRestartTest}.
 */
class JdbcTransactionsTest {
    private static final String ENDED_BY_SERVER = "57P01";
    private static final String BROKEN = "08006";

    /** What a scripted connection does: fail its statements, its commit, or neither, with a SQL state. */
    private record Script(String failsStatementsWith, String failsCommitWith) {
        static Script works() {
            return new Script(null, null);
        }

        static Script statementsFail(String state) {
            return new Script(state, null);
        }

        static Script commitFails(String state) {
            return new Script(null, state);
        }
    }

    private final Deque<Script> scripts = new ArrayDeque<>();
    private final List<String> calls = new ArrayList<>();

    private DataSource pool(Script... in) {
        scripts.addAll(List.of(in));
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, a) -> {
            if (!m.getName().equals("getConnection")) {
                return null;
            }
            Script s = scripts.poll();
            if (s == null) {
                calls.add("no connection");
                throw new SQLTransientConnectionException("pool - Connection is not available, request timed out after 6000ms.");
            }
            calls.add("connection");
            return connection(s);
        });
    }

    private Connection connection(Script s) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
            switch (m.getName()) {
                case "createStatement" -> {
                    calls.add("statement");
                    if (s.failsStatementsWith() != null) {
                        throw new SQLException("failed (" + s.failsStatementsWith() + ")", s.failsStatementsWith());
                    }
                    return null;
                }
                case "commit" -> {
                    calls.add("commit");
                    if (s.failsCommitWith() != null) {
                        throw new SQLException("commit failed (" + s.failsCommitWith() + ")", s.failsCommitWith());
                    }
                    return null;
                }
                case "rollback" -> {
                    calls.add("rollback");
                    return null;
                }
                default -> {
                    return null;
                }
            }
        });
    }

    private static String work(Connection c) throws SQLException {
        c.createStatement();
        return "done";
    }

    @Test
    void aTransactionWhoseConnectionEndedBeforeItsCommitRunsOnceMore() throws Exception {
        for (String state : List.of(ENDED_BY_SERVER, BROKEN, "57P02", "57P03")) {
            calls.clear();
            assertThat(JdbcTransactions.inTransaction(pool(Script.statementsFail(state), Script.works()), JdbcTransactionsTest::work))
                    .as(state).isEqualTo("done");
            assertThat(calls).as(state).containsExactly("connection", "statement", "rollback", "connection", "statement", "commit");
        }
    }

    @Test
    void aCommitOnABrokenConnectionIsNotRunAgainButOneTheServerEndedIs() throws Exception {
        // the commit may have reached the database before the connection broke: running it again could apply it twice
        assertThatThrownBy(() -> JdbcTransactions.inTransaction(pool(Script.commitFails(BROKEN), Script.works()), JdbcTransactionsTest::work))
                .isInstanceOf(SQLException.class).hasMessageContaining(BROKEN);
        assertThat(calls).containsExactly("connection", "statement", "commit");

        calls.clear();
        scripts.clear();
        // the server ended the session: it committed nothing after that
        assertThat(JdbcTransactions.inTransaction(pool(Script.commitFails(ENDED_BY_SERVER), Script.works()), JdbcTransactionsTest::work))
                .isEqualTo("done");
        assertThat(calls).containsExactly("connection", "statement", "commit", "connection", "statement", "commit");
    }

    @Test
    void aStatementInAutocommitRunsAgainOnlyWhenTheServerEndedItsSession() throws Exception {
        assertThatThrownBy(() -> JdbcTransactions.autocommit(pool(Script.statementsFail(BROKEN), Script.works()), JdbcTransactionsTest::work))
                .isInstanceOf(SQLException.class).hasMessageContaining(BROKEN);
        assertThat(calls).containsExactly("connection", "statement");

        calls.clear();
        scripts.clear();
        assertThat(JdbcTransactions.autocommit(pool(Script.statementsFail(ENDED_BY_SERVER), Script.works()), JdbcTransactionsTest::work))
                .isEqualTo("done");
        assertThat(calls).containsExactly("connection", "statement", "connection", "statement");
    }

    @Test
    void anIdempotentStatementRunsAgainWheneverItsConnectionEnded() throws Exception {
        for (String state : List.of(ENDED_BY_SERVER, BROKEN)) {
            calls.clear();
            scripts.clear();
            assertThat(JdbcTransactions.idempotent(pool(Script.statementsFail(state), Script.works()), JdbcTransactionsTest::work))
                    .as(state).isEqualTo("done");
            assertThat(calls).as(state).containsExactly("connection", "statement", "connection", "statement");
        }
        calls.clear();
        scripts.clear();
        assertThatThrownBy(() -> JdbcTransactions.idempotent(pool(Script.statementsFail("23505"), Script.works()), JdbcTransactionsTest::work))
                .isInstanceOf(SQLException.class).hasMessageContaining("23505");
        assertThat(calls).containsExactly("connection", "statement");
    }

    @Test
    void aStatementThatWaitedPastTheSocketTimeoutIsNotRunAgain() {
        // the connection did not end: this side gave up waiting, and the database may still hold the statement's locks
        DataSource timingOut = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (p, m, a) -> {
                    calls.add("connection");
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p2, m2, a2) -> {
                        if (m2.getName().equals("createStatement")) {
                            calls.add("statement");
                            throw new SQLException("An I/O error occurred while sending to the backend.", BROKEN,
                                    new java.net.SocketTimeoutException("Read timed out"));
                        }
                        return null;
                    });
                });
        assertThatThrownBy(() -> JdbcTransactions.inTransaction(timingOut, JdbcTransactionsTest::work)).hasMessageContaining("I/O error");
        assertThatThrownBy(() -> JdbcTransactions.idempotent(timingOut, JdbcTransactionsTest::work)).hasMessageContaining("I/O error");
        assertThat(calls).containsExactly("connection", "statement", "connection", "statement");
    }

    @Test
    void theStatementsOwnFailureAndThePoolsTimeoutAreNotRunAgain() {
        assertThatThrownBy(() -> JdbcTransactions.inTransaction(pool(Script.statementsFail("23505"), Script.works()), JdbcTransactionsTest::work))
                .isInstanceOf(SQLException.class).hasMessageContaining("23505");
        assertThat(calls).containsExactly("connection", "statement", "rollback");

        calls.clear();
        scripts.clear();
        assertThatThrownBy(() -> JdbcTransactions.inTransaction(pool(), JdbcTransactionsTest::work))
                .isInstanceOf(SQLTransientConnectionException.class);
        assertThat(calls).as("the pool waited its whole timeout once").containsExactly("no connection");
    }

    @Test
    void aSecondEndIsThrownWithTheFirstKept() {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> JdbcTransactions.inTransaction(
                pool(Script.statementsFail(ENDED_BY_SERVER), Script.statementsFail(BROKEN), Script.works()), JdbcTransactionsTest::work));
        assertThat(thrown).isInstanceOf(SQLException.class).hasMessageContaining(BROKEN);
        assertThat(thrown.getSuppressed()).extracting(Throwable::getMessage).containsExactly("failed (" + ENDED_BY_SERVER + ")");
        assertThat(calls).as("twice, never a third time").containsExactly("connection", "statement", "rollback", "connection", "statement",
                "rollback");
    }

    @Test
    void unreachableIsTheDatabaseAwayNotItsRefusal() {
        assertThat(JdbcTransactions.unreachable(new RuntimeException(new SQLException("x", ENDED_BY_SERVER)))).isTrue();
        assertThat(JdbcTransactions.unreachable(new RuntimeException(new SQLException("x", "08001")))).isTrue();
        assertThat(JdbcTransactions.unreachable(new SQLTransientConnectionException("timed out"))).isTrue();
        assertThat(JdbcTransactions.unreachable(new RuntimeException(new ConnectException("Connection refused")))).isTrue();
        assertThat(JdbcTransactions.unreachable(new RuntimeException(new SQLException("duplicate key", "23505")))).isFalse();
        // something answered, in words that are not PostgreSQL's: not a database away
        assertThat(JdbcTransactions.unreachable(new SQLException("protocol violation", "08P01"))).isFalse();
        assertThat(JdbcTransactions.unreachable(new RuntimeException(new java.net.NoRouteToHostException("No route to host")))).isTrue();
        assertThat(JdbcTransactions.unreachable(new IllegalStateException("a fault of the code's"))).isFalse();
    }
}
