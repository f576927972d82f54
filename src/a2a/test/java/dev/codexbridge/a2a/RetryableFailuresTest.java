package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.ThreadOpenCapacityException;
import dev.codexbridge.process.CodexProcessException;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Failures the replicas chaos run answered as "internal error" though sending again works: a
 * tenant's codex killed while a conversation was opened for the call, and a context-store
 * statement on a connection that broke, whose rollback then failed as well.
 */
class RetryableFailuresTest {
    @Test
    void aCodexThatStoppedWhileTheCallWasServedIsSendAgainAsIsAFullWindow() {
        // the chain the run logged: the thread's open, codex's exit, the connection's end
        CodexException died = new CodexException("codex could not resume thread 01a21950-cf67-7471-b61b-e246e7402000",
                new CodexProcessException("codex (pid 26838) exited with code 137 before answering thread/delete", 137, List.of(),
                        new ConnectionClosedException("codex closed its output (end of stream)")));
        A2aError answer = CodexUnavailable.answer(died);
        assertThat(answer).isNotNull();
        assertThat(answer.code()).isEqualTo(A2aError.UNSUPPORTED);
        assertThat(answer.metadata()).containsEntry("retryAfterSeconds", "2").containsEntry("codexUnavailable", "true");

        A2aError full = CodexUnavailable.answer(new CodexException("could not open",
                new ThreadOpenCapacityException(16, 1000, Duration.ZERO, Duration.ofMillis(1500))));
        assertThat(full).isNotNull();
        assertThat(full.metadata()).containsEntry("retryAfterSeconds", "2");

        assertThat(CodexUnavailable.answer(new IllegalStateException("a fault of the server's"))).isNull();
    }

    @Test
    void aStatementOnABrokenConnectionIsAStoreOutageThoughItsRollbackFailsToo() {
        // every connection breaks: the statement runs twice (the second time on a fresh connection), then fails
        Sql sql = new Sql(dataSource(() -> new SQLException("An I/O error occurred while sending to the backend.", "08006"),
                () -> new SQLException("Connection is closed")), new dev.codexbridge.store.spi.OutageGate());
        Throwable thrown = catchThrowable(() -> sql.transaction("reading a context", c -> {
            c.prepareStatement("SELECT 1");
            return null;
        }));
        assertThat(thrown).isInstanceOf(CodexException.class).hasCauseInstanceOf(SQLException.class)
                .hasMessageContaining("failed reading a context: An I/O error occurred");
        assertThat(thrown.getCause().getSuppressed()).extracting(Throwable::getMessage)
                .containsExactly("Connection is closed", "An I/O error occurred while sending to the backend.");
        assertThat(StoreOutage.in(thrown)).isTrue();
    }

    @Test
    void aSessionTheDatabaseEndedAtARestartIsAStoreOutageNotAnInternalError() {
        // what a fast restart (pg_ctl restart -m fast) tells every open session: not a connection exception's class 08
        SQLException ended = new SQLException("FATAL: terminating connection due to administrator command", "57P01");
        assertThat(StoreOutage.in(new CodexException("the A2A context store failed reading a context: " + ended.getMessage(), ended)))
                .isTrue();
        assertThat(StoreOutage.in(new CodexException("starting up", new SQLException("the database system is starting up", "57P03"))))
                .isTrue();
        assertThat(StoreOutage.in(new CodexException("refused", new SQLException("duplicate key value", "23505")))).isFalse();
    }

    /** A data source whose every connection fails its statements with a new {@code statement} failure and its rollback with {@code onRollback}. */
    private static DataSource dataSource(Supplier<SQLException> statement, Supplier<SQLException> onRollback) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> method.getName().equals("getConnection") ? connection(statement, onRollback) : null);
    }

    private static Connection connection(Supplier<SQLException> statement, Supplier<SQLException> onRollback) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "rollback" -> throw onRollback.get();
                    case "prepareStatement", "createStatement" -> throw statement.get();
                    default -> null;
                });
    }
}
