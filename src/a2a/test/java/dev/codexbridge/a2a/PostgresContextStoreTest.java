package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.CodexException;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.store.PostgresServer;
import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared context store on a real PostgreSQL ({@link PostgresServer}), no codex: what it keeps
 * of contexts as the other stores do, and what only it has — each task's record kept at its latest
 * revision, requests left for the replica running a task and taken once, push configs counted per
 * task wherever they are set, replicas alive by their heartbeat and their conversation store's
 * session, its schema created once and
 * refused when newer, and records read back as untrusted.
 */
@ExtendWith(PostgresServer.Extension.class)
class PostgresContextStoreTest {
    private final List<HikariDataSource> pools = new ArrayList<>();
    private String url;

    @BeforeEach
    void database(PostgresServer server) throws Exception {
        url = server.newDatabase();
    }

    @AfterEach
    void close() {
        pools.forEach(HikariDataSource::close);
    }

    private HikariDataSource pool() {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(4);
        HikariDataSource ds = new HikariDataSource(c);
        pools.add(ds);
        return ds;
    }

    private PostgresContextStore store(String replica, int max) {
        return (PostgresContextStore) ContextStore.postgres(pool(), replica, max);
    }

    private static StoredContext context(String id, String principal, String thread, String... tasks) {
        return new StoredContext(id, principal, thread, List.of(tasks), System.currentTimeMillis());
    }

    private static ObjectNode task(String id, String context, String state, String text) {
        ObjectNode t = A2aWire.object().put("kind", "task").put("id", id).put("contextId", context);
        t.set("status", A2aWire.status(state, A2aWire.agentMessage(id, context, A2aWire.textPart(text))));
        t.putArray("artifacts");
        t.putArray("history");
        t.putObject("metadata");
        return t;
    }

    @Test
    void contextsAreKeptAndForgottenAsInTheOtherStores() {
        PostgresContextStore a = store("a", 2);
        PostgresContextStore b = store("b", 2);
        a.save(context("c1", "alice", "t1", "task-1"));
        b.save(context("../c2", "bob", "t2", "task-2"));
        a.save(context("c1", "alice", "t1", "task-1", "task-3"));

        assertThat(b.context("alice", "c1")).hasValueSatisfying(c -> {
            assertThat(c.taskIds()).containsExactly("task-1", "task-3");
            assertThat(c.principal()).isEqualTo("alice");
        });
        assertThat(a.contextOfTask("task-2")).hasValueSatisfying(c -> assertThat(c.contextId()).isEqualTo("../c2"));
        assertThat(a.ownerOfThread("t2")).hasValue("bob");
        assertThat(a.threadAccess().allows("bob", "t2", ThreadOperation.RESUME)).isTrue();
        assertThat(a.threadAccess().allows("alice", "t2", ThreadOperation.RESUME)).isFalse();

        a.save(context("c3", "alice", "t3"));   // ../c2 changed least recently
        assertThat(b.context("bob", "../c2")).isEmpty();
        assertThat(b.contextOfTask("task-2")).as("its tasks go with it").isEmpty();
        assertThat(b.board().task("task-2")).isEmpty();
        assertThat(b.ownerOfThread("t2")).as("a forgotten thread has no owner: refused to all").isEmpty();
    }

    @Test
    void aContextIdIsEachPrincipalsOwnTwoRecordsUnderOneId() {
        PostgresContextStore a = store("a", 10);
        PostgresContextStore b = store("b", 10);
        a.save(context("c1", "alice", "t1", "task-1"));
        b.save(context("c1", "bob", "t9", "task-9"));
        b.save(context("c1", "bob", "t9", "task-9", "task-10"));

        assertThat(a.context("alice", "c1")).hasValueSatisfying(c -> {
            assertThat(c.threadId()).isEqualTo("t1");
            assertThat(c.taskIds()).containsExactly("task-1");
        });
        assertThat(a.context("bob", "c1")).hasValueSatisfying(c -> {
            assertThat(c.threadId()).isEqualTo("t9");
            assertThat(c.taskIds()).containsExactly("task-9", "task-10");
        });
        assertThat(a.context("carol", "c1")).isEmpty();
        assertThat(a.contextOfTask("task-1")).map(StoredContext::principal).hasValue("alice");
        assertThat(a.contextOfTask("task-10")).map(StoredContext::principal).hasValue("bob");
        assertThat(a.board().task("task-9").orElseThrow().principal()).isEqualTo("bob");
        // the board's look at a context is the caller's own
        assertThat(a.board().latest("alice", "c1")).map(TaskRecord::taskId).hasValue("task-1");
        assertThat(a.board().latest("bob", "c1")).map(TaskRecord::taskId).hasValue("task-10");
        assertThat(a.board().latest("carol", "c1")).isEmpty();
        b.board().askHandoff(new ContextKey("bob", "c1"));
        assertThat(a.board().takeAsked(List.of(), List.of(new ContextKey("alice", "c1"))).none()).as("alice's not asked for").isTrue();
        assertThat(a.board().takeAsked(List.of(), List.of(new ContextKey("alice", "c1"), new ContextKey("bob", "c1"))).handoffs())
                .containsExactly(new ContextKey("bob", "c1"));
    }

    @Test
    void aMessageIsOneTaskOfItsPrincipalsOnEveryReplicaUntilItEndsNotRun() {
        PostgresContextStore a = store("a", 10);
        PostgresContextStore b = store("b", 10);
        long now = System.currentTimeMillis();
        a.save(context("c1", "alice", "t1").withTask("t1", "task-1", "msg-1", now));
        b.save(context("c1", "bob", "t2").withTask("t2", "task-2", "msg-1", now));

        assertThat(b.taskOfMessage("alice", "msg-1")).hasValue("task-1");
        assertThat(a.taskOfMessage("bob", "msg-1")).as("another principal's message of that id is another message").hasValue("task-2");
        assertThat(a.taskOfMessage("carol", "msg-1")).isEmpty();
        assertThat(b.context("alice", "c1").orElseThrow().messageIds()).containsEntry("task-1", "msg-1");

        // a copy taken by replica b at the same moment, in another context of alice's: refused, nothing of it saved
        assertThatThrownBy(() -> b.save(context("c2", "alice", "t3").withTask("t3", "task-3", "msg-1", now)))
                .isInstanceOf(PostgresContextStore.SentBefore.class);
        assertThat(b.context("alice", "c2")).isEmpty();
        assertThat(b.board().task("task-3")).isEmpty();
        // the same save run again (its connection ended after the database ran it) is the same task, not a copy
        a.save(context("c1", "alice", "t1").withTask("t1", "task-1", "msg-1", now));
        assertThat(a.taskOfMessage("alice", "msg-1")).hasValue("task-1");

        // task-1 ends with its message not run: the id is let go, and the message sent again is a new task
        ObjectNode notRun = task("task-1", "c1", "failed", "not run");
        ((ObjectNode) notRun.get("metadata")).put("safeToSendAgain", true);
        a.board().write("task-1", 1, "failed", notRun);
        assertThat(b.taskOfMessage("alice", "msg-1")).isEmpty();
        b.save(context("c2", "alice", "t3").withTask("t3", "task-3", "msg-1", now));
        assertThat(a.taskOfMessage("alice", "msg-1")).hasValue("task-3");
        // an end that ran keeps it
        a.board().write("task-2", 1, "failed", task("task-2", "c1", "failed", "codex's turn failed"));
        assertThat(a.taskOfMessage("bob", "msg-1")).hasValue("task-2");
    }

    @Test
    void aDatabaseOfSchemaOneIsMigratedAndItsContextsFoundByTheirOwners() throws Exception {
        HikariDataSource ds = pool();
        PostgresContextSchema.migrate(new Sql(ds, new dev.codexbridge.store.spi.OutageGate()), 1);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO codex_a2a_context (context_id, principal, thread_id, updated_at) VALUES ('c1', 'alice', 't1', now())");
            s.execute("INSERT INTO codex_a2a_task (task_id, context_id, principal, state, replica, updated_at) "
                    + "VALUES ('task-1', 'c1', 'alice', 'completed', 'r#1', now())");
        }
        PostgresContextStore a = (PostgresContextStore) ContextStore.postgres(ds, "a", 10);
        assertThat(a.context("alice", "c1")).hasValueSatisfying(c -> {
            assertThat(c.threadId()).isEqualTo("t1");
            assertThat(c.taskIds()).containsExactly("task-1");
        });
        assertThat(a.context("bob", "c1")).isEmpty();
        a.save(context("c1", "bob", "t2", "task-2"));
        assertThat(a.context("alice", "c1").orElseThrow().taskIds()).containsExactly("task-1");
        assertThat(a.board().latest("alice", "c1")).map(TaskRecord::state).hasValue("completed");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT version FROM codex_a2a_schema")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(PostgresContextSchema.LATEST);
        }
    }

    @Test
    void ofTwoReplicasPuttingAContextOnAFreshThreadOneWinsAndBothSeeItsThread() {
        PostgresContextStore a = store("a", 10);
        PostgresContextStore b = store("b", 10);
        a.save(context("c1", "alice", "lost", "task-1"));
        StoredContext seen = b.context("alice", "c1").orElseThrow();

        StoredContext first = a.replaceThread(seen, "fresh-a");
        StoredContext second = b.replaceThread(seen, "fresh-b");

        assertThat(first.threadId()).isEqualTo("fresh-a");
        assertThat(first.taskIds()).as("its tasks stay").containsExactly("task-1");
        assertThat(second.threadId()).as("the record another replica changed is not overwritten").isEqualTo("fresh-a");
        assertThat(b.ownerOfThread("fresh-a")).hasValue("alice");
        assertThat(b.ownerOfThread("lost")).isEmpty();
        StoredContext bobs = new StoredContext("c1", "bob", "fresh-a", List.of(), 0);
        assertThatThrownBy(() -> b.replaceThread(bobs, "bobs-thread")).as("bob has no context c1").hasMessageContaining("forgotten");
        assertThat(a.context("alice", "c1").orElseThrow().threadId()).as("another caller's replacement changes nothing").isEqualTo("fresh-a");
    }

    @Test
    void aContextKeepsItsNewestTasks() {
        PostgresContextStore a = store("a", 10);
        String[] tasks = IntStream.range(0, StoredContext.MAX_TASKS + 5).mapToObj(i -> "task-" + i).toArray(String[]::new);
        a.save(context("c", "alice", "t", java.util.Arrays.copyOf(tasks, StoredContext.MAX_TASKS)));
        for (int i = StoredContext.MAX_TASKS; i < tasks.length; i++) {
            a.save(a.context("alice", "c").orElseThrow().withTask("t", tasks[i], 1));
        }
        assertThat(a.context("alice", "c").orElseThrow().taskIds()).hasSize(StoredContext.MAX_TASKS).startsWith("task-5").endsWith("task-104");
        assertThat(a.board().task("task-4")).isEmpty();
        assertThat(a.board().latest("alice", "c")).hasValueSatisfying(r -> assertThat(r.taskId()).isEqualTo("task-104"));
    }

    @Test
    void aTasksRecordKeepsItsLatestRevisionWhoeverWritesIt() {
        PostgresContextStore a = store("a", 10);
        PostgresContextStore b = store("b", 10);
        a.save(context("c1", "alice", "t1", "task-1"));
        TaskRecord submitted = b.board().task("task-1").orElseThrow();
        assertThat(submitted.state()).isEqualTo("submitted");
        assertThat(submitted.replica()).isEqualTo(a.board().replica()).startsWith("a#");
        assertThat(submitted.task()).as("recorded before the running replica wrote it").isNull();
        assertThat(submitted.taskJson().at("/status/state").asText()).isEqualTo("submitted");

        a.board().write("task-1", 3, "working", task("task-1", "c1", "working", "third"));
        a.board().write("task-1", 2, "working", task("task-1", "c1", "working", "second, written late"));
        assertThat(b.board().task("task-1").orElseThrow().task().at("/status/message/parts/0/text").asText()).isEqualTo("third");
        // a replica that takes the task over writes on from the record's revision
        b.board().write("task-1", 4, "completed", task("task-1", "c1", "completed", "done"));
        TaskRecord done = a.board().task("task-1").orElseThrow();
        assertThat(done.ended()).isTrue();
        assertThat(done.replica()).isEqualTo(b.board().replica());
        assertThat(a.board().tasks("alice", 10)).extracting(TaskRecord::taskId).containsExactly("task-1");
        assertThat(a.board().tasks(List.of("task-1", "no-such-task"))).extracting(TaskRecord::revision).containsExactly(4L);
        assertThat(a.board().tasks("bob", 10)).isEmpty();
    }

    @Test
    void aReplicaIsAliveByItsHeartbeatAndGoneWhenItLeaves() {
        PostgresContextStore a = store("a", 10);
        PostgresContextStore b = store("b", 10);
        a.save(context("c1", "alice", "t1", "task-1"));
        assertThat(b.board().task("task-1").orElseThrow().replicaAlive()).as("never beat").isFalse();
        a.board().heartbeat();
        assertThat(b.board().task("task-1").orElseThrow().replicaAlive()).isTrue();
        a.board().leave();
        assertThat(b.board().task("task-1").orElseThrow().replicaAlive()).isFalse();
        assertThat(store("a", 10).board().replica()).as("a replica started again under its name is another boot")
                .startsWith("a#").isNotEqualTo(a.board().replica());
    }

    @Test
    void aReplicaWhoseConversationStoresSessionEndedIsDeadAtOnceThoughItsHeartbeatIsFresh() throws Exception {
        // replica a's conversation store's session: a connection of its own holding an advisory lock, as PostgresSession holds one
        HikariDataSource ds = pool();
        Connection session = ds.getConnection();
        long key = 4_242_424_242L;
        String started;
        try (Statement s = session.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT pg_advisory_lock(" + key + "), "
                + "to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS')")) {
            assertThat(rs.next()).isTrue();
            started = rs.getString(2);
        }
        java.util.concurrent.atomic.AtomicReference<String> mark = new java.util.concurrent.atomic.AtomicReference<>();
        PostgresContextStore a = PostgresContextStore.open(pool(), "a", 10, new dev.codexbridge.store.spi.OutageGate(),
                () -> java.util.Optional.ofNullable(mark.get()));
        PostgresContextStore b = store("b", 10);
        a.save(context("c1", "alice", "t1", "task-1"));
        assertThat(a.board().heartbeatDue()).as("no session yet, none written").isFalse();
        a.board().heartbeat();
        assertThat(b.board().task("task-1").orElseThrow().replicaAlive()).as("alive by its heartbeat, naming no session").isTrue();

        mark.set("@" + key + "." + started);
        assertThat(a.board().heartbeatDue()).as("its session opened: a heartbeat due now, not at its time").isTrue();
        a.board().heartbeat();
        assertThat(a.board().heartbeatDue()).isFalse();
        assertThat(b.board().task("task-1").orElseThrow().replicaAlive()).as("its session lives").isTrue();
        assertThat(b.board().task("task-1").orElseThrow().replicaAlive()).as("and read again: a reader takes nothing from it").isTrue();

        session.unwrap(org.postgresql.core.BaseConnection.class).abort(Runnable::run);   // the process died: its socket closed
        ds.evictConnection(session);
        // its heartbeat kept fresh all along (as a board beating on with the ended session's mark): dead by the session alone,
        // once the server has seen the socket close
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            a.board().heartbeat();
            return !b.board().task("task-1").orElseThrow().replicaAlive();
        });
        assertThat(List.of(b.board().task("task-1").orElseThrow(), a.board().task("task-1").orElseThrow(),
                b.board().tasks(List.of("task-1")).get(0), b.board().latest("alice", "c1").orElseThrow()))
                .as("dead to every reader").noneMatch(TaskRecord::replicaAlive);

        // a mark of a server before (a restart ended every session, its replica's own clock decides): alive by its heartbeat
        mark.set("@" + key + ".20200101000000000000");
        a.board().heartbeat();
        assertThat(b.board().task("task-1").orElseThrow().replicaAlive()).isTrue();
    }

    @Test
    void whatIsAskedOfATaskOrAContextIsTakenOnceByTheReplicaHoldingIt() {
        PostgresContextStore a = store("a", 10);
        PostgresContextStore b = store("b", 10);
        a.save(context("c1", "alice", "t1", "task-1"));
        a.save(context("c2", "alice", "t2", "task-2"));
        b.board().askCancel("task-1");
        b.board().askAnswer("task-2", A2aWire.object().put("kind", "message").put("role", "user"));
        b.board().askHandoff(new ContextKey("alice", "c2"));
        List<ContextKey> idle = List.of(new ContextKey("alice", "c1"), new ContextKey("alice", "c2"));

        assertThat(a.board().takeAsked(List.of("task-9"), List.of(new ContextKey("alice", "c9"))).none()).as("only what it names").isTrue();
        TaskBoard.Asked asked = a.board().takeAsked(List.of("task-1", "task-2"), idle);
        assertThat(asked.cancels()).containsExactly("task-1");
        assertThat(asked.answers()).containsOnlyKeys("task-2");
        assertThat(asked.answers().get("task-2").path("role").asText()).isEqualTo("user");
        assertThat(asked.handoffs()).containsExactly(new ContextKey("alice", "c2"));
        assertThat(a.board().takeAsked(List.of("task-1", "task-2"), idle).none()).as("taken once").isTrue();
    }

    @Test
    void pushConfigsAreCountedPerTaskWhereverTheyAreSet() {
        PostgresContextStore a = store("a", 10);
        PostgresContextStore b = store("b", 10);
        a.save(context("c1", "alice", "t1", "task-1"));
        PushSeals seals = new PushSeals(SealingKeys.parse(SealingKeys.newKey()));
        PushConfig one = new PushConfig("p1", "task-1", URI.create("https://hooks.example/1"), "tok", "Bearer", "secret", A2aVersion.V1_0);
        a.board().savePush(seals.seal("alice", one), 2);
        b.board().savePush(seals.seal("alice", new PushConfig("p2", "task-1", URI.create("https://hooks.example/2"), null, null, null,
                A2aVersion.V0_3)), 2);
        b.board().savePush(seals.seal("alice", new PushConfig("p2", "task-1", URI.create("https://hooks.example/2b"), null, null, null,
                A2aVersion.V0_3)), 2);
        assertThatThrownBy(() -> b.board().savePush(seals.seal("alice", new PushConfig("p3", "task-1", URI.create("https://hooks.example/3"),
                null, null, null, A2aVersion.V1_0)), 2)).isInstanceOf(A2aError.class).hasMessageContaining("2 push configs already");

        List<PushConfig> kept = seals.open(a.board().pushConfigs(List.of("task-1"))).get("task-1");
        assertThat(kept).hasSize(2);
        assertThat(kept.get(0)).isEqualTo(one);
        assertThat(kept.get(1).url()).hasToString("https://hooks.example/2b");
        a.board().deletePush("task-1", null);
        assertThat(b.board().pushConfigs(List.of("task-1")).get("task-1")).as("no id: only the task's only config").hasSize(2);
        a.board().deletePush("task-1", "p1");
        a.board().deletePush("task-1", null);
        assertThat(b.board().pushConfigs(List.of("task-1"))).isEmpty();
    }

    @Test
    void aRecordNamingAnotherTaskOrAnUnknownStateIsNotTrusted() throws Exception {
        PostgresContextStore a = store("a", 10);
        a.save(context("c1", "alice", "t1", "task-1", "task-2"));
        a.board().write("task-1", 1, "working", task("task-2", "c1", "working", "someone else's"));
        assertThat(a.board().task("task-1").orElseThrow().task()).isNull();
        try (Connection c = pool().getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE codex_a2a_task SET task = '{not json' WHERE task_id = 'task-2'");
        }
        assertThat(a.board().task("task-2").orElseThrow().task()).isNull();
        a.board().write("task-2", 1, "working", task("task-2", "c1", "no-such-state", "?"));
        TaskRecord odd = a.board().task("task-2").orElseThrow();
        assertThat(A2aTask.ofRecord(odd, true, 16, java.time.Duration.ofMinutes(1)).state()).isEqualTo(A2aTask.UNKNOWN);
    }

    @Test
    void aTooLargeTaskIsRecordedTrimmed() {
        ObjectNode big = task("task-1", "c1", "completed", "done");
        big.withArray("artifacts").add(A2aWire.artifact("a", "answer", A2aWire.textPart("x".repeat(SharedTasks.MAX_RECORD_CHARS))));
        for (int i = 0; i < 4; i++) {
            big.withArray("history").add(A2aWire.agentMessage("task-1", "c1", A2aWire.textPart("message " + i)));
        }
        ObjectNode kept = SharedTasks.trimmed(big);
        assertThat(kept.toString().length()).isLessThan(SharedTasks.MAX_RECORD_CHARS);
        assertThat(kept.at("/artifacts/0/name").asText()).isEqualTo("answer");
        assertThat(kept.at("/history")).extracting(h -> h.at("/parts/0/text").asText()).containsExactly("message 0", "message 3");
        assertThat(kept.at("/metadata/recordTrimmed").asBoolean()).isTrue();
        ObjectNode small = task("t", "c", "completed", "small");
        assertThat(SharedTasks.trimmed(small)).isSameAs(small);
    }

    @Test
    void replicasStartingTogetherCreateTheTablesOnceAndANewerSchemaIsRefused() throws Exception {
        ExecutorService starting = Executors.newFixedThreadPool(4);
        try {
            List<Future<ContextStore>> started = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String name = "r" + i;
                HikariDataSource ds = pool();
                started.add(starting.submit(() -> ContextStore.postgres(ds, name, 10)));
            }
            for (Future<ContextStore> f : started) {
                assertThat(f.get()).isNotNull();
            }
        } finally {
            starting.shutdownNow();
        }
        try (Connection c = pool().getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE codex_a2a_schema SET version = " + (PostgresContextSchema.LATEST + 1));
        }
        assertThatThrownBy(() -> store("late", 10)).isInstanceOf(CodexException.class).hasMessageContaining("newer than this library knows");
        assertThatThrownBy(() -> ContextStore.postgres(pool(), " ", 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
