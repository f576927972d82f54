package dev.codexbridge.store;

import static dev.codexbridge.store.StoreContract.TTL;
import static dev.codexbridge.store.StoreTamperContract.HANG_GUARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * What someone who can write the PostgreSQL store's rows does to them (issue 62): a file count
 * that is negative, a lineage total that understates the bytes. Each is refused as the disk store
 * refuses its files, with a {@link CorruptConversationException} or a
 * {@link ConversationTooLargeException} naming the conversation, never a raw
 * {@link IllegalArgumentException}; and the record format says which rows keep U+0000.
 */
@ExtendWith(PostgresServer.Extension.class)
class PostgresStoreTamperTest {
    private static String url;
    private final List<ConversationStore> opened = new ArrayList<>();

    @BeforeAll
    static void database(PostgresServer server) throws SQLException {
        url = server.newDatabase();
        PostgresConversationStore.builder().jdbcUrl(url).build().close();      // the tables
    }

    @BeforeEach
    void empty() throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("TRUNCATE codex_store_chunk, codex_store_rollout, codex_store_conversation, codex_store_lease");
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(ConversationStore::close);
    }

    private ConversationStore open(StoreLimits limits) {
        PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).maxPoolSize(2).limits(limits).build();
        opened.add(store);
        return store;
    }

    private String stored(ConversationStore host, StoredConversation conversation) {
        ConversationLease lease = host.lease(conversation.threadId(), "host-a", TTL);
        host.put(lease, conversation);
        host.release(lease);
        return conversation.threadId();
    }

    private static void update(String sql, Object... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            assertThat(s.executeUpdate()).isOne();
        }
    }

    private static void refused(Executable call, String id, String problem) {
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(call::execute).isInstanceOfSatisfying(CorruptConversationException.class, e -> {
            assertThat(e.threadId()).isEqualTo(id);
            assertThat(e.problem()).isEqualTo(problem);
        }));
    }

    @Test
    void aNegativeFileCountIsCorruptAndLeftOutOfTheList() throws SQLException {
        ConversationStore host = open(StoreLimits.DEFAULTS);
        String id = stored(host, Lineages.full(Lineages.newThreadId(), 5_000, 1));
        String other = stored(host, Lineages.full(Lineages.newThreadId(), 5_000, 2));

        update("UPDATE codex_store_conversation SET files = -1 WHERE thread_id = ?", id);

        refused(() -> host.get(id), id, "the record says it has -1 rollouts");
        assertThat(host.list(null, 10)).extracting(ConversationSummary::threadId).containsExactly(other);
    }

    /** Issue 73: a file count that is not the rows there are, above or below, is corrupt, and the list shows the others. */
    @Test
    void aFileCountThatIsNotTheRowsThereAreIsCorrupt() throws SQLException {
        ConversationStore host = open(StoreLimits.DEFAULTS);
        String above = stored(host, Lineages.full(Lineages.newThreadId(), 5_000, 1));
        String below = stored(host, Lineages.full(Lineages.newThreadId(), 5_000, 2));

        update("UPDATE codex_store_conversation SET files = 5 WHERE thread_id = ?", above);
        update("UPDATE codex_store_conversation SET files = 2 WHERE thread_id = ?", below);

        refused(() -> host.get(above), above, "the record has 3 of its 5 rollouts");
        refused(() -> host.get(below), below, "the record has 3 of its 2 rollouts");
    }

    @Test
    void anUnderstatedLineageTotalLetsNoLineagePastTheCap() throws SQLException {
        String id = Lineages.newThreadId();
        stored(open(StoreLimits.DEFAULTS), StoredConversation.builder(id,
                List.of(RolloutFile.of(Lineages.ownPath(id), Lineages.jsonl(256 << 10, 1)))).build());
        update("UPDATE codex_store_conversation SET lineage_bytes = 1000 WHERE thread_id = ?", id);

        ConversationStore capped = open(new StoreLimits(64 << 10, 8, 1 << 20));

        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> capped.get(id))
                .isInstanceOfSatisfying(ConversationTooLargeException.class, e -> {
                    assertThat(e.threadId()).isEqualTo(id);
                    assertThat(e.limit()).isEqualTo("lineage bytes");
                    assertThat(e.value()).isGreaterThanOrEqualTo(256 << 10);
                    assertThat(e.cap()).isEqualTo(64 << 10);
                }));
    }

    @Test
    void aLineageTotalThatIsNotTheRolloutsBytesIsCorrupt() throws SQLException {
        ConversationStore host = open(StoreLimits.DEFAULTS);
        String id = stored(host, Lineages.full(Lineages.newThreadId(), 5_000, 1));
        long actual = host.get(id).orElseThrow().lineageBytes();

        update("UPDATE codex_store_conversation SET lineage_bytes = lineage_bytes - 1 WHERE thread_id = ?", id);

        refused(() -> host.get(id), id, "the record says its rollouts have " + (actual - 1) + " bytes, they have " + actual);
    }

    @Test
    void aRecordKeepsItsTextAsItIsUnlessItHoldsU0000() throws SQLException {
        ConversationStore host = open(StoreLimits.DEFAULTS);
        String plain = stored(host, Lineages.small(Lineages.newThreadId(), 1).toBuilder().name("a \"name\"").build());
        String zero = stored(host, Lineages.small(Lineages.newThreadId(), 2).toBuilder().name("a\0b").goal("\"g\"").build());

        // format 1, as before, for what a library that reads only it can read; format 2 for the rest, which such a library refuses
        assertThat(row(plain)).isEqualTo("1|a \"name\"|null");
        assertThat(row(zero)).isEqualTo("2|\"a\\u0000b\"|\"\\\"g\\\"\"");
    }

    private static String row(String id) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement s = c.prepareStatement("SELECT format, name, goal FROM codex_store_conversation WHERE thread_id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getInt(1) + "|" + rs.getString(2) + "|" + rs.getString(3);
            }
        }
    }
}
