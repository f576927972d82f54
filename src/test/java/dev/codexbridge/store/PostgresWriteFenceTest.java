package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.store.spi.WriteFence;
import dev.codexbridge.support.FaultProxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The PostgreSQL store under a caller's {@link WriteFence}: a put that waits for a connection
 * while the database is away can be given up, and then, connected, sends nothing; a put that
 * reached the database cannot be (its outcome is the one to wait for). A turn's store whose lease
 * ran out under it is answered "not kept" at once in the first case, after its put's outcome in
 * the second.
 */
@ExtendWith(PostgresServer.Extension.class)
class PostgresWriteFenceTest {
    @Test
    void aPutWaitingForAConnectionIsGivenUpAndOnceConnectedWritesNothing(PostgresServer server) throws Exception {
        String url = server.newDatabase();
        String database = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
        try (FaultProxy proxy = FaultProxy.tcp("127.0.0.1", Integer.parseInt(server.hostAndPort().split(":")[1]));
             PostgresConversationStore store = PostgresConversationStore.builder()
                     .jdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database + "?user=postgres")
                     .maxPoolSize(1).connectionTimeout(Duration.ofSeconds(30)).build()) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = store.lease(thread, "replica-a", Duration.ofMinutes(2));

            proxy.drop(Duration.ofMinutes(5));      // the database away: open connections end, new ones are refused
            WriteFence fence = new WriteFence();
            CompletableFuture<StoredConversation> put = CompletableFuture.supplyAsync(() -> {
                AtomicReference<StoredConversation> stored = new AtomicReference<>();
                fence.during(() -> stored.set(store.put(lease, Lineages.small(thread, 1))));
                return stored.get();
            });
            await().atMost(Duration.ofSeconds(30)).until(fence::abandon);
            Throwable failure = null;
            try {
                put.get(20, TimeUnit.SECONDS);      // well within the pool's own wait (30 s): woken by the fence
            } catch (ExecutionException e) {
                failure = e.getCause();
            }
            assertThat(failure).as("given up, it sent nothing").isInstanceOf(WriteFence.WriteAbandonedException.class);

            proxy.restore();
            // the store goes on as before: the thread it woke is not left interrupted, and its outage gate was not misled
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> store.get(thread).isEmpty());
            assertThat(store.get(thread)).as("nothing written").isEmpty();
            // the drop ended the store's session, and the leases granted under it (decision 0113): leased again
            StoredConversation later = store.put(store.lease(thread, "replica-a", Duration.ofMinutes(2)), Lineages.small(thread, 1));
            assertThat(later.version()).isEqualTo(1);
        }
    }

    @Test
    void aPutThatReachedTheDatabaseIsNotGivenUp(PostgresServer server) throws Exception {
        try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(server.newDatabase()).build()) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = store.lease(thread, "replica-a", Duration.ofMinutes(2));
            WriteFence fence = new WriteFence();
            fence.during(() -> store.put(lease, Lineages.small(thread, 1)));
            assertThat(fence.abandon()).as("its write was sent: its outcome stands").isFalse();
            assertThat(store.get(thread)).isPresent();

            WriteFence unknown = new WriteFence();
            assertThat(unknown.abandon()).as("a store that never says is waited for").isFalse();
        }
    }
}
