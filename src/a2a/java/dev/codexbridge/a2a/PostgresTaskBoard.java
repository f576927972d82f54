package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.store.spi.DatabaseSession;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TaskBoard} on the shared context store's tables. A replica is alive while its row in
 * {@code codex_a2a_replica} is younger than {@link #ALIVE}, measured on the database's clock, so
 * the replicas' clocks need not agree, and while the conversation store's session its row names
 * has not ended (decision 0138): a replica whose process died, or whose session the database ended,
 * is dead the moment its conversations' leases are free, not 5 s later. A hand-off asked for is good for {@link #HANDOFF_GOOD};
 * cancels and answers stay until the running replica takes them.
 */
final class PostgresTaskBoard implements TaskBoard {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresTaskBoard.class);
    /**
     * How long since its last heartbeat a replica counts as alive: two and a half of its beats
     * ({@code SharedTasks}). Within a door's lease (6 s), so a dead replica's task is settled as its
     * conversation comes free (decision 0076); one wrongly thought dead still holds its lease.
     */
    static final String ALIVE = "interval '5 seconds'";
    static final String HANDOFF_GOOD = "interval '30 seconds'";
    private static final String RECORD = """
            SELECT t.task_id, t.context_id, t.principal, t.state, t.revision, t.task, t.replica,
              coalesce(r.seen_at > now() - %s AND NOT %s, false), t.updated_at
            FROM codex_a2a_task t LEFT JOIN codex_a2a_replica r ON r.replica = t.replica WHERE\s"""
            .formatted(ALIVE, DatabaseSession.endedSql("r.session"));

    private final Sql sql;
    private final String replica;
    /** The conversation store's session this replica's leases end with; its mark goes with each heartbeat. */
    private final @Nullable DatabaseSession session;
    private final AtomicBoolean firstBeat = new AtomicBoolean(true);
    /** The session's mark the last heartbeat wrote: another one now is a heartbeat due at once. */
    private volatile @Nullable String beatMark;

    PostgresTaskBoard(Sql sql, String name, @Nullable DatabaseSession session) {
        this.sql = sql;
        this.session = session;
        // a boot of its own: a replica started again under its name does not run what the last one left
        this.replica = name + "#" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public String replica() {
        return replica;
    }

    @Override
    public Optional<TaskRecord> task(String taskId) {
        return sql.query("reading a task", RECORD + "t.task_id = ?", PostgresTaskBoard::record, taskId).stream().findFirst();
    }

    @Override
    public List<TaskRecord> tasks(Collection<String> taskIds) {
        return taskIds.isEmpty() ? List.of() : sql.query("reading tasks", RECORD + "t.task_id = ANY(?)", PostgresTaskBoard::record, taskIds);
    }

    @Override
    public List<TaskRecord> tasks(String principal, int newest) {
        return sql.query("listing tasks", RECORD + "t.principal = ? ORDER BY t.seq DESC LIMIT ?", PostgresTaskBoard::record, principal, newest);
    }

    @Override
    public Optional<TaskRecord> latest(String principal, String contextId) {
        return sql.query("reading a context's newest task", RECORD + "t.context_id = ? AND t.principal = ? ORDER BY t.seq DESC LIMIT 1",
                PostgresTaskBoard::record, contextId, principal).stream().findFirst();
    }

    @Override
    public void write(String taskId, long revision, String state, ObjectNode task) {
        String json;
        try {
            json = A2aWire.JSON.writeValueAsString(task);
        } catch (IOException e) {
            throw new IllegalStateException("a task's JSON could not be written", e);
        }
        // a task that ended with its message not run lets go of the message's id: sent again, it is a new task (decision 0117)
        sql.update("recording a task", """
                UPDATE codex_a2a_task SET state = ?, revision = ?, task = ?, replica = ?, updated_at = now(),
                  message_id = CASE WHEN ? THEN NULL ELSE message_id END
                WHERE task_id = ? AND revision < ?""", state, revision, json, replica, TaskEnd.notRun(state, task.path("metadata")), taskId,
                revision);
    }

    @Override
    public void askCancel(String taskId) {
        sql.update("asking for a cancel", "UPDATE codex_a2a_task SET cancel_asked = true WHERE task_id = ?", taskId);
    }

    @Override
    public void askAnswer(String taskId, ObjectNode message) {
        sql.update("passing on an answer", "UPDATE codex_a2a_task SET answer = ? WHERE task_id = ?", message.toString(), taskId);
    }

    @Override
    public void askHandoff(ContextKey context) {
        sql.update("asking for a conversation", "UPDATE codex_a2a_context SET handoff_asked_at = now() WHERE principal = ? AND context_id = ?",
                context.principal(), context.contextId());
    }

    @Override
    public Asked takeAsked(Collection<String> runningTasks, Collection<ContextKey> idleContexts) {
        if (runningTasks.isEmpty() && idleContexts.isEmpty()) {
            return new Asked(Set.of(), Map.of(), Set.of());
        }
        return sql.transaction("reading what was asked", c -> {
            Set<String> cancels = new HashSet<>();
            Map<String, ObjectNode> answers = new HashMap<>();
            if (!runningTasks.isEmpty()) {
                // taken once: cleared in the same statement that reads them
                Sql.query(c, """
                        WITH asked AS (SELECT task_id, cancel_asked, answer FROM codex_a2a_task
                          WHERE task_id = ANY(?) AND (cancel_asked OR answer IS NOT NULL) FOR UPDATE)
                        UPDATE codex_a2a_task t SET cancel_asked = false, answer = NULL FROM asked WHERE t.task_id = asked.task_id
                        RETURNING asked.task_id, asked.cancel_asked, asked.answer""", rs -> {
                    if (rs.getBoolean(2)) {
                        cancels.add(rs.getString(1));
                    }
                    ObjectNode answer = object(rs.getString(3));
                    if (answer != null) {
                        answers.put(rs.getString(1), answer);
                    }
                    return null;
                }, runningTasks);
            }
            Set<ContextKey> handoffs = idleContexts.isEmpty() ? Set.of() : new HashSet<>(Sql.query(c, """
                    UPDATE codex_a2a_context SET handoff_asked_at = NULL
                    WHERE (principal, context_id) IN (SELECT * FROM unnest(?::text[], ?::text[])) AND handoff_asked_at > now() - %s
                    RETURNING principal, context_id""".formatted(HANDOFF_GOOD), rs -> new ContextKey(rs.getString(1), rs.getString(2)),
                    idleContexts.stream().map(ContextKey::principal).toList(), idleContexts.stream().map(ContextKey::contextId).toList()));
            return new Asked(cancels, answers, handoffs);
        });
    }

    @Override
    public Map<String, List<StoredPush>> pushConfigs(Collection<String> taskIds) {
        Map<String, List<StoredPush>> out = new LinkedHashMap<>();
        if (taskIds.isEmpty()) {
            return out;
        }
        sql.query("reading push configs", """
                SELECT p.task_id, t.principal, p.config_id, p.config FROM codex_a2a_push p JOIN codex_a2a_task t ON t.task_id = p.task_id
                WHERE p.task_id = ANY(?) ORDER BY p.seq""", rs -> {
            out.computeIfAbsent(rs.getString(1), k -> new java.util.ArrayList<>())
                    .add(new StoredPush(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            return null;
        }, taskIds);
        return out;
    }

    @Override
    public void savePush(StoredPush config, int perTask) {
        sql.transaction("saving a push config", c -> {
            // the task's row locked: two replicas setting configs on one task count one after the other
            Sql.query(c, "SELECT 1 FROM codex_a2a_task WHERE task_id = ? FOR UPDATE", rs -> null, config.taskId());
            Sql.update(c, "DELETE FROM codex_a2a_push WHERE task_id = ? AND config_id = ?", config.taskId(), config.configId());
            long kept = Sql.query(c, "SELECT count(*) FROM codex_a2a_push WHERE task_id = ?", rs -> rs.getLong(1), config.taskId()).get(0);
            if (kept >= perTask) {
                throw new A2aError(A2aError.UNSUPPORTED, "task " + config.taskId() + " has " + perTask + " push configs already; delete one first");
            }
            Sql.update(c, "INSERT INTO codex_a2a_push (task_id, config_id, config) VALUES (?, ?, ?)", config.taskId(), config.configId(),
                    config.text());
            return null;
        });
    }

    /**
     * Removes the push configs earlier releases kept in clear text (decision 0104): never read
     * (a clear row could be anyone's), and not left at rest. Returns how many there were.
     */
    int dropClearPush() {
        return sql.update("removing push configs kept in clear text", "DELETE FROM codex_a2a_push WHERE config NOT LIKE ?",
                SealingKeys.PREFIX + "%");
    }

    @Override
    public void deletePush(String taskId, @Nullable String configId) {
        if (configId == null) {
            sql.update("deleting a push config", """
                    DELETE FROM codex_a2a_push WHERE task_id = ? AND (SELECT count(*) FROM codex_a2a_push WHERE task_id = ?) = 1""",
                    taskId, taskId);
        } else {
            sql.update("deleting a push config", "DELETE FROM codex_a2a_push WHERE task_id = ? AND config_id = ?", taskId, configId);
        }
    }

    @Override
    public void heartbeat() {
        String mark = mark();
        sql.transaction("saying this replica is alive", c -> {
            Sql.update(c, """
                    INSERT INTO codex_a2a_replica (replica, seen_at, session) VALUES (?, now(), ?)
                    ON CONFLICT (replica) DO UPDATE SET seen_at = now(), session = excluded.session""", replica, mark);
            if (firstBeat.getAndSet(false)) {
                // replicas gone for a day are forgotten; their tasks read as a dead replica's either way
                Sql.update(c, "DELETE FROM codex_a2a_replica WHERE seen_at < now() - interval '1 day'");
            }
            return null;
        });
        beatMark = mark;
    }

    @Override
    public boolean heartbeatDue() {
        return !java.util.Objects.equals(mark(), beatMark);
    }

    private @Nullable String mark() {
        return session == null ? null : session.mark().orElse(null);
    }

    @Override
    public void leave() {
        sql.update("saying this replica stops", "DELETE FROM codex_a2a_replica WHERE replica = ?", replica);
    }

    private static TaskRecord record(ResultSet rs) throws SQLException {
        String id = rs.getString(1);
        String context = rs.getString(2);
        ObjectNode task = object(rs.getString(6));
        if (task != null && (!id.equals(task.path("id").asText()) || !context.equals(task.path("contextId").asText()))) {
            // read back, not trusted: a record that names another task is not this one's
            LOG.warn("ignoring the recorded JSON of task {}: it names task {} in context {}", id, task.path("id").asText(),
                    task.path("contextId").asText());
            task = null;
        }
        return new TaskRecord(id, context, rs.getString(3), rs.getString(4), rs.getLong(5), task, rs.getString(7), rs.getBoolean(8),
                rs.getTimestamp(9).toInstant());
    }

    private static @Nullable ObjectNode object(@Nullable String json) {
        if (json == null) {
            return null;
        }
        try {
            JsonNode n = A2aWire.JSON.readTree(json);
            return n instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            LOG.warn("ignoring an unreadable record in the A2A context store: {}", e.getMessage());
            return null;
        }
    }
}
