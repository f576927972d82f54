package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.LeaseWait;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's side of the records every replica shares ({@link TaskBoard}; decision 0071): it
 * writes the tasks it runs (queued, one writer thread, the latest revision of each: a pause at once,
 * progress on the tick), and every
 * {@link #TICK} it says it is alive, takes what callers asked elsewhere of what it holds (a cancel,
 * an answer, a conversation handed over) and refreshes the copies of other replicas' tasks that a
 * stream or a waiting call follows here.
 */
final class SharedTasks implements TaskRecorder, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedTasks.class);
    /** Short: a hand-over waits for the holding replica's next tick. */
    static final Duration TICK = Duration.ofMillis(250);
    /** A heartbeat every eighth tick (2 s): a replica is dead after 5 s without one ({@link PostgresTaskBoard#ALIVE}). */
    private static final int BEAT_EVERY = 8;
    /** How long a message waits for another replica to hand over a context's idle conversation. */
    static final Duration HANDOFF_WAIT = Duration.ofSeconds(10);
    private static final Duration HANDOFF_RETRY = Duration.ofMillis(100);
    /** A copy no one follows yet stays refreshed this long: the call that made it may subscribe or wait next. */
    private static final Duration FRESH = HANDOFF_WAIT.plusSeconds(5);
    /** Largest task JSON recorded as it is; a larger one is recorded trimmed ({@link #trimmed}). */
    static final int MAX_RECORD_CHARS = 1 << 20;

    /** What the tick asks of this replica's agent. */
    interface Local {
        /** The tasks running here. */
        List<A2aTask> running();

        /** The contexts whose conversation this replica holds with no task running. */
        List<ContextKey> idleContexts();

        void cancel(String taskId);

        void answer(String taskId, ObjectNode message);

        void letGo(ContextKey context);

        /** A task followed here whose replica died: settle it here if its conversation is free. */
        void orphaned(TaskRecord record);
    }

    private final TaskBoard board;
    private final Local local;
    private final A2aLimits limits;
    private final Duration handoffWait;
    private final ScheduledExecutorService ticker;
    private final ExecutorService writer;
    /** Settles dead replicas' tasks off the tick: a wake takes seconds, and the tick's heartbeat must not wait for it. */
    private final ExecutorService settler;
    private final java.util.Set<String> settling = ConcurrentHashMap.newKeySet();
    private final Map<String, A2aTask> dirty = new ConcurrentHashMap<>();
    private final Map<String, Followed> followed = new ConcurrentHashMap<>();
    private final List<Runnable> onTick = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<A2aTask>> onTakeOver = new CopyOnWriteArrayList<>();
    /** Dead replicas' tasks whose conversation is still leased to them: when that lease runs out (bounded by the followed copies and tasks asked for). */
    private final Map<String, Instant> heldUntil = new ConcurrentHashMap<>();
    private long ticks;
    private volatile @Nullable String lastFailure;

    private record Followed(A2aTask task, long since) {
    }

    SharedTasks(TaskBoard board, Local local, A2aLimits limits) {
        this(board, local, limits, HANDOFF_WAIT);
    }

    SharedTasks(TaskBoard board, Local local, A2aLimits limits, Duration handoffWait) {
        this.board = board;
        this.local = local;
        this.limits = limits;
        this.handoffWait = handoffWait;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "codex-bridge-a2a-replica"));
        this.writer = Executors.newSingleThreadExecutor(r -> daemon(r, "codex-bridge-a2a-records"));
        this.settler = Executors.newSingleThreadExecutor(r -> daemon(r, "codex-bridge-a2a-settle"));
    }

    /** Says this replica is alive, then ticks. */
    void start() {
        board.heartbeat();
        ticker.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    TaskBoard board() {
        return board;
    }

    /** Runs on every tick, after what was asked was taken (push configs set elsewhere, read again). */
    void onTick(Runnable r) {
        onTick.add(r);
    }

    /** Runs when this replica takes a dead replica's task over, before it is settled (its push configs, read to be sent from here). */
    void onTakeOver(java.util.function.Consumer<A2aTask> c) {
        onTakeOver.add(c);
    }

    /** This replica takes over {@code task}, a dead replica's: recorded from here on, told to what listens for that. */
    void takeOver(A2aTask task) {
        task.recordTo(this);
        onTakeOver.forEach(c -> c.accept(task));
    }

    /**
     * A pause (the task ended, or waits for the caller) is written at once; progress in between
     * waits for the next tick, so a turn's several changes cost one write, not one each (another
     * replica reads them on its own tick anyway).
     */
    @Override
    public void changed(A2aTask task) {
        dirty.put(task.id, task);
        if (task.paused()) {
            try {
                writer.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closing: the last flush writes it
            }
        }
    }

    /** A task taken back before it began: nothing of it is written. */
    void withdrawn(A2aTask task) {
        dirty.remove(task.id, task);
    }

    @Override
    public void flush(A2aTask task) {
        dirty.remove(task.id);
        try {
            write(task);
        } catch (RuntimeException e) {
            // the caller's answer stands; the other replicas read the task once the store is back
            LOG.warn("task {} could not be recorded for the other replicas: {}", task.id, e.getMessage());
            changed(task);
        }
    }

    private void drain() {
        for (String id : List.copyOf(dirty.keySet())) {
            A2aTask t = dirty.remove(id);
            if (t == null) {
                continue;
            }
            try {
                write(t);
            } catch (RuntimeException e) {
                dirty.putIfAbsent(id, t);
                failed("recording task " + id, e);
                return;      // tried again on the next tick
            }
        }
    }

    /** Writes the task unless the record holds its latest change already (the writer got there first). */
    private void write(A2aTask task) {
        if (task.recordedAll()) {
            return;
        }
        Revision r = task.revision();
        board.write(task.id, r.number(), r.state(), trimmed(r.task()));
        task.recordedAt(r.number());
    }

    /**
     * A task's JSON as recorded: as it is up to {@link #MAX_RECORD_CHARS}; beyond, its artifacts
     * without their parts and its history but the first and last message, marked so.
     */
    static ObjectNode trimmed(ObjectNode task) {
        if (task.toString().length() <= MAX_RECORD_CHARS) {
            return task;
        }
        ObjectNode t = task.deepCopy();
        t.withArray("artifacts").forEach(a -> ((ObjectNode) a).putArray("parts"));
        var history = t.withArray("history");
        while (history.size() > 2) {
            history.remove(1);
        }
        t.with("metadata").put("recordTrimmed", true);
        return t;
    }

    /**
     * A principal's tasks, oldest first, as {@code tasks/list} shows them: its newest
     * {@link A2aLimits#tasksPerPrincipal()} records of every replica, those held {@code here} as
     * they are here, and those accepted here and not recorded yet last.
     */
    List<A2aTask> tasks(String principal, List<A2aTask> here) {
        List<TaskRecord> recorded = new ArrayList<>(board.tasks(principal, limits.tasksPerPrincipal()));
        java.util.Collections.reverse(recorded);
        Map<String, A2aTask> local = new java.util.HashMap<>();
        here.forEach(t -> local.put(t.id, t));
        Map<String, A2aTask> byId = new java.util.LinkedHashMap<>();
        recorded.forEach(r -> byId.put(r.taskId(), local.containsKey(r.taskId()) ? local.get(r.taskId())
                : A2aTask.ofRecord(r, true, limits.queuedEvents(), limits.approvalDeadline())));
        here.forEach(t -> byId.putIfAbsent(t.id, t));
        return List.copyOf(byId.values());
    }

    /** A copy of another replica's task, from its record; followed while it runs and a stream or call waits on it. */
    A2aTask copyOf(TaskRecord r) {
        Followed f = followed.get(r.taskId());
        if (f != null) {
            f.task().follow(r);
            return f.task();
        }
        A2aTask copy = A2aTask.ofRecord(r, true, limits.queuedEvents(), limits.approvalDeadline());
        // a cancel here is asked of the replica running it
        copy.onInterrupt(() -> board.askCancel(r.taskId()));
        if (!copy.ended()) {
            Followed raced = followed.putIfAbsent(r.taskId(), new Followed(copy, System.nanoTime()));
            if (raced != null) {
                raced.task().follow(r);
                return raced.task();
            }
        }
        return copy;
    }

    /**
     * Opens a context's conversation with {@code open}; while another replica holds it (its lease),
     * asks that replica to hand it over and tries again, up to {@link #HANDOFF_WAIT}. Still held:
     * the caller is told the context is busy elsewhere and when to try again. Only the caller's own
     * {@code context} is asked for: the conversation {@code open} opens is that context's.
     */
    <T> T handedOver(ContextKey context, Supplier<T> open) {
        long end = System.nanoTime() + handoffWait.toNanos();
        boolean asked = false;
        while (true) {
            try {
                return open.get();
            } catch (RuntimeException e) {
                ConversationLeasedException held = leased(e);
                if (held == null) {
                    throw e;
                }
                if (System.nanoTime() >= end) {
                    throw busy(context.contextId(), null, held.expiresAt());
                }
                if (!asked) {
                    board.askHandoff(context);
                    asked = true;
                }
                // tried again as soon as the store says the holder let go (decision 0118), else at the retry's pace
                if (!LeaseWait.awaitRelease(held, HANDOFF_RETRY)) {
                    throw busy(context.contextId(), null, held.expiresAt());
                }
            }
        }
    }

    /**
     * What answers a request of a task another replica runs ({@code copy}) with the caller's
     * {@code message}: {@link #answerElsewhere}; refused at once when the task waits for no answer or
     * the answer is malformed, as the running replica would refuse it.
     */
    Runnable answering(A2aTask copy, com.fasterxml.jackson.databind.JsonNode message) {
        if (!A2aTask.INPUT_REQUIRED.equals(copy.state())) {
            throw new A2aError(A2aError.UNSUPPORTED, InputRequests.notWaiting(copy.id, copy.state()), Map.of("taskId", copy.id, "state", copy.state()));
        }
        InputRequests.decision(message);
        ObjectNode kept = A2aWire.userMessage(message, copy.id, copy.contextId);
        return () -> answerElsewhere(copy, kept);
    }

    /**
     * A caller's answer to a request of a task another replica runs ({@code copy}): left for that
     * replica, then waited for until the task's record changes (up to {@link #HANDOFF_WAIT}), so
     * what the caller is answered next is the task after the answer.
     */
    void answerElsewhere(A2aTask copy, ObjectNode message) {
        long before = copy.revision().number();
        board.askAnswer(copy.id, message);
        long end = System.nanoTime() + handoffWait.toNanos();
        try {
            while (copy.revision().number() <= before && System.nanoTime() < end) {
                Thread.sleep(TICK.toMillis() / 5);
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The longest a message waits for a dead replica's hold on its conversation to run out rather
     * than be answered busy: a door's lease and a margin for the clocks (decision 0076). A longer
     * hold (75 s, on a codex another host may reach) is answered busy with when to try again.
     */
    static final Duration LEASE_WAIT = LeaseWait.DEFAULT_BOUND;

    /**
     * Waits until {@code until} (the end of a dead replica's hold on a conversation) when that comes
     * within {@link #LEASE_WAIT}; false when it is further off, or the wait was interrupted.
     */
    static boolean waitForLeaseEnd(@Nullable Instant until) {
        return until == null || LeaseWait.awaitExpiry(until, LEASE_WAIT);
    }

    /** A dead replica's task whose conversation is leased to it until {@code until}: not tried again before. */
    void heldUntil(String taskId, Instant until) {
        heldUntil.put(taskId, until);
        if (heldUntil.size() > 10_000) {
            heldUntil.values().removeIf(at -> at.isBefore(Instant.now()));
        }
    }

    /** When the conversation of a dead replica's task is free to try again, or null when it may be tried now. */
    @Nullable Instant heldUntil(String taskId) {
        Instant at = heldUntil.get(taskId);
        if (at != null && !at.isAfter(Instant.now())) {
            heldUntil.remove(taskId, at);
            return null;
        }
        return at;
    }

    /** The lease refusal behind a failure to open a conversation, if that is what it is. */
    static @Nullable ConversationLeasedException leased(Throwable failure) {
        return LeaseWait.refusal(failure);
    }

    /** When a caller refused for a task running in its context looks again: a turn takes seconds at the least. */
    static final int RUNNING_TASK_RETRY_SECONDS = 2;

    /**
     * A context runs one task at a time and this one runs {@code running} here (null: a message is
     * being accepted into it this moment): the caller is told which task, and when to look again.
     */
    static A2aError runningHere(String contextId, @Nullable A2aTask running) {
        Map<String, String> meta = new java.util.TreeMap<>(Map.of("contextId", contextId,
                "retryAfterSeconds", Integer.toString(RUNNING_TASK_RETRY_SECONDS)));
        String which = "a running task";
        if (running != null) {
            String state = running.state();
            meta.put("taskId", running.id);
            meta.put("state", state);
            which = "task " + running.id + " " + state;
        }
        return new A2aError(A2aError.UNSUPPORTED, "context " + contextId + " has " + which + "; one task at a time per context: send again "
                + "once it has ended (get the task, or subscribe to it; look again in " + RUNNING_TASK_RETRY_SECONDS + " s)", meta);
    }

    /** A context's conversation runs on another replica: the defined answer, never a second writer. */
    static A2aError busy(String contextId, @Nullable TaskRecord running, @Nullable Instant freeBy) {
        Map<String, String> meta = new java.util.TreeMap<>(Map.of("contextId", contextId));
        String why;
        if (running != null) {
            meta.put("taskId", running.taskId());
            meta.put("state", running.state());
            meta.put("retryAfterSeconds", Integer.toString(RUNNING_TASK_RETRY_SECONDS));
            why = "task " + running.taskId() + " is " + running.state() + " in it on another replica of this agent; one task at a time per context: "
                    + "send again once it has ended (get the task, or subscribe to it; look again in " + RUNNING_TASK_RETRY_SECONDS + " s)";
        } else {
            long seconds = freeBy == null ? 1 : Math.max(1, Duration.between(Instant.now(), freeBy).toSeconds() + 1);
            meta.put("retryAfterSeconds", Long.toString(seconds));
            why = "its codex conversation is held by another replica of this agent, which did not hand it over within "
                    + HANDOFF_WAIT.toSeconds() + " s; send again in " + seconds + " s at the latest (its hold then runs out)";
        }
        return new A2aError(A2aError.UNSUPPORTED, "context " + contextId + " is busy: " + why, meta);
    }

    void tick() {
        try {
            if (ticks++ % BEAT_EVERY == 0 || board.heartbeatDue()) {
                board.heartbeat();
            }
            List<String> running = local.running().stream().map(t -> t.id).toList();
            TaskBoard.Asked asked = board.takeAsked(running, local.idleContexts());
            asked.cancels().forEach(local::cancel);
            asked.answers().forEach(local::answer);
            asked.handoffs().forEach(local::letGo);
            onTick.forEach(Runnable::run);
            refreshFollowed();
            if (!dirty.isEmpty()) {
                // progress since the last tick, and what a failed write left
                drain();
            }
            if (lastFailure != null) {
                LOG.info("the shared A2A records are written and read again");
                lastFailure = null;
            }
        } catch (RuntimeException e) {
            failed("its tick", e);
        }
    }

    private void refreshFollowed() {
        if (followed.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (TaskRecord r : board.tasks(List.copyOf(followed.keySet()))) {
            Followed f = followed.get(r.taskId());
            if (f == null) {
                continue;
            }
            f.task().follow(r);
            if (f.task().ended() || !f.task().watched() && now - f.since() > FRESH.toNanos()) {
                followed.remove(r.taskId(), f);
            } else if (!r.replicaAlive() && heldUntil(r.taskId()) == null && settling.add(r.taskId())) {
                settler.execute(() -> {
                    try {
                        local.orphaned(r);
                    } finally {
                        settling.remove(r.taskId());
                    }
                });
            }
        }
    }

    /** Logged once until the store answers again, not on every tick while it is away. */
    private void failed(String doing, RuntimeException e) {
        if (lastFailure == null) {
            LOG.warn("the shared A2A records failed {}: {}; other replicas see this one's tasks as they were until it is back",
                    doing, e.getMessage());
        }
        lastFailure = doing;
    }

    /** Stops ticking, writes what is left, and tells the others this replica is gone. */
    @Override
    public void close() {
        ticker.shutdownNow();
        settler.shutdownNow();
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<A2aTask> left = new ArrayList<>(dirty.values());
        left.forEach(this::flush);
        try {
            board.leave();
        } catch (RuntimeException e) {
            LOG.warn("the shared A2A records were not told this replica stopped: {}", e.getMessage());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
