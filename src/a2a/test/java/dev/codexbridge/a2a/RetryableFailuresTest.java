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
        SQLException broken = new SQLException("An I/O error occurred while sending to the backend.", "08006");
        Sql sql = new Sql(dataSource(broken, new SQLException("Connection is closed")));
        Throwable thrown = catchThrowable(() -> sql.transaction("reading a context", c -> {
            throw broken;
        }));
        assertThat(thrown).isInstanceOf(CodexException.class).hasCause(broken);
        assertThat(thrown.getCause().getSuppressed()).extracting(Throwable::getMessage).containsExactly("Connection is closed");
        assertThat(StoreOutage.in(thrown)).isTrue();
    }

    /** A data source whose connection fails its statements with {@code statement} and its rollback with {@code onRollback}. */
    private static DataSource dataSource(SQLException statement, SQLException onRollback) {
        Connection connection = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "rollback" -> throw onRollback;
                    case "prepareStatement", "createStatement" -> throw statement;
                    default -> null;
                });
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> method.getName().equals("getConnection") ? connection : null);
    }
}
