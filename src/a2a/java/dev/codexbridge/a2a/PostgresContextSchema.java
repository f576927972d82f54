package dev.codexbridge.a2a;

import dev.codexbridge.CodexException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

/**
 * The shared context store's tables, created and migrated by the store when it opens, the way the
 * conversation store does its own: a one-row table holds the schema's version, each step up to
 * {@link #LATEST} runs once, in one transaction, under an advisory lock so replicas starting
 * together do not race; a schema newer than this library knows is refused.
 *
 * <ul>
 *   <li>{@code codex_a2a_context}: a context, keyed by its principal and id (each principal's ids
 *       its own since version 2, decision 0102), its codex thread, when it last changed, and when
 *       another replica last asked for its conversation (a hand-off);</li>
 *   <li>{@code codex_a2a_task}: a task's context, owner, state, the task as A2A JSON at its
 *       latest revision, the replica running it, what callers asked of it elsewhere (a cancel,
 *       an answer to its request), and the {@code messageId} of the message it was made of, unique
 *       per principal (since version 3), so a message sent again finds its task;</li>
 *   <li>{@code codex_a2a_push}: push configs, per task, each sealed with the operator's key (decision 0104);</li>
 *   <li>{@code codex_a2a_replica}: when each running replica was last seen, and (since version 4) the
 *       conversation store's session with the database its leases end with (decision 0138).</li>
 * </ul>
 */
final class PostgresContextSchema {
    static final int LATEST = 4;
    /** The advisory lock that serializes migrations ("a2a-ctx"); the conversation store's is another. */
    private static final long MIGRATION_LOCK = 0x6132612d637478L;

    private static final List<List<String>> STEPS = List.of(List.of(
            """
            CREATE TABLE codex_a2a_context (
              context_id text COLLATE "C" PRIMARY KEY,
              principal text NOT NULL,
              thread_id text NOT NULL,
              updated_at timestamptz NOT NULL,
              handoff_asked_at timestamptz)""",
            "CREATE INDEX codex_a2a_context_thread ON codex_a2a_context (thread_id)",
            "CREATE INDEX codex_a2a_context_updated ON codex_a2a_context (updated_at)",
            """
            CREATE TABLE codex_a2a_task (
              task_id text COLLATE "C" PRIMARY KEY,
              context_id text COLLATE "C" NOT NULL REFERENCES codex_a2a_context (context_id) ON DELETE CASCADE,
              principal text NOT NULL,
              seq bigint GENERATED ALWAYS AS IDENTITY,
              state text NOT NULL,
              revision bigint NOT NULL DEFAULT 0,
              task text,
              replica text NOT NULL,
              updated_at timestamptz NOT NULL,
              cancel_asked boolean NOT NULL DEFAULT false,
              answer text)""",
            "CREATE INDEX codex_a2a_task_principal ON codex_a2a_task (principal, seq)",
            "CREATE INDEX codex_a2a_task_context ON codex_a2a_task (context_id, seq)",
            """
            CREATE TABLE codex_a2a_push (
              task_id text COLLATE "C" NOT NULL REFERENCES codex_a2a_task (task_id) ON DELETE CASCADE,
              config_id text NOT NULL,
              seq bigint GENERATED ALWAYS AS IDENTITY,
              config text NOT NULL,
              PRIMARY KEY (task_id, config_id))""",
            """
            CREATE TABLE codex_a2a_replica (
              replica text PRIMARY KEY,
              seen_at timestamptz NOT NULL)"""),
            // 2: a context is its principal's and its id's (decision 0102). Every row stays and its owner finds it as before; a task
            // always had its context's principal (the two were saved together), and one that had not was out of its owner's reach
            List.of(
            """
            DELETE FROM codex_a2a_task t USING codex_a2a_context c
            WHERE t.context_id = c.context_id AND t.principal <> c.principal""",
            "ALTER TABLE codex_a2a_task DROP CONSTRAINT codex_a2a_task_context_id_fkey",
            "ALTER TABLE codex_a2a_context DROP CONSTRAINT codex_a2a_context_pkey",
            "ALTER TABLE codex_a2a_context ADD PRIMARY KEY (principal, context_id)",
            """
            ALTER TABLE codex_a2a_task ADD FOREIGN KEY (principal, context_id)
              REFERENCES codex_a2a_context (principal, context_id) ON DELETE CASCADE""",
            "DROP INDEX codex_a2a_task_context",
            "CREATE INDEX codex_a2a_task_context ON codex_a2a_task (context_id, principal, seq)"),
            // 3: the caller's message id each task was made of, one task per message of a principal's (decision 0117); tasks from
            // before have none, and a message of theirs sent again runs again, as it did
            List.of(
            "ALTER TABLE codex_a2a_task ADD COLUMN message_id text COLLATE \"C\"",
            "CREATE UNIQUE INDEX codex_a2a_task_message ON codex_a2a_task (principal, message_id) WHERE message_id IS NOT NULL"),
            // 4: the conversation store's session each replica's leases end with (decision 0138): a replica whose session ended is
            // dead at once; rows from before name none, and their replicas are alive by their heartbeat alone, as they were
            List.of("ALTER TABLE codex_a2a_replica ADD COLUMN session text"));

    private PostgresContextSchema() {
    }

    /** Brings the database's schema to {@link #LATEST}; returns the version it found. */
    static int migrate(Sql sql) {
        return migrate(sql, LATEST);
    }

    /** Brings the database's schema to version {@code to} (a test's older database); returns the version it found. */
    static int migrate(Sql sql, int to) {
        return sql.transaction("creating or migrating its tables", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                s.execute("CREATE TABLE IF NOT EXISTS codex_a2a_schema (version integer NOT NULL)");
                int found;
                try (ResultSet rs = s.executeQuery("SELECT version FROM codex_a2a_schema")) {
                    found = rs.next() ? rs.getInt(1) : -1;
                }
                if (found < 0) {
                    s.execute("INSERT INTO codex_a2a_schema (version) VALUES (0)");
                    found = 0;
                }
                if (found > LATEST) {
                    throw new CodexException("the database's A2A context store schema is version " + found + ", newer than this library knows ("
                            + LATEST + "): use a codex-bridge-a2a as new as the one that wrote it");
                }
                for (int v = found; v < to; v++) {
                    for (String statement : STEPS.get(v)) {
                        s.execute(statement);
                    }
                }
                s.execute("UPDATE codex_a2a_schema SET version = " + Math.max(found, to));
                return found;
            }
        });
    }
}
