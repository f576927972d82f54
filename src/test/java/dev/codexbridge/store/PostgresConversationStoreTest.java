package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
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
class PostgresConversationStoreTest implements StoreRoundTripContract, StoreIntegrityContract, StoreExclusivityContract {
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
        update("TRUNCATE codex_store_rollout, codex_store_conversation, codex_store_lease");
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
            public String childSpec() {
                return "pg:" + url;
            }
        };
    }

    private static int update(String sql, Object... args) throws SQLException {
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
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.next()).as("one row").isFalse();
            }
            s.execute("UPDATE codex_store_schema SET version = 2");
        }
        assertThatThrownBy(() -> PostgresConversationStore.builder().jdbcUrl(fresh).build())
                .isInstanceOf(ConversationStoreException.class)
                .hasMessageContaining("schema is version 2, newer than this library knows (1)");
    }

    @Test
    void aStoreIsGivenEitherAUrlOrADataSource() {
        assertThatThrownBy(() -> PostgresConversationStore.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PostgresConversationStore.builder().jdbcUrl("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1")
                .build()).isInstanceOf(RuntimeException.class);
    }
}
