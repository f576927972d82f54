package dev.codexbridge.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.SessionSource;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica cut from PostgreSQL between accepting a message and writing its task's context (the
 * replicas chaos run, seed 7): the task was answered failed, "codex failed: the A2A context store
 * failed saving a context", and no replica could ever find it, since the record naming it was never
 * written. Nothing had run, so the call is now answered "the store did not answer: send again"
 * ({@code -32004}), the task is taken back, and the context takes the next message. The store's
 * pool times out on the context's write alone, as Hikari's does when the network is cut.
 */
@ExtendWith(PostgresServer.Extension.class)
class A2aStoreCutAtATasksStartTest {
    private static final String ALICE = "alice-token-0123456789";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client, () -> this.server, () -> this.pool);
    private final FakeCodex codex = fake.codex();
    private final AtomicBoolean cut = new AtomicBoolean();
    private HikariDataSource pool;
    private CodexClient client;
    private A2aServer server;

    @Test
    void aTaskWhoseContextCouldNotBeWrittenIsTakenBackAndTheCallerToldToSendAgain(PostgresServer postgres) throws Exception {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(postgres.newDatabase());
        c.setMaximumPoolSize(4);
        pool = new HikariDataSource(c);
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;
        codex.onThreadTurnStart = (thread, turn) -> codex.completeThreadTurn(thread, turn, "completed");
        client = CodexClient.builder().transport(codex.factory()).connect();
        CodexGateway gateway = CodexGateway.builder().client(client).configure((p, b) -> b.cwd(Path.of("/w"))).build();
        ContextStore contexts = ContextStore.postgres(cutOnContextWrites(pool), "replica-a", 10);
        server = A2aServer.builder().host("127.0.0.1").port(0).tokens(BearerTokens.of(Map.of(ALICE, "alice")))
                .contexts(contexts).sessions(SessionSource.of(gateway)).start();

        cut.set(true);
        JsonNode refused = send("ctx-1", "first");

        assertThat(refused.path("error").path("code").asInt()).as("answered: %s", refused).isEqualTo(-32004);
        assertThat(refused.path("error").path("message").asText()).startsWith("the store did not answer: nothing was done");
        assertThat(refused.path("error").toString()).contains("\"storeUnavailable\":\"true\"");
        assertThat(codex.received()).as("no turn ran").noneMatch(m -> "turn/start".equals(m.path("method").asText()));
        assertThat(ContextStore.postgres(pool, "replica-b", 10).context("alice", "ctx-1")).as("nothing of it written").isEmpty();

        cut.set(false);
        // the caller sends again as it was told, after retryAfterSeconds: the store is asked again by then (decision 0099)
        Thread.sleep(1000L * refused.path("error").path("data").path(0).path("metadata").path("retryAfterSeconds").asLong(2));
        JsonNode again = send("ctx-1", "first");

        assertThat(again.path("result").path("task").path("status").path("state").asText()).as("answered: %s", again)
                .isEqualTo("TASK_STATE_COMPLETED");
        String task = again.path("result").path("task").path("id").asText();
        assertThat(ContextStore.postgres(pool, "replica-b", 10).context("alice", "ctx-1").orElseThrow().taskIds())
                .as("only the task that ran is in the context's record").containsExactly(task);
    }

    /** The pool, whose connections fail writing a context while {@link #cut} is set, as a pool that timed out does. */
    private DataSource cutOnContextWrites(DataSource real) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (ds, m, args) -> {
            Object out = invoke(real, m, args);
            if (!(out instanceof Connection connection)) {
                return out;
            }
            return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, (conn, cm, cargs) -> {
                if (cut.get() && cm.getName().equals("prepareStatement") && String.valueOf(cargs[0]).contains("INSERT INTO codex_a2a_context")) {
                    throw new SQLTransientConnectionException("codex-bridge-a2a-contexts - Connection is not available, request timed out");
                }
                return invoke(connection, cm, cargs);
            });
        });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A blocking {@code SendMessage} into {@code contextId}: the whole JSON-RPC answer. */
    private JsonNode send(String contextId, String text) throws Exception {
        return A2aCall.send(URI.create(server.uri().toString()), ALICE, contextId, text);
    }
}
