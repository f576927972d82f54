package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.UncheckedPool;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shared context store across a restart of its database (a server of its own): what the
 * replicas chaos run answered "internal error" or turned into a task told failed and then "not
 * found" — a context read or saved on a pooled connection the restart ended — is run again on a
 * fresh connection and answered. {@link UncheckedPool} hands the ended connection out every time.
 */
class ContextStoreRestartTest {
    private static PostgresServer server;
    private static String url;

    @BeforeAll
    static void ownServer() throws Exception {
        server = PostgresServer.start(true);
        url = server.newDatabase();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @ParameterizedTest
    @EnumSource(PostgresServer.Shutdown.class)
    void contextsAreReadAndSavedRightAfterARestart(PostgresServer.Shutdown how) throws Exception {
        UncheckedPool pool = new UncheckedPool(url);
        try {
            PostgresContextStore store = (PostgresContextStore) ContextStore.postgres(pool, "replica-a", 100);
            String id = "ctx-" + how;
            String first = "task-1-" + how;
            String second = "task-2-" + how;
            store.save(new StoredContext(id, "alice", "thread-1", List.of(first), System.currentTimeMillis()));

            server.restart(how);
            assertThat(store.context("alice", id)).get().extracting(StoredContext::taskIds).isEqualTo(List.of(first));

            server.restart(how);
            // the save that a task's begin makes: recorded, so every replica finds the task afterwards
            store.save(new StoredContext(id, "alice", "thread-1", List.of(first, second), System.currentTimeMillis()));
            assertThat(store.contextOfTask(second)).get().extracting(StoredContext::contextId).isEqualTo(id);
        } finally {
            pool.close();
        }
    }
}
