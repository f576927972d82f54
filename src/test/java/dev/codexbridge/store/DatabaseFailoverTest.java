package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL store across a failover to a synchronous standby, as docs/deploy's runbook
 * advises setting one up: the store's URL names both servers with {@code targetServerType=primary}
 * (pgjdbc's multi-host URL), the primary crashes (stopped immediate) and the standby is promoted.
 * Every version the store acknowledged before the crash is on the promoted standby, the holder's
 * lease with it, and the store goes on writing there without being rebuilt.
 */
class DatabaseFailoverTest {
    @Test
    void aPromotedSynchronousStandbyHasEveryAcknowledgedVersionAndTakesTheNextPut() throws Exception {
        try (PostgresServer primary = PostgresServer.start(true, List.of(), "127.0.0.1",
                List.of("host replication postgres 127.0.0.1/32 trust"))) {
            String database = primary.newDatabase();
            String name = database.substring(database.lastIndexOf('/') + 1, database.indexOf('?'));
            try (PostgresServer standby = primary.standby(List.of(), "127.0.0.1", "standby", true)) {
                String both = "jdbc:postgresql://" + primary.hostAndPort() + "," + standby.hostAndPort() + "/" + name
                        + "?user=postgres&targetServerType=primary";
                try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(both)
                        .connectionTimeout(Duration.ofSeconds(6)).build()) {
                    String thread = Lineages.newThreadId();
                    ConversationLease lease = store.lease(thread, "replica-a", Duration.ofSeconds(60));
                    StoredConversation acknowledged = store.put(lease, Lineages.small(thread, 1));
                    for (int turn = 2; turn <= 20; turn++) {
                        acknowledged = store.put(lease, Lineages.small(thread, turn).toBuilder().version(acknowledged.version()).build());
                    }

                    primary.stop(PostgresServer.Shutdown.IMMEDIATE);
                    standby.promote(List.of());

                    StoredConversation read = await(() -> store.get(thread).orElseThrow());
                    assertThat(read.version()).as("every acknowledged version reached the standby").isEqualTo(acknowledged.version());
                    assertThat(read).isEqualTo(acknowledged);
                    ConversationLease renewed = store.renew(lease, Duration.ofSeconds(60));
                    StoredConversation after = store.put(renewed, Lineages.small(thread, 21).toBuilder().version(read.version()).build());
                    assertThat(after.version()).isEqualTo(read.version() + 1);
                    assertThat(store.get(thread)).get().extracting(StoredConversation::version).isEqualTo(after.version());
                }
            }
        }
    }

    /**
     * The first calls after the crash may meet a pooled connection to the old primary, or the gate a
     * call that met the crash closed (it opens at its own question's first answer): tried again for a few seconds.
     */
    private static <T> T await(java.util.function.Supplier<T> call) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return call.get();
            } catch (ConversationStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }
}
