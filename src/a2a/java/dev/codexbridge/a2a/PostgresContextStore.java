package dev.codexbridge.a2a;

import dev.codexbridge.store.spi.DatabaseSession;
import dev.codexbridge.store.spi.OutageGate;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Contexts, tasks and push configs in PostgreSQL, shared by every replica of one agent
 * ({@link ContextStore#postgres}; docs/a2a.md, "Replicas"; decision 0071). Plain JDBC over the
 * host's {@link DataSource} (a pool: the store asks it for a connection per call and never closes
 * it): the driver is the host's. The tables are created and migrated when the store opens
 * ({@code PostgresContextSchema}). A context is one row, keyed by its principal and id (decision
 * 0102), each of its newest {@link StoredContext#MAX_TASKS} tasks one row that the replica running
 * it keeps up to date ({@link TaskBoard}); past {@code maxContexts} the least recently changed
 * context is forgotten with its tasks.
 */
final class PostgresContextStore implements ContextStore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PostgresContextStore.class);
    private final Sql sql;
    private final int maxContexts;
    private final PostgresTaskBoard board;

    private PostgresContextStore(Sql sql, String replica, int maxContexts, @Nullable DatabaseSession session) {
        this.sql = sql;
        this.maxContexts = maxContexts;
        this.board = new PostgresTaskBoard(sql, replica, session);
    }

    static PostgresContextStore open(DataSource dataSource, String replica, int maxContexts, OutageGate gate) {
        return open(dataSource, replica, maxContexts, gate, null);
    }

    static PostgresContextStore open(DataSource dataSource, String replica, int maxContexts, OutageGate gate,
                                     @Nullable DatabaseSession session) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(gate, "gate");
        if (replica == null || replica.isBlank() || replica.length() > 200) {
            throw new IllegalArgumentException("the replica's name says which server runs a task: 1..200 characters, not blank");
        }
        if (maxContexts < 1) {
            throw new IllegalArgumentException("maxContexts must be >= 1, not " + maxContexts);
        }
        Sql sql = new Sql(dataSource, gate);
        PostgresContextSchema.migrate(sql);
        PostgresContextStore store = new PostgresContextStore(sql, replica, maxContexts, session);
        int clear = store.board.dropClearPush();
        if (clear > 0) {
            LOG.warn("removed {} push configs an earlier release kept in clear text in the A2A context store: their callers set them "
                    + "again to hear from their tasks (push configs are sealed now, docs/a2a.md)", clear);
        }
        return store;
    }

    /** The records the replicas share: what the server runs with this store. */
    TaskBoard board() {
        return board;
    }

    @Override
    public Optional<StoredContext> context(String principal, String contextId) {
        return sql.transaction("reading a context", c -> read(c, "principal = ? AND context_id = ?", principal, contextId));
    }

    @Override
    public Optional<StoredContext> contextOfTask(String taskId) {
        return sql.transaction("reading a task's context", c -> read(c,
                "(principal, context_id) = (SELECT principal, context_id FROM codex_a2a_task WHERE task_id = ?)", taskId));
    }

    @Override
    public Optional<String> taskOfMessage(String principal, String messageId) {
        return sql.query("reading a message's task", "SELECT task_id FROM codex_a2a_task WHERE principal = ? AND message_id = ?",
                rs -> rs.getString(1), principal, messageId).stream().findFirst();
    }

    /** Whether {@code e} is the database refusing a task of a message another task of the principal's was made of. */
    private static boolean sentBefore(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // the one unique index a save can break: the context's and the task's own keys are upserts
            if (t instanceof SQLException q && "23505".equals(q.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A save refused because the context's new task is of a message another task of the same
     * principal's was made of: two replicas took the message sent twice at once, and the other saved
     * first. Nothing was saved; the caller answers with that task ({@link #taskOfMessage}).
     */
    static final class SentBefore extends dev.codexbridge.CodexException {
        private static final long serialVersionUID = 1L;

        SentBefore(String principal) {
            super("a task of this message of " + principal + "'s was saved first by another replica");
        }
    }

    @Override
    public Optional<String> ownerOfThread(String threadId) {
        return sql.query("reading a thread's owner", "SELECT principal FROM codex_a2a_context WHERE thread_id = ? LIMIT 1",
                rs -> rs.getString(1), threadId).stream().findFirst();
    }

    /**
     * Keeps the context and its task ids: a task id not recorded yet becomes a {@code submitted}
     * task of this replica's. Another principal's context of the same id is another row, never
     * touched. One statement, so one round trip before a task's turn starts; forgetting old tasks
     * and contexts follows only when there are some to forget.
     */
    @Override
    public void save(StoredContext context) {
        // the tasks are inserted with the context's row, in the list's order, so the newest task is the last recorded
        List<String> messages = context.taskIds().stream().map(t -> context.messageIds().get(t)).toList();
        List<Boolean> inserted;
        try {
            inserted = sql.query("saving a context", """
                WITH ctx AS (
                  INSERT INTO codex_a2a_context (context_id, principal, thread_id, updated_at) VALUES (?, ?, ?, now())
                  ON CONFLICT (principal, context_id) DO UPDATE SET thread_id = excluded.thread_id, updated_at = now()
                  RETURNING (xmax = 0) AS inserted),
                tasks AS (
                  INSERT INTO codex_a2a_task (task_id, context_id, principal, state, replica, updated_at, message_id)
                  SELECT t, ?, ?, 'submitted', ?, now(), m FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS u (t, m, n), ctx ORDER BY n
                  ON CONFLICT (task_id) DO NOTHING)
                SELECT inserted FROM ctx""", rs -> rs.getBoolean(1), context.contextId(), context.principal(), context.threadId(),
                context.contextId(), context.principal(), board.replica(), context.taskIds(), messages);
        } catch (RuntimeException e) {
            if (sentBefore(e)) {
                // another replica made a task of the same message first (their saves raced): nothing of this one was saved
                throw new SentBefore(context.principal());
            }
            throw e;
        }
        if (context.taskIds().size() >= StoredContext.MAX_TASKS) {
            // the context's newest tasks stay; older ones are forgotten, as the other stores forget their ids
            sql.update("forgetting a context's old tasks", """
                    DELETE FROM codex_a2a_task WHERE principal = ? AND context_id = ? AND seq < (SELECT seq FROM codex_a2a_task
                    WHERE principal = ? AND context_id = ? ORDER BY seq DESC OFFSET ? LIMIT 1)""", context.principal(), context.contextId(),
                    context.principal(), context.contextId(), StoredContext.MAX_TASKS - 1);
        }
        // a save run twice (its connection ended after the database ran it) sees its row as updated the second time: the
        // oldest contexts are then forgotten at the next new one
        if (!inserted.isEmpty() && inserted.get(0)) {
            sql.update("forgetting the oldest contexts", """
                    DELETE FROM codex_a2a_context WHERE (principal, context_id) IN (SELECT principal, context_id FROM codex_a2a_context
                    ORDER BY updated_at DESC, context_id, principal OFFSET ?)""", maxContexts);
        }
    }

    /** {@link ContextStore#replaceThread}: one conditional update, so of two replicas replacing the same thread one wins. */
    @Override
    public StoredContext replaceThread(StoredContext was, String threadId) {
        return sql.transaction("putting a context on a fresh thread", c -> {
            Sql.update(c, "UPDATE codex_a2a_context SET thread_id = ?, updated_at = now() WHERE context_id = ? AND principal = ? AND thread_id = ?",
                    threadId, was.contextId(), was.principal(), was.threadId());
            return read(c, "principal = ? AND context_id = ?", was.principal(), was.contextId())
                    .orElseThrow(() -> new IllegalStateException("context " + was.contextId() + " was forgotten"));
        });
    }

    private static Optional<StoredContext> read(Connection c, String where, String... key) throws SQLException {
        List<StoredContext> found = Sql.query(c, "SELECT context_id, principal, thread_id, updated_at FROM codex_a2a_context WHERE " + where,
                rs -> new StoredContext(rs.getString(1), rs.getString(2), rs.getString(3), List.of(),
                        rs.getTimestamp(4).getTime()), (Object[]) key);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        StoredContext s = found.get(0);
        Map<String, String> messages = new HashMap<>();
        List<String> tasks = new ArrayList<>(Sql.query(c, """
                SELECT task_id, message_id FROM codex_a2a_task WHERE principal = ? AND context_id = ? ORDER BY seq DESC LIMIT ?""",
                rs -> {
                    if (rs.getString(2) != null) {
                        messages.put(rs.getString(1), rs.getString(2));
                    }
                    return rs.getString(1);
                }, s.principal(), s.contextId(), StoredContext.MAX_TASKS));
        Collections.reverse(tasks);
        return Optional.of(new StoredContext(s.contextId(), s.principal(), s.threadId(), tasks, s.updatedMs(), messages));
    }
}
