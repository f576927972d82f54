package dev.codexbridge.store.postgresql;

import dev.codexbridge.store.ConversationStoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * The store's tables, created and migrated by the store itself when it opens: a one-row table
 * holds the schema's version, and each step up to {@link #LATEST} runs once, in one transaction,
 * under an advisory lock so that hosts starting together do not race. A database whose schema is
 * newer than this library knows is refused (an older library must not write a newer layout).
 *
 * <ul>
 *   <li>{@code codex_store_conversation}: one row per conversation — version, record format,
 *       owner, name, goal, settings, last completed turn, file count, lineage bytes, when stored;</li>
 *   <li>{@code codex_store_rollout}: one row per rollout file, in lineage order — path, size,
 *       SHA-256 and the bytes (compressed by PostgreSQL as it stores large values);</li>
 *   <li>{@code codex_store_lease}: one row per leased conversation — holder, token, expiry;</li>
 *   <li>{@code codex_store_chunk} (schema 2): the bytes appended to a rollout, a row per put that
 *       appended them, in order after the rollout row's own ({@link PostgresChunks}).</li>
 *   <li>{@code codex_store_lease.hand_over_asked_at} (schema 3): when another host last asked for
 *       the conversation ({@link PostgresLeases}).</li>
 *   <li>{@code codex_store_send} (schema 4): a request a caller sent with an idempotency key, who
 *       holds it while it runs, and its answer ({@link PostgresSendRecords}).</li>
 *   <li>{@code codex_store_door_record} (schema 5): a door's small record under its kind and key
 *       ({@link PostgresDoorRecords}).</li>
 * </ul>
 *
 * <p>A library of schema 1 refuses a database of schema 2 when it opens; one already running
 * reads a rollout with chunks as cut short (its row has fewer bytes than its size) and refuses it,
 * never returns it, and its whole puts delete the chunks with their rollout rows. A library of
 * schema 2 already running when a newer host moves the database to schema 3 goes on as before: it
 * never reads the new column, so it never hands a conversation over on request, and a lease it
 * takes keeps an ask made of the host before for at most {@code HAND_OVER_ASK_FRESH}. A library of
 * schema 3 refuses a database of schema 4 when it opens; one already running never reads the new
 * table, and keeps its doors' send records in memory as before. A library of schema 4 refuses a
 * database of schema 5 when it opens; one already running never reads the new table, and keeps its
 * doors' records (the OpenAI door's responses) in memory as before.
 */
final class PostgresSchema {
    /** The schema version this library writes. */
    static final int LATEST = 5;
    /** The advisory lock that serializes migrations: any constant no other code of the database uses. */
    private static final long MIGRATION_LOCK = 0x636f646578L;      // "codex"

    /** The steps: entry i brings the schema from version i to i + 1. */
    private static final List<List<String>> STEPS = List.of(List.of(
            """
            CREATE TABLE codex_store_conversation (
              thread_id text COLLATE "C" PRIMARY KEY,
              version bigint NOT NULL CHECK (version > 0),
              format integer NOT NULL,
              owner_principal text,
              owner_tenant text,
              name text,
              goal text,
              settings text,
              last_completed_turn_id text,
              files integer NOT NULL,
              lineage_bytes bigint NOT NULL,
              stored_at timestamptz NOT NULL)""",
            """
            CREATE TABLE codex_store_rollout (
              thread_id text COLLATE "C" NOT NULL REFERENCES codex_store_conversation (thread_id) ON DELETE CASCADE,
              position integer NOT NULL,
              relative_path text NOT NULL,
              size bigint NOT NULL,
              sha256 text NOT NULL,
              content bytea NOT NULL,
              PRIMARY KEY (thread_id, position))""",
            """
            CREATE TABLE codex_store_lease (
              thread_id text COLLATE "C" PRIMARY KEY,
              holder text NOT NULL,
              token text NOT NULL,
              expires_at timestamptz NOT NULL)"""),
            // 2: rollouts appended to, a row per tail (PostgresChunks); a rollout's chunks go with its row
            List.of("ALTER TABLE codex_store_rollout ADD CONSTRAINT codex_store_rollout_path UNIQUE (thread_id, relative_path)",
                    """
                    CREATE TABLE codex_store_chunk (
                      thread_id text COLLATE "C" NOT NULL,
                      relative_path text NOT NULL,
                      seq integer NOT NULL CHECK (seq > 0),
                      content bytea NOT NULL,
                      PRIMARY KEY (thread_id, relative_path, seq),
                      FOREIGN KEY (thread_id, relative_path) REFERENCES codex_store_rollout (thread_id, relative_path) ON DELETE CASCADE)"""),
            // 3: another host's ask for a leased conversation (ConversationStore.askHandOver)
            List.of("ALTER TABLE codex_store_lease ADD COLUMN hand_over_asked_at timestamptz"),
            // 4: the requests callers sent with an idempotency key, and their answers (ConversationStore.sendRecords)
            List.of("""
                    CREATE TABLE codex_store_send (
                      send_key text COLLATE "C" PRIMARY KEY,
                      parts text NOT NULL,
                      fingerprint text NOT NULL,
                      holder text NOT NULL,
                      token text NOT NULL,
                      created_at timestamptz NOT NULL,
                      held_until timestamptz NOT NULL,
                      outcome text)""",
                    "CREATE INDEX codex_store_send_created ON codex_store_send (created_at)"),
            // 5: the doors' small records (ConversationStore.doorRecords)
            List.of("""
                    CREATE TABLE codex_store_door_record (
                      kind text COLLATE "C" NOT NULL,
                      record_key text COLLATE "C" NOT NULL,
                      value bytea NOT NULL,
                      written_at timestamptz NOT NULL,
                      PRIMARY KEY (kind, record_key))""",
                    "CREATE INDEX codex_store_door_record_written ON codex_store_door_record (written_at)"));

    private PostgresSchema() {
    }

    /** Brings the database's schema to {@link #LATEST}; returns the version it found. */
    static int migrate(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                s.execute("CREATE TABLE IF NOT EXISTS codex_store_schema (version integer NOT NULL)");
                int found;
                try (ResultSet rs = s.executeQuery("SELECT version FROM codex_store_schema")) {
                    found = rs.next() ? rs.getInt(1) : -1;
                }
                if (found < 0) {
                    s.execute("INSERT INTO codex_store_schema (version) VALUES (0)");
                    found = 0;
                }
                if (found > LATEST) {
                    throw new ConversationStoreException(null, "the database's conversation store schema is version " + found
                            + ", newer than this library knows (" + LATEST + "): use a codex-bridge-store-postgresql as new as the one that wrote it",
                            null);
                }
                for (int v = found; v < LATEST; v++) {
                    for (String statement : STEPS.get(v)) {
                        s.execute(statement);
                    }
                }
                s.execute("UPDATE codex_store_schema SET version = " + LATEST);
                compressRolloutsWithLz4(c, s);
                c.commit();
                return found;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);      // the migration's own failure says why
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new ConversationStoreException(null, "cannot create or migrate the conversation store's tables: " + e.getMessage(), e);
        }
    }

    /**
     * Rollouts are compressed with lz4 where the server has it (PostgreSQL 14 and later built with
     * it, as Debian's is): a put of a 282 KiB rollout takes a third of the time pglz, the default,
     * takes to compress it, and stores fewer bytes (docs/performance.md). Not a change of layout:
     * values stored before stay as they are, and PostgreSQL reads either for every library version.
     * A server without lz4 keeps pglz.
     */
    private static void compressRolloutsWithLz4(Connection c, Statement s) throws SQLException {
        if (c.getMetaData().getDatabaseMajorVersion() < 14) {
            return;
        }
        for (String table : List.of("codex_store_rollout", "codex_store_chunk")) {
            try (ResultSet rs = s.executeQuery("SELECT attcompression FROM pg_attribute "
                    + "WHERE attrelid = '" + table + "'::regclass AND attname = 'content'")) {
                if (rs.next() && "l".equals(rs.getString(1))) {
                    continue;
                }
            }
            Savepoint before = c.setSavepoint();
            try {
                s.execute("ALTER TABLE " + table + " ALTER COLUMN content SET COMPRESSION lz4");
                c.releaseSavepoint(before);
            } catch (SQLException e) {
                // 0A000: "compression method lz4 not supported" (built without it): pglz it stays
                if (!"0A000".equals(e.getSQLState())) {
                    throw e;
                }
                c.rollback(before);
                return;
            }
        }
    }
}
