package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.store.spi.JdbcTransactions;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A host stalled in the middle of one of the store's small transactions (a process stopped, a VM
 * paused) after it locked another host's lease row — asking for a hand-over does — holds that row
 * only for {@link JdbcTransactions#IDLE_IN_SMALL_TRANSACTION}: the server ends the idle
 * transaction, and the holder's renewal goes through instead of waiting out the stall (which the
 * replicas chaos run saw cost a live replica its own lease). The stalled host finds its session
 * ended when it goes on; its transaction is run again on a fresh connection.
 */
@ExtendWith(PostgresServer.Extension.class)
class StalledTransactionTest {
    /** Past the holder's own bound on a small statement (the connection timeout, 6 s): without the fix its renewal fails. */
    private static final Duration STALL = Duration.ofSeconds(8);

    @Test
    void aTransactionStalledOnAnotherHostsLeaseRowLetsItGoAndTheHoldersRenewalGoesThrough(PostgresServer postgres) throws Exception {
        String url = postgres.newDatabase();
        String thread = UUID.randomUUID().toString();
        try (PostgresConversationStore holder = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).build()) {
            ConversationLease lease = holder.lease(thread, "replica-b", Duration.ofSeconds(6));
            PGSimpleDataSource stalledHost = new PGSimpleDataSource();
            stalledHost.setUrl(url);
            CountDownLatch locked = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            CompletableFuture<Integer> stalled = CompletableFuture.supplyAsync(() -> {
                try {
                    return JdbcTransactions.inTransaction(stalledHost, Duration.ofSeconds(60), c -> {
                        try (PreparedStatement s = c.prepareStatement(
                                "UPDATE codex_store_lease SET hand_over_asked_at = now() WHERE thread_id = ?")) {
                            s.setString(1, thread);
                            s.executeUpdate();
                        }
                        if (runs.incrementAndGet() == 1) {
                            locked.countDown();
                            pause();                                // stopped between two statements, the row locked
                        }
                        try (PreparedStatement s = c.prepareStatement("SELECT 1")) {
                            s.execute();
                        }
                        return runs.get();
                    });
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            assertThat(locked.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(rowLocked(url, thread)).as("the stalled transaction holds the holder's lease row").isTrue();

            // the holder's renewal waits on that row only until the server ends the idle transaction, well within its own bound
            ConversationLease renewed = holder.renew(lease, Duration.ofSeconds(6));
            assertThat(renewed.threadId()).isEqualTo(thread);
            assertThat(stalled.isDone()).as("still stalled when the renewal went through").isFalse();

            assertThat(stalled.get(60, TimeUnit.SECONDS)).as("its session ended under it: run again on a fresh connection").isEqualTo(2);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(STALL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether another session holds a lock on the lease row of {@code thread} ({@code FOR UPDATE NOWAIT} is refused). */
    private static boolean rowLocked(String url, String thread) throws SQLException {
        try (var c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM codex_store_lease WHERE thread_id = ? FOR UPDATE NOWAIT")) {
                s.setString(1, thread);
                s.executeQuery().close();
                return false;
            } catch (SQLException e) {
                assertThat(e.getSQLState()).as("lock_not_available").isEqualTo("55P03");
                return true;
            } finally {
                c.rollback();
            }
        }
    }
}
