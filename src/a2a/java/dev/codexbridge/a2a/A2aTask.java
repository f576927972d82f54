package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One A2A task: one codex turn, keyed by the task's id. Hears the turn's events and turns them
 * into A2A status and artifact updates for the streams subscribed to it; holds the pending codex
 * request while the task is {@code input-required}. All state is guarded by the task's monitor;
 * listener callbacks only queue events, they never block.
 */
final class A2aTask implements TurnListener {
    static final String SUBMITTED = "submitted";
    static final String WORKING = "working";
    static final String INPUT_REQUIRED = "input-required";
    static final String COMPLETED = "completed";
    static final String CANCELED = "canceled";
    static final String FAILED = "failed";
    static final String UNKNOWN = "unknown";
    private static final java.util.Set<String> STATES = java.util.Set.of(SUBMITTED, WORKING, INPUT_REQUIRED, COMPLETED, CANCELED, FAILED, UNKNOWN);

    /** Longest coalesced agent message kept per item, in characters. */
    private static final int MAX_MESSAGE_CHARS = 64 * 1024;

    final String id;
    final String contextId;
    private final int queuedEvents;
    private final Duration approvalDeadline;
    private String state = SUBMITTED;
    private ObjectNode status = A2aWire.status(SUBMITTED, null);
    private final List<ObjectNode> artifacts = new ArrayList<>();
    private final List<JsonNode> history = new ArrayList<>();
    private final List<TaskStream> streams = new ArrayList<>();
    private final Map<String, StringBuilder> deltas = new HashMap<>();
    private @Nullable PendingRequest pending;
    private int requests;
    private @Nullable String turnId;
    private @Nullable Runnable interrupt;
    private boolean structured;
    private final ObjectNode metadata = A2aWire.object();
    private java.util.function.@Nullable Consumer<ObjectNode> observer;
    /** Counts this task's changes, so a shared record keeps the latest of them ({@link TaskRecorder}). */
    private long revision;
    private @Nullable TaskRecorder recorder;
    /** The newest revision in the shared record (-1: none yet): a flush with nothing newer writes nothing. */
    private long recordedRevision = -1;
    /** A task another replica runs: a copy of its shared record, changed by {@link #follow} alone. */
    private final boolean elsewhere;
    /** Threads waiting in {@link #awaitPause}. */
    private int waiters;
    /** Interrupted because the server stopped past its drain: its end says so. */
    private boolean stoppedByServer;

    /** A task of the caller's {@code userMessage} (null for a task rebuilt after a restart: the message was not kept). */
    A2aTask(String id, String contextId, @Nullable JsonNode userMessage, int queuedEvents, Duration approvalDeadline) {
        this(id, contextId, queuedEvents, approvalDeadline, false);
        if (userMessage != null) {
            history.add(userMessage);
        }
    }

    private A2aTask(String id, String contextId, int queuedEvents, Duration approvalDeadline, boolean elsewhere) {
        this.id = id;
        this.contextId = contextId;
        this.queuedEvents = queuedEvents;
        this.approvalDeadline = approvalDeadline;
        this.elsewhere = elsewhere;
    }

    /**
     * A task as its shared record has it: {@code elsewhere}, a copy of a task another replica runs;
     * otherwise one this replica takes over (a dead replica's, settled from codex's record), its
     * changes counted on from the record's revision.
     */
    static A2aTask ofRecord(TaskRecord r, boolean elsewhere, int queuedEvents, Duration approvalDeadline) {
        A2aTask t = new A2aTask(r.taskId(), r.contextId(), queuedEvents, approvalDeadline, elsewhere);
        synchronized (t) {
            t.take(r.taskJson());
            t.revision = r.revision();
            t.recordedRevision = r.revision();
        }
        return t;
    }

    /** Another replica's newer record of this task: its changes told to the streams, as this replica's own would be. */
    synchronized void follow(TaskRecord r) {
        if (!elsewhere || r.revision() <= revision || r.task() == null) {
            return;
        }
        List<ObjectNode> before = List.copyOf(artifacts);
        ObjectNode was = status;
        take(r.task());
        revision = r.revision();
        for (ObjectNode a : artifacts) {
            if (!before.contains(a)) {
                emit(A2aWire.artifactUpdate(id, contextId, a.deepCopy()), false);
            }
        }
        if (!status.equals(was)) {
            emit(A2aWire.statusUpdate(id, contextId, status.deepCopy(), isPause(state), null), isPause(state));
            notifyAll();
        }
    }

    /** Status, artifacts, history and metadata from a task's JSON; an unknown state reads as {@code unknown}. */
    private void take(ObjectNode task) {
        JsonNode s = task.path("status");
        state = STATES.contains(s.path("state").asText()) ? s.path("state").asText() : UNKNOWN;
        status = s.isObject() ? ((ObjectNode) s.deepCopy()).put("state", state) : A2aWire.status(state, null);
        artifacts.clear();
        task.path("artifacts").forEach(a -> {
            if (a.isObject()) {
                artifacts.add((ObjectNode) a.deepCopy());
            }
        });
        history.clear();
        task.path("history").forEach(h -> history.add(h.deepCopy()));
        metadata.removeAll();
        if (task.path("metadata").isObject()) {
            metadata.setAll((ObjectNode) task.path("metadata").deepCopy());
        }
        turnId = metadata.hasNonNull("codexTurnId") ? metadata.path("codexTurnId").asText() : turnId;
    }

    /** Whether another replica runs this task (this is a copy of its record). */
    boolean elsewhere() {
        return elsewhere;
    }

    /** Where this task's changes are recorded for the other replicas; set before its turn starts. */
    synchronized void recordTo(TaskRecorder recorder) {
        this.recorder = recorder;
    }

    /** The task as recorded: its revision, state and A2A JSON, read together. */
    synchronized TaskRecorder.Revision revision() {
        return new TaskRecorder.Revision(revision, state, snapshot(null));
    }

    /** The shared record holds this task at {@code revision} (or later). */
    synchronized void recordedAt(long revision) {
        recordedRevision = Math.max(recordedRevision, revision);
    }

    /** Whether the shared record holds this task's latest change. */
    synchronized boolean recordedAll() {
        return recordedRevision >= revision;
    }

    /** Whether the task ended and the shared record holds its end: every replica reads it from there, so none need keep it. */
    synchronized boolean endRecorded() {
        return isEnd(state) && recorder != null && recordedRevision >= revision;
    }

    /** Whether the task ended or waits for the caller: a change a caller may be answered with next. */
    synchronized boolean paused() {
        return isPause(state);
    }

    /** Waits until this task's latest change is recorded: before a replica answers that change. */
    void recorded() {
        TaskRecorder r;
        synchronized (this) {
            r = recorder;
        }
        if (r != null) {
            r.flush(this);
        }
    }

    /** Whether a stream or a waiting call follows this task now. */
    synchronized boolean watched() {
        return !streams.isEmpty() || waiters > 0;
    }

    /** The turn was started with an output schema: its answer is also a {@code structured-output} data artifact. */
    synchronized void expectStructuredOutput() {
        structured = true;
    }

    synchronized String state() {
        return state;
    }

    synchronized boolean ended() {
        return isEnd(state);
    }

    static boolean isEnd(String state) {
        return state.equals(COMPLETED) || state.equals(CANCELED) || state.equals(FAILED) || state.equals(UNKNOWN);
    }

    /** Where a stream or a blocking send stops waiting: the task ended or waits for the caller. */
    private static boolean isPause(String state) {
        return isEnd(state) || state.equals(INPUT_REQUIRED);
    }

    synchronized void onInterrupt(Runnable interrupt) {
        if (!isEnd(state)) {
            this.interrupt = interrupt;
        }
    }

    /** Whether the task holds its turn's interrupt (and so the turn's session): only until it ends. */
    synchronized boolean holdsTurn() {
        return interrupt != null;
    }

    /** The task as A2A's {@code Task}, its history cut to the newest {@code historyLength} messages (all if null). */
    synchronized ObjectNode snapshot(@Nullable Integer historyLength) {
        ObjectNode t = A2aWire.object().put("kind", "task").put("id", id).put("contextId", contextId);
        t.set("status", status.deepCopy());
        ArrayNode a = t.putArray("artifacts");
        artifacts.forEach(x -> a.add(x.deepCopy()));
        ArrayNode h = t.putArray("history");
        int from = historyLength == null ? 0 : Math.max(0, history.size() - historyLength);
        history.subList(from, history.size()).forEach(x -> h.add(x.deepCopy()));
        ObjectNode meta = t.putObject("metadata");
        meta.setAll(metadata.deepCopy());
        if (turnId != null) {
            meta.put("codexTurnId", turnId);
        }
        return t;
    }

    /**
     * A stream of this task's events from now on, its first event the task as it is. A task that
     * ended or waits for the caller gives the snapshot alone: a resubscribing caller sees a pending
     * request exactly once, in the snapshot's status.
     */
    synchronized TaskStream subscribe() {
        TaskStream s = new TaskStream(queuedEvents);
        s.offer(snapshot(null));
        if (isPause(state)) {
            s.end();
        } else {
            streams.add(s);
        }
        return s;
    }

    synchronized void unsubscribe(TaskStream s) {
        streams.remove(s);
    }

    /** Waits until the task ended or waits for the caller, at most {@code wait}. */
    synchronized void awaitPause(Duration wait) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        waiters++;
        try {
            while (!isPause(state)) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } finally {
            waiters--;
        }
    }

    /** Codex asks something: the task waits for the caller, declined when the deadline passes (fail-closed). */
    synchronized CompletableFuture<ApprovalDecision> ask(ApprovalRequest request) {
        if (isEnd(state) || pending != null) {
            return CompletableFuture.completedFuture(ApprovalDecision.deny(isEnd(state) ? "the task has ended" : "another request is pending"));
        }
        PendingRequest p = new PendingRequest(id + "/request-" + (++requests), request);
        pending = p;
        p.settleBy(approvalDeadline, this::answered);
        change(INPUT_REQUIRED, p.asking(id, contextId), null);
        return p.answer();
    }

    /**
     * The caller's message to this task: an answer to the pending request ({@link InputRequests}).
     * One that answers nothing leaves the request pending, the task {@code input-required} with a
     * status saying which answers are understood. A task that ended, or runs without waiting,
     * takes no message ({@code UnsupportedOperationError}).
     */
    void answer(JsonNode message) {
        ApprovalDecision decision;
        PendingRequest p;
        synchronized (this) {
            p = pending;
            if (p == null || !state.equals(INPUT_REQUIRED)) {
                throw new A2aError(A2aError.UNSUPPORTED, isEnd(state)
                        ? "task " + id + " is already " + state + " and takes no more messages; to go on, send a new message in its context "
                                + contextId + " (without the taskId)"
                        : InputRequests.notWaiting(id, state), java.util.Map.of("taskId", id, "state", state));
            }
            decision = InputRequests.decision(message);
            history.add(A2aWire.userMessage(message, id, contextId));
            if (decision == null) {
                // free text that answers nothing: the request stays, and the status says what is understood
                change(INPUT_REQUIRED, p.notUnderstood(id, contextId, message), null);
                return;
            }
            // settled before codex hears the answer: its next request may come at once
            answered(p.requestId());
        }
        // completed outside the monitor: the session sends codex the answer on this thread
        p.answer().complete(decision);
    }

    private synchronized void answered(String requestId) {
        if (pending != null && pending.requestId().equals(requestId)) {
            pending = null;
            if (state.equals(INPUT_REQUIRED)) {
                change(WORKING, null, null);
            }
        }
    }

    @Override
    public void onApprovalWithdrawn(ApprovalRequest request) {
        PendingRequest p;
        synchronized (this) {
            p = pending;
            if (p == null || p.request() != request) {
                return;
            }
            answered(p.requestId());
        }
        p.answer().cancel(false);
    }

    /** The caller asked to cancel: codex's turn is interrupted; the turn's end makes the task canceled. */
    void cancel() {
        Runnable i;
        PendingRequest p;
        synchronized (this) {
            if (isEnd(state)) {
                throw new A2aError(A2aError.TASK_NOT_CANCELABLE, "task " + id + " is already " + state);
            }
            i = interrupt;
            p = pending;
            if (p != null) {
                answered(p.requestId());
            }
        }
        // outside the monitor: the session answers codex, and the turn's events come back here
        if (p != null) {
            p.answer().complete(ApprovalDecision.cancel());
        }
        if (i != null) {
            i.run();
        }
    }

    /**
     * The server stops past its drain while this turn works: codex's turn is interrupted, and the
     * task's end says why. A task waiting for its caller, or ended, is left as it is.
     */
    void interruptForStop() {
        Runnable i;
        synchronized (this) {
            if (isPause(state)) {
                return;
            }
            stoppedByServer = true;
            i = interrupt;
        }
        if (i != null) {
            i.run();
        }
    }

    @Override
    public synchronized void onTurnStarted(String key, String turnId) {
        this.turnId = turnId;
        if (state.equals(SUBMITTED)) {
            change(WORKING, null, A2aWire.object().put("codexTurnId", turnId));
        }
    }

    @Override
    public synchronized void onAgentMessageDelta(String itemId, String delta) {
        StringBuilder b = deltas.computeIfAbsent(itemId, k -> new StringBuilder());
        if (b.length() + delta.length() <= MAX_MESSAGE_CHARS) {
            b.append(delta);
        }
    }

    @Override
    public synchronized void onItemStarted(ThreadItem item) {
        if (item instanceof ThreadItem.CommandExecution c && !isPause(state)) {
            progress("running: " + c.command());
        }
    }

    @Override
    public synchronized void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
        if (item instanceof ThreadItem.AgentMessage m) {
            // the deltas of one message coalesced into one update
            StringBuilder b = deltas.remove(m.id());
            String text = m.text() != null ? m.text() : b == null ? "" : b.toString();
            if (!text.isEmpty() && !isPause(state)) {
                progress(text);
            }
        } else if (item instanceof ThreadItem.FileChange f && f.changes() != null) {
            addArtifact(A2aWire.fileChangeArtifact(f));
        }
    }

    private void progress(String text) {
        change(state.equals(SUBMITTED) ? WORKING : state, A2aWire.agentMessage(id, contextId, A2aWire.textPart(text)), null);
    }

    private void addArtifact(ObjectNode artifact) {
        artifacts.add(artifact);
        emit(A2aWire.artifactUpdate(id, contextId, artifact.deepCopy()), false);
        changed();
    }

    /** The turn ended: every outcome mapped to a state ({@link TaskEnd}). */
    synchronized void finish(@Nullable TurnResult r, @Nullable Throwable failure) {
        if (isEnd(state)) {
            return;
        }
        if (pending != null) {
            PendingRequest p = pending;
            pending = null;
            p.answer().cancel(false);
        }
        if (r != null && r.turnId() != null) {
            turnId = r.turnId();
        }
        TaskEnd end = TaskEnd.of(id, contextId, r, failure, structured);
        if (stoppedByServer && end.state().equals(CANCELED)) {
            end = end.saying(A2aWire.agentMessage(id, contextId, A2aWire.textPart(A2aDrain.STOPPED)));
        }
        if (end.metadata() != null) {
            metadata.setAll(end.metadata());
        }
        end.artifacts().forEach(this::addArtifact);
        if (end.state().equals(COMPLETED)) {
            history.add(end.message());
        }
        change(end.state(), end.message(), end.metadata());
    }

    /** A new state (or new progress in the same one), told to every stream; a pause ends the streams. */
    private void change(String newState, @Nullable ObjectNode message, @Nullable ObjectNode metadata) {
        state = newState;
        if (isEnd(newState)) {
            // an ended task is kept for callers (up to the limits); its turn's handle would keep the whole session
            interrupt = null;
        }
        status = A2aWire.status(newState, message);
        emit(A2aWire.statusUpdate(id, contextId, status.deepCopy(), isPause(newState), metadata), isPause(newState));
        notifyAll();
        changed();
    }

    /** A change of this replica's: counted, and queued for the shared record (never written here, under the monitor). */
    private void changed() {
        revision++;
        if (recorder != null) {
            recorder.changed(this);
        }
    }

    /**
     * Hears every event of this task from now on, under the task's monitor: it must only queue
     * (push notifications do). One observer per task; a second replaces the first.
     */
    synchronized void observe(java.util.function.Consumer<ObjectNode> observer) {
        this.observer = observer;
    }

    private void emit(ObjectNode event, boolean last) {
        if (observer != null) {
            observer.accept(event);
        }
        for (TaskStream s : List.copyOf(streams)) {
            if (!s.offer(event) || last) {
                s.end();
                streams.remove(s);
            }
        }
    }
}
