package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationLeasedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * This replica's side of the shared records, on a board in memory (no database, no codex): a
 * task's change written before the replica answers it, even while the writer is busy; a copy of
 * another replica's task following its record into its streams; a cancel of a copy asked of the
 * replica running it; a conversation held elsewhere asked for and waited for, or refused with
 * when to try again; what other replicas asked taken on a tick and handed to the agent.
 */
class SharedTasksTest {
    private final Board board = new Board();
    private final Agent agent = new Agent();
    private SharedTasks shared;

    @AfterEach
    void close() {
        if (shared != null) {
            shared.close();
        }
    }

    private SharedTasks shared(Duration handoffWait) {
        shared = new SharedTasks(board, agent, A2aLimits.DEFAULTS, handoffWait);
        return shared;
    }

    private static TaskRecord record(String id, long revision, String state, @Nullable ObjectNode task, boolean alive) {
        return new TaskRecord(id, "ctx", "alice", state, revision, task, "replica-a#1", alive, Instant.now());
    }

    private static ObjectNode json(String id, String state, String text) {
        ObjectNode t = A2aWire.object().put("kind", "task").put("id", id).put("contextId", "ctx");
        t.set("status", A2aWire.status(state, A2aWire.agentMessage(id, "ctx", A2aWire.textPart(text))));
        t.putArray("artifacts");
        t.putArray("history");
        t.putObject("metadata");
        return t;
    }

    @Test
    void aFlushWritesTheTasksLatestChangeBeforeItReturnsWhileTheWriterIsBusy() {
        shared(SharedTasks.HANDOFF_WAIT);
        board.holdWriter = new CountDownLatch(1);
        A2aTask other = new A2aTask("t0", "ctx", null, 16, Duration.ofMinutes(1));
        other.recordTo(shared);
        other.finish(null, new IllegalStateException("the turn did not start"));    // an end: the writer takes it, and is held
        A2aTask task = new A2aTask("t1", "ctx", null, 16, Duration.ofMinutes(1));
        task.recordTo(shared);
        task.onTurnStarted("t1", "turn-1");
        try {
            await().until(() -> board.writerWaiting);
            assertThat(board.written).isEmpty();

            task.recorded();
            assertThat(board.written.get("t1")).isEqualTo(1L);
            assertThat(board.states.get("t1")).isEqualTo("working");
        } finally {
            board.holdWriter.countDown();
        }
    }

    @Test
    void progressIsWrittenOnTheTickAndAnEndOnceThoughTheAnswerFlushesIt() {
        shared(SharedTasks.HANDOFF_WAIT);
        A2aTask task = new A2aTask("t1", "ctx", null, 16, Duration.ofMinutes(1));
        task.recordTo(shared);
        task.onTurnStarted("t1", "turn-1");
        shared.tick();
        assertThat(board.states.get("t1")).isEqualTo("working");
        assertThat(board.writes.get("t1")).as("the progress, on the tick").hasValue(1);

        task.finish(new TurnResult("thread-1", "turn-1", TurnOutcome.COMPLETED, "the answer", null, StopReason.NATURAL, 0, 0, List.of(),
                10, 1, 0, null, false, List.of()), null);
        await().until(() -> "completed".equals(board.states.get("t1")));
        assertThat(board.written.get("t1")).as("the answer's artifact and the end, in one write").isEqualTo(3L);
        task.recorded();       // what a blocking send does before it answers: recorded already, nothing more to write
        shared.tick();
        assertThat(board.writes.get("t1")).hasValue(2);
        assertThat(task.endRecorded()).as("a replica need keep it no longer").isTrue();
    }

    @Test
    void aCopyOfAnotherReplicasTaskTellsItsStreamsWhatItsRecordSays() throws Exception {
        shared(SharedTasks.HANDOFF_WAIT);
        A2aTask copy = shared.copyOf(record("t1", 3, "working", json("t1", "working", "running: sleep 30"), true));
        assertThat(copy.elsewhere()).isTrue();
        TaskStream events = copy.subscribe();
        assertThat(events.next(Duration.ofSeconds(1)).at("/status/state").asText()).isEqualTo("working");

        copy.follow(record("t1", 2, "completed", json("t1", "completed", "older"), true));
        assertThat(copy.state()).as("an older revision changes nothing").isEqualTo("working");
        ObjectNode done = json("t1", "completed", "the answer");
        done.withArray("artifacts").add(A2aWire.artifact("answer-t1", "answer", A2aWire.textPart("the answer")));
        copy.follow(record("t1", 7, "completed", done, true));
        assertThat(events.next(Duration.ofSeconds(1)).at("/artifact/artifactId").asText()).isEqualTo("answer-t1");
        ObjectNode last = events.next(Duration.ofSeconds(1));
        assertThat(last.at("/status/state").asText()).isEqualTo("completed");
        assertThat(last.path("final").asBoolean()).isTrue();
        assertThat(events.next(Duration.ofMillis(100))).isNull();
        assertThat(events.done()).isTrue();
        assertThat(copy.snapshot(null)).as("followed, the same task as read afresh from its record")
                .isEqualTo(A2aTask.ofRecord(record("t1", 7, "completed", done, true), true, 16, Duration.ofMinutes(1)).snapshot(null));
    }

    @Test
    void aCancelOfACopyIsAskedOfTheReplicaRunningIt() {
        shared(SharedTasks.HANDOFF_WAIT);
        shared.copyOf(record("t1", 1, "working", json("t1", "working", "busy"), true)).cancel();
        assertThat(board.cancels).containsExactly("t1");
        assertThatThrownBy(() -> shared.copyOf(record("t2", 4, "completed", json("t2", "completed", "done"), true)).cancel())
                .isInstanceOf(A2aError.class).hasMessageContaining("already completed");
    }

    @Test
    void aConversationHeldIdleElsewhereIsAskedForOnceAndWaitedFor() {
        shared(Duration.ofSeconds(30));
        AtomicInteger tries = new AtomicInteger();
        String opened = shared.handedOver(new ContextKey("alice", "ctx"), () -> {
            if (tries.incrementAndGet() < 3) {
                throw new IllegalStateException("could not resume", leased(Instant.now().plusSeconds(60)));
            }
            return "opened";
        });
        assertThat(opened).isEqualTo("opened");
        assertThat(board.handoffs).containsExactly(new ContextKey("alice", "ctx"));
        assertThatThrownBy(() -> shared.handedOver(new ContextKey("alice", "ctx"), () -> {
            throw new IllegalStateException("not a lease");
        })).hasMessage("not a lease");
    }

    @Test
    void aConversationStillHeldIsBusyWithWhenToTryAgain() {
        shared(Duration.ofMillis(300));
        A2aError busy = org.junit.jupiter.api.Assertions.assertThrows(A2aError.class,
                () -> shared.handedOver(new ContextKey("alice", "ctx"), () -> {
                    throw leased(Instant.now().plusSeconds(40));
                }));
        assertThat(busy.code()).isEqualTo(A2aError.UNSUPPORTED);
        assertThat(busy.getMessage()).contains("context ctx is busy").contains("held by another replica");
        assertThat(busy.metadata()).containsEntry("contextId", "ctx");
        assertThat(Long.parseLong(busy.metadata().get("retryAfterSeconds"))).isBetween(39L, 41L);
        A2aError running = SharedTasks.busy("ctx", record("t9", 1, "working", null, true), null);
        assertThat(running.metadata()).containsEntry("taskId", "t9").containsEntry("state", "working").containsEntry("retryAfterSeconds", "2");
        A2aError here = SharedTasks.runningHere("ctx", new A2aTask("t8", "ctx", null, 16, Duration.ofMinutes(1)));
        assertThat(here.code()).isEqualTo(A2aError.UNSUPPORTED);
        assertThat(here.getMessage()).contains("context ctx has task t8 submitted").contains("look again in 2 s");
        assertThat(here.metadata()).containsEntry("taskId", "t8").containsEntry("state", "submitted").containsEntry("retryAfterSeconds", "2");
        assertThat(SharedTasks.runningHere("ctx", null).metadata()).containsEntry("contextId", "ctx").containsEntry("retryAfterSeconds", "2");
    }

    @Test
    void aTickSaysTheReplicaIsAliveAndHandsWhatWasAskedToTheAgent() {
        shared(SharedTasks.HANDOFF_WAIT);
        agent.running.add(new A2aTask("t1", "ctx", null, 16, Duration.ofMinutes(1)));
        agent.idle.add(new ContextKey("alice", "ctx-idle"));
        board.asked = new TaskBoard.Asked(Set.of("t1"), Map.of("t1", A2aWire.object().put("role", "user")),
                Set.of(new ContextKey("alice", "ctx-idle")));
        shared.copyOf(record("orphan", 2, "working", json("orphan", "working", "running: sleep"), false)).subscribe();
        board.records.put("orphan", record("orphan", 2, "working", json("orphan", "working", "running: sleep"), false));

        shared.tick();
        assertThat(board.beats).hasValue(1);
        assertThat(board.askedWith).containsExactly(List.of("t1"), List.of(new ContextKey("alice", "ctx-idle")));
        // a dead replica's task is settled off the tick, which goes on saying this replica is alive
        await().until(() -> agent.calls.size() == 4);
        assertThat(agent.calls).containsExactly("cancel t1", "answer t1", "letGo alice/ctx-idle", "orphaned orphan");
    }

    private static ConversationLeasedException leased(Instant until) {
        return new ConversationLeasedException("019a0000-0000-7000-8000-000000000000", "replica-a", until);
    }

    /** The agent's side, as the tick sees it. */
    private static final class Agent implements SharedTasks.Local {
        final List<A2aTask> running = new ArrayList<>();
        final List<ContextKey> idle = new ArrayList<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public List<A2aTask> running() {
            return running;
        }

        @Override
        public List<ContextKey> idleContexts() {
            return idle;
        }

        @Override
        public void cancel(String taskId) {
            calls.add("cancel " + taskId);
        }

        @Override
        public void answer(String taskId, ObjectNode message) {
            calls.add("answer " + taskId);
        }

        @Override
        public void letGo(ContextKey context) {
            calls.add("letGo " + context.principal() + "/" + context.contextId());
        }

        @Override
        public void orphaned(TaskRecord r) {
            calls.add("orphaned " + r.taskId());
        }
    }

    /** A board in memory: what was written and asked, and a writer thread it can hold. */
    private static final class Board implements TaskBoard {
        final Map<String, Long> written = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> writes = new ConcurrentHashMap<>();
        final Map<String, String> states = new ConcurrentHashMap<>();
        final Map<String, TaskRecord> records = new ConcurrentHashMap<>();
        final List<String> cancels = new CopyOnWriteArrayList<>();
        final List<ContextKey> handoffs = new CopyOnWriteArrayList<>();
        final List<Collection<?>> askedWith = new CopyOnWriteArrayList<>();
        final AtomicInteger beats = new AtomicInteger();
        volatile @Nullable CountDownLatch holdWriter;
        volatile boolean writerWaiting;
        volatile Asked asked = new Asked(Set.of(), Map.of(), Set.of());

        @Override
        public String replica() {
            return "replica-b#2";
        }

        @Override
        public Optional<TaskRecord> task(String taskId) {
            return Optional.ofNullable(records.get(taskId));
        }

        @Override
        public List<TaskRecord> tasks(Collection<String> taskIds) {
            return taskIds.stream().map(records::get).filter(r -> r != null).toList();
        }

        @Override
        public List<TaskRecord> tasks(String principal, int newest) {
            return List.of();
        }

        @Override
        public Optional<TaskRecord> latest(String principal, String contextId) {
            return Optional.empty();
        }

        @Override
        public void write(String taskId, long revision, String state, ObjectNode task) {
            CountDownLatch hold = holdWriter;
            if (hold != null && Thread.currentThread().getName().equals("codex-bridge-a2a-records")) {
                writerWaiting = true;
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            writes.computeIfAbsent(taskId, k -> new AtomicInteger()).incrementAndGet();
            written.merge(taskId, revision, Math::max);
            if (written.get(taskId) == revision) {
                states.put(taskId, state);
            }
        }

        @Override
        public void askCancel(String taskId) {
            cancels.add(taskId);
        }

        @Override
        public void askAnswer(String taskId, ObjectNode message) {
        }

        @Override
        public void askHandoff(ContextKey context) {
            handoffs.add(context);
        }

        @Override
        public Asked takeAsked(Collection<String> runningTasks, Collection<ContextKey> idleContexts) {
            askedWith.add(List.copyOf(runningTasks));
            askedWith.add(List.copyOf(idleContexts));
            Asked a = asked;
            asked = new Asked(Set.of(), Map.of(), Set.of());
            return a;
        }

        @Override
        public Map<String, List<StoredPush>> pushConfigs(Collection<String> taskIds) {
            return Map.of();
        }

        @Override
        public void savePush(StoredPush config, int perTask) {
        }

        @Override
        public void deletePush(String taskId, @Nullable String configId) {
        }

        @Override
        public void heartbeat() {
            beats.incrementAndGet();
        }

        @Override
        public void leave() {
        }
    }
}
