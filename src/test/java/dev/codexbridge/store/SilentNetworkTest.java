package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.support.FaultProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A database behind a silent network (a cut link: packets dropped, nothing refused, no end seen):
 * the store's small work — a lease's renewal here — on a pooled connection that went silent is
 * answered within the store's connection timeout, not the socket's timeout (60 s) meant for a
 * conversation's rollouts. The replicas' chaos run found calls of a replica cut from PostgreSQL
 * waiting 42 – 44 s, until the replica's SIGTERM closed them without an answer.
 */
@ExtendWith(PostgresServer.Extension.class)
class SilentNetworkTest {
    @Test
    void aRenewalOnASilentConnectionFailsWithinTheConnectionTimeout(PostgresServer server) throws Exception {
        String url = server.newDatabase();
        String database = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
        try (FaultProxy proxy = FaultProxy.tcp("127.0.0.1", Integer.parseInt(server.hostAndPort().split(":")[1]));
             PostgresConversationStore store = PostgresConversationStore.builder()
                     .jdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database + "?user=postgres")
                     .maxPoolSize(1).connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofMinutes(10)).build()) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = store.lease(thread, "replica-a", Duration.ofSeconds(30));

            // at once, before the pool would check the connection again (it does for one idle 0.5 s): the renewal goes out on it
            proxy.stall();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> store.renew(lease, Duration.ofSeconds(30))).isInstanceOf(ConversationStoreException.class);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            System.out.printf("a renewal on a silent connection failed after %d ms%n", took.toMillis());
            // the socket's timeout far past what a slow machine adds to the connection's 2 s: a wait for it cannot pass
            assertThat(took).as("the connection timeout, not the socket's 10 min").isLessThan(Duration.ofSeconds(60));
        }
    }
}
