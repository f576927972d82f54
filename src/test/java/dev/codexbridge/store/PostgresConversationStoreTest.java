package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.store.spi.Sha256;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The PostgreSQL store under the contract, on a real server started from Debian's binaries
 * ({@link PostgresServer}), and what only it has: its schema, created once and versioned.
 */
@ExtendWith(PostgresServer.Extension.class)
class PostgresConversationStoreTest implements StoreRoundTripContract, StoreIntegrityContract, StoreExclusivityContract, StoreTamperContract,
        StoreAppendContract, StoreSendsContract, StoreDoorRecordsContract {
    private static PostgresServer server;
    private static String url;
    private final List<ConversationStore> opened = new ArrayList<>();

    @BeforeAll
    static void database(PostgresServer shared) throws SQLException {
        server = shared;
        url = shared.newDatabase();
        PostgresConversationStore.builder().jdbcUrl(url).build().close();      // the tables
    }

    @BeforeEach
    void empty() throws SQLException {
        update("TRUNCATE codex_store_chunk, codex_store_rollout, codex_store_conversation, codex_store_lease, codex_store_send");
    }

    @AfterEach
    void closeStores() {
        opened.forEach(ConversationStore::close);
    }

    @Override
    public StoreUnderTest store() {
        return new StoreUnderTest() {
            @Override
            public ConversationStore open(StoreLimits limits, Clock clock) {
                PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(4).limits(limits).clock(clock).build();
                opened.add(store);
                return store;
            }

            @Override
            public void flipByte(String threadId, int file) throws SQLException {
                assertThat(update("UPDATE codex_store_rollout SET content = set_byte(content, octet_length(content) / 2, "
                        + "get_byte(content, octet_length(content) / 2) # 1) WHERE thread_id = ? AND position = ?", threadId, file)).isOne();
            }

            @Override
            public void truncate(String threadId, int file) throws SQLException {
                assertThat(update("UPDATE codex_store_rollout SET content = substring(content FROM 1 FOR octet_length(content) - 5) "
                        + "WHERE thread_id = ? AND position = ?", threadId, file)).isOne();
            }

            @Override
            public void removeRollout(String threadId, int file) throws SQLException {
                assertThat(update("DELETE FROM codex_store_rollout WHERE thread_id = ? AND position = ?", threadId, file)).isOne();
            }

            @Override
            public void setFormat(String threadId, int format) throws SQLException {
                assertThat(update("UPDATE codex_store_conversation SET format = ? WHERE thread_id = ?", format, threadId)).isOne();
            }

            @Override
            public void setRecordedSize(String threadId, int file, long size) throws SQLException {
                assertThat(update("UPDATE codex_store_rollout SET size = ? WHERE thread_id = ? AND position = ?", size, threadId, file)).isOne();
            }

            @Override
            public void replaceRollout(String threadId, int file, byte[] bytes) throws SQLException {
                assertThat(update("UPDATE codex_store_rollout SET content = ?, size = ?, sha256 = ? WHERE thread_id = ? AND position = ?",
                        bytes, (long) bytes.length, Sha256.hex(bytes), threadId, file)).isOne();
            }

            @Override
            public void setVersion(String threadId, long version) throws SQLException {
                assertThat(update("UPDATE codex_store_conversation SET version = ? WHERE thread_id = ?", version, threadId)).isOne();
            }

            @Override
            public String childSpec() {
                return "pg:" + url;
            }
        };
    }

    static int update(String sql, Object... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.executeUpdate();
        }
    }

    @Test
    void hostsOpeningANewDatabaseTogetherCreateTheSchemaOnceAndANewerSchemaIsRefused() throws Exception {
        String fresh = server.newDatabase();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<PostgresConversationStore>> opening = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                opening.add(threads.submit(() -> PostgresConversationStore.builder().jdbcUrl(fresh).maxPoolSize(1).build()));
            }
            for (Future<PostgresConversationStore> f : opening) {
                opened.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
        try (Connection c = DriverManager.getConnection(fresh); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT version FROM codex_store_schema")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(5);
                assertThat(rs.next()).as("one row").isFalse();
            }
            s.execute("UPDATE codex_store_schema SET version = 6");
        }
        assertThatThrownBy(() -> PostgresConversationStore.builder().jdbcUrl(fresh).build())
                .isInstanceOf(ConversationStoreException.class)
                .hasMessageContaining("schema is version 6, newer than this library knows (5)");
    }

    @Test
    void rolloutsStoredWithPglzStayReadableOnceTheStoreCompressesWithLz4() throws Exception {
        String earlier = server.newDatabase();
        String id = Lineages.newThreadId();
        StoredConversation before;
        try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(earlier).build()) {
            // the column as a store before lz4 left it, with a conversation in it
            execute(earlier, "ALTER TABLE codex_store_rollout ALTER COLUMN content SET COMPRESSION pglz");
            ConversationLease lease = store.lease(id, "host-a", java.time.Duration.ofMinutes(1));
            before = store.put(lease, Lineages.full(id, 50_000, 1));
            store.release(lease);
        }
        assertThat(query(earlier, "SELECT DISTINCT pg_column_compression(content) FROM codex_store_rollout")).isEqualTo("pglz");

        PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(earlier).build();
        opened.add(store);

        assertThat(query(earlier, "SELECT attcompression FROM pg_attribute WHERE attrelid = 'codex_store_rollout'::regclass "
                + "AND attname = 'content'")).isEqualTo("l");
        StoredConversation read = store.get(id).orElseThrow();
        assertThat(read).isEqualTo(before);
        for (int i = 0; i < read.lineage().size(); i++) {
            assertThat(read.lineage().get(i).bytes()).isEqualTo(before.lineage().get(i).bytes());
        }
        store.put(store.lease(id, "host-a", java.time.Duration.ofMinutes(1)),
                Lineages.full(id, 50_000, 2).toBuilder().version(before.version()).build());
        assertThat(query(earlier, "SELECT DISTINCT pg_column_compression(content) FROM codex_store_rollout")).isEqualTo("lz4");
    }

    @Test
    void aDatabaseOfSchemaOneIsMigratedItsRowsReadAndAppendedTo() throws Exception {
        String earlier = server.newDatabase();
        String id = Lineages.newThreadId();
        StoredConversation before;
        try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(earlier).build()) {
            ConversationLease lease = store.lease(id, "host-a", java.time.Duration.ofMinutes(1));
            before = store.put(lease, Lineages.full(id, 30_000, 1));
            store.release(lease);
        }
        // back to schema 1, its rows as a library of schema 1 writes them (a whole put writes the same rows)
        execute(earlier, "DROP TABLE codex_store_chunk");
        execute(earlier, "ALTER TABLE codex_store_rollout DROP CONSTRAINT codex_store_rollout_path");
        execute(earlier, "ALTER TABLE codex_store_lease DROP COLUMN hand_over_asked_at");
        execute(earlier, "DROP TABLE codex_store_send");
        execute(earlier, "DROP TABLE codex_store_door_record");
        execute(earlier, "UPDATE codex_store_schema SET version = 1");

        PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(earlier).build();
        opened.add(store);

        assertThat(query(earlier, "SELECT version FROM codex_store_schema")).isEqualTo("5");
        StoredConversation read = store.get(id).orElseThrow();
        assertThat(read).isEqualTo(before);
        String own = before.lineage().get(1).relativePath();
        byte[] bytes = before.lineage().get(1).bytes();
        byte[] tail = Lineages.jsonl(4_000, 7);
        ConversationLease lease = store.lease(id, "host-a", java.time.Duration.ofMinutes(1));
        store.putAppending(lease, StoreAppendContract.grown(read, own, bytes, tail), StoreAppendContract.appends(read, own, bytes, tail));
        assertThat(store.get(id).orElseThrow().lineage().get(1).bytes()).isEqualTo(StoreAppendContract.concat(bytes, tail));
        assertThat(query(earlier, "SELECT count(*) FROM codex_store_chunk")).isEqualTo("1");
        assertThat(query(earlier, "SELECT count(*) FROM codex_store_rollout WHERE octet_length(content) <> size"))
                .as("a library of schema 1 finds the appended rollout cut short: refused, never misread").isEqualTo("1");
    }

    private static void execute(String database, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(database); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String query(String database, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as("a row for %s", sql).isTrue();
            String value = rs.getString(1);
            assertThat(rs.next()).as("one row for %s", sql).isFalse();
            return value;
        }
    }

    /** What a door's /readyz asks: the store answers while its database does, and says so when it is gone. */
    @Test
    void aPingAnswersWhileTheDatabaseDoesAndFailsOnceItIsGone() throws Exception {
        String gone = server.newDatabase();
        String name = gone.substring(gone.lastIndexOf('/') + 1, gone.indexOf('?'));
        try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(gone).maxPoolSize(1)
                .connectionTimeout(java.time.Duration.ofMillis(500)).build()) {
            store.ping();
            assertThat(dev.codexbridge.callers.Readiness.of(store).now().ready()).isTrue();
            execute(url.substring(0, url.lastIndexOf('/') + 1) + "postgres?user=postgres", "DROP DATABASE " + name + " WITH (FORCE)");
            assertThatThrownBy(store::ping).isInstanceOf(ConversationStoreException.class);
            assertThat(dev.codexbridge.callers.Readiness.of(store).now())
                    .isEqualTo(new dev.codexbridge.callers.Readiness.Answer(false, "store: unavailable"));
        }
    }

    /**
     * A database that goes silent while a statement is on its way: the call fails with the store's
     * exception after the socket timeout, where before it waited on TCP with no end.
     */
    @Test
    void aStatementToADatabaseThatWentSilentFailsAfterTheSocketTimeout() throws Exception {
        java.net.URI at = java.net.URI.create(url.substring("jdbc:".length()));
        try (dev.codexbridge.support.FaultProxy proxy = dev.codexbridge.support.FaultProxy.tcp(at.getHost(), at.getPort());
             PostgresConversationStore store = PostgresConversationStore.builder()
                     .jdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + at.getPath() + "?" + at.getQuery()).maxPoolSize(1)
                     .socketTimeout(java.time.Duration.ofSeconds(2)).build()) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", java.time.Duration.ofMinutes(1));
            boolean timedOut = false;
            // a connection used within the last half second is lent without HikariCP's check, which would replace a
            // stalled one: tried again where the machine paused longer than that between the two calls
            for (int attempt = 0; attempt < 3 && !timedOut; attempt++) {
                ConversationLease held = store.renew(lease, java.time.Duration.ofMinutes(1));
                proxy.stall();
                long t0 = System.nanoTime();
                Throwable failure = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                        () -> org.assertj.core.api.Assertions.catchThrowable(() -> store.renew(held, java.time.Duration.ofMinutes(1))));
                long waitedMs = (System.nanoTime() - t0) / 1_000_000;
                if (failure != null) {
                    assertThat(failure).isInstanceOf(ConversationStoreException.class);
                    assertThat(waitedMs).as("waited for the socket timeout").isGreaterThanOrEqualTo(2000);
                    timedOut = true;
                }
                lease = held;
            }
            assertThat(timedOut).as("a statement on the silent connection failed").isTrue();
        }
    }

    @Test
    void aStoreIsGivenEitherAUrlOrADataSource() {
        assertThatThrownBy(() -> PostgresConversationStore.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PostgresConversationStore.builder().jdbcUrl("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1")
                .build()).isInstanceOf(RuntimeException.class);
    }

    /** Decision 0117 with 0113: a send's claim is bound to its holder's session, as a lease is, and lapses the moment it ends. */
    @Test
    void aSendsClaimLapsesTheMomentItsHoldersSessionEnds() {
        ConversationStore holder = store().open();
        SendRecords other = store().open().sendRecords(StoreSendsContract.WINDOW, 100).orElseThrow();
        SendKey key = new SendKey("openai", "alice", "key-of-a-host-that-dies");
        assertThat(holder.sendRecords(StoreSendsContract.WINDOW, 100).orElseThrow().claim(key, "fp", "host-a", Duration.ofMinutes(1)))
                .isInstanceOf(SendClaim.Claimed.class);
        assertThat(other.find(key)).hasValueSatisfying(r -> assertThat(r.lapsed()).isFalse());

        holder.close();     // its session with the database ends, as when its process dies

        assertThat(other.find(key)).hasValueSatisfying(r -> assertThat(r.lapsed()).as("a minute's hold, lapsed at once").isTrue());
    }
}
