package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.CodexException;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.store.spi.OutageGate;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The A2A context store and the conversation store on one database, behind one gate (the CLI's
 * {@code a2a --store jdbc:…}): once either found the database away, a call that goes on to the
 * other is refused at once, so a call that touches both waits one pool timeout in all, not one per
 * store — the chaos run's longest answers during an outage (9 – 15 s against a 6 s timeout) were
 * calls that waited on each store in turn.
 */
class OneOutageOneWaitTest {
    private static final Duration POOL_WAIT = Duration.ofSeconds(2);
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

    @Test
    void aCallThatMeetsTheOutageInOneStoreIsRefusedAtOnceByTheOther() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(2);
        PostgresConversationStore.applyTimeouts(config, POOL_WAIT);
        try (PostgresConversationStore conversations = PostgresConversationStore.builder().jdbcUrl(url).connectionTimeout(POOL_WAIT).build();
             HikariDataSource contextsPool = new HikariDataSource(config)) {
            OutageGate gate = conversations.outageGate().orElseThrow();
            ContextStore contexts = ContextStore.postgres(contextsPool, "replica-a", 100, gate);
            contexts.save(new StoredContext("ctx-1", "alice", "thread-1", List.of("task-1"), System.currentTimeMillis()));

            server.stop(PostgresServer.Shutdown.FAST);
            try {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> conversations.lease(UUID.randomUUID().toString(), "replica-a", Duration.ofSeconds(6)))
                        .isInstanceOf(ConversationStoreException.class);
                Duration first = Duration.ofNanos(System.nanoTime() - t0);

                t0 = System.nanoTime();
                assertThatThrownBy(() -> contexts.context("alice", "ctx-1")).isInstanceOf(CodexException.class)
                        .hasMessageContaining("did not try reading a context: the database has not answered");
                Duration second = Duration.ofNanos(System.nanoTime() - t0);

                System.out.printf("one outage, two stores: the first call waited %d ms, the other store's refused in %d ms%n",
                        first.toMillis(), second.toMillis());
                // its message says it was not tried; the time only tells a refusal from a hang, however slow the machine
                assertThat(second).as("the other store knows of the outage: no second wait").isLessThan(Duration.ofSeconds(60));
                assertThat(gate.down()).isTrue();
                assertThat(conversations.doorRecords(Duration.ofDays(1), 100).orElseThrow().unreachable())
                        .as("the door records know it too: a door keeps its writes for later rather than wait").isTrue();
            } finally {
                server.start();
            }
            // the gate asks the database itself each second while it is away (decision 0131): no call of a caller's waits for it
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (gate.down()) {
                assertThat(System.nanoTime() - end).as("the gate's own question answered once the database is back").isNegative();
                Thread.sleep(50);
            }
            assertThat(contexts.context("alice", "ctx-1")).as("back: answered")
                    .get().extracting(StoredContext::threadId).isEqualTo("thread-1");
            assertThat(conversations.doorRecords(Duration.ofDays(1), 100).orElseThrow().unreachable()).isFalse();
        }
    }
}
