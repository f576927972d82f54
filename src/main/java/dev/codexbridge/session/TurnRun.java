package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.ItemIds;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.protocol.AgentMessageDeltaNotification;
import dev.codexbridge.protocol.CommandExecutionOutputDeltaNotification;
import dev.codexbridge.protocol.ConfigWarningNotification;
import dev.codexbridge.protocol.ErrorNotification;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ItemStartedNotification;
import dev.codexbridge.protocol.ReasoningSummaryTextDeltaNotification;
import dev.codexbridge.protocol.ReasoningTextDeltaNotification;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadTokenUsageUpdatedNotification;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnError;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.protocol.TurnCompletedNotification;
import dev.codexbridge.protocol.TurnInterruptParams;
import dev.codexbridge.protocol.TurnPlanUpdatedNotification;
import dev.codexbridge.protocol.TurnSteerParams;
import dev.codexbridge.protocol.TurnSteerResponse;
import dev.codexbridge.protocol.WarningNotification;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.ProjectorOptions;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * One turn as a state machine: sends {@code turn/start}, then handles the session inbox's events
 * in arrival order until {@code turn/completed}, a deadline, an interrupt confirmed by codex, or
 * the connection's end. Events arrive one at a time on the dispatch executor; deadlines are timer
 * tasks on the shared timer that post into the same inbox. No thread is parked for a turn.
 *
 * <p>Longer than the library's usual class on purpose: it is one state machine whose fields are
 * the turn's state, touched by one event at a time; what has a seam of its own is outside it
 * ({@link TurnStart}, {@link TurnEvent}, {@link ErrorClassifier}, {@link ThreadConnection}, and
 * following the turn across a dropped connection, {@link TurnReattach}, to which it shows itself
 * as a {@link TurnReattach.FollowedTurn}).
 */
final class TurnRun implements TurnEvent.Handler, TurnReattach.FollowedTurn {
    private static final Logger LOG = SafeLogger.getLogger(TurnRun.class);
    /** Before the result of an item whose request codex withdrew as the turn was interrupted. */
    static final String WITHDRAWN_BY_INTERRUPT = "[withdrawn: the turn was interrupted before this session answered]";
    /** Before the result of an item whose request was settled without this session: another client answered it. */
    static final String RESOLVED_ELSEWHERE = "[resolved elsewhere: codex did not wait for this session's answer]";

    /**
     * What a turn runs with besides its options: the session's settings, resolved for this turn.
     *
     * @param limits         this turn's limits, every component set
     * @param requestTimeout deadline of {@code turn/start} and {@code turn/interrupt}
     * @param interruptGrace how long codex gets to confirm an interrupt before the connection is given up
     * @param rateLimits     the account's governor, or null
     */
    record Setup(TurnLimits limits, Duration requestTimeout, Duration interruptGrace, ProjectorOptions projector,
                    RateLimitGovernor rateLimits) {
    }

    private final ThreadConnection thread;
    private final Setup settings;
    private final TurnOptions options;
    private final TurnListener listener;
    private final Duration turnTimeout;
    private final Duration idleTimeout;
    private final int maxSteps;
    private final ItemProjector projector;
    /** Shared by every attempt of one turn, so an interrupt reaches whichever attempt or wait is current. */
    private final AtomicBoolean interruptRequested;
    private final RateLimitGovernor.Cancellation waitCancel;
    /** When the turn (its first attempt or wait) began: results count from here. */
    private final long startedAt;
    private final int attempt;
    private long rateLimitWaitMs;
    /** When each completed agent action ended, in ms since the turn started. */
    private final List<Long> stepEnds = new ArrayList<>();

    private final CompletableFuture<TurnResult> done = new CompletableFuture<>();
    /** Set as the turn ends, before its queued decisions are written (see finish). */
    private volatile boolean finished;
    private volatile SessionInbox inbox;
    private ServerRequestBridge bridge;
    private long lastProgress;
    /** The client's connection this attempt runs on. */
    private int connection;
    /** The one pending timer task and when it is due; touched only by the turn's events. */
    private ScheduledFuture<?> tick;
    private long tickDue;
    /** Set when the session fell behind on a shared connection: the turn ends as failed. */
    private TurnEvent.Overflowed overflow;
    private volatile CodexClient client;
    private volatile String threadId;
    private volatile String turnId;
    /**
     * What came for this thread between sending {@code turn/start} and its answer, in codex's
     * order: notifications (their turn is not known yet) and the server requests among them, which
     * wait too, so the listener hears both in the order codex sent them.
     */
    private final List<Object> early = new ArrayList<>();
    private boolean interruptSent;
    private StopReason stopReason;
    private boolean timedOut;
    private String timeoutWhy;
    private TurnFailure lastError;
    private TokenUsage tokenUsage;
    private int steps;
    private long graceDeadline;
    /** Set when codex completed this attempt as failed for a rate or usage limit: the outcome is known, a retry is safe. */
    private RateLimitSignal rateLimited;
    private boolean sent;
    /** Codex's record says how this attempt ended (see confirmed). */
    private boolean endConfirmed;
    /** When this attempt began (after any rate-limit wait): the turn's deadlines count from here. */
    private long attemptStartedAt = System.nanoTime();
    /** Following the turn across a dropped connection (decision 0022), and what that keeps. */
    private final TurnReattach reattach;
    private final TurnFollow follow;
    /** The turn's key (the host's or the library's), or null for a turn this session follows without starting it. */
    private final String key;
    /** Told codex's turn id as soon as codex names the turn, or null. */
    private final TurnHandle handle;
    /** This attempt's {@code clientUserMessageId}: how the turn is found in codex's record when the start's answer is lost. */
    private String messageId;

    /** One attempt of a turn: the interrupt flag, the wait's cancellation and the start time are the turn's. */
    TurnRun(ThreadConnection thread, Setup settings, TurnOptions options, TurnListener listener,
            AtomicBoolean interruptRequested, RateLimitGovernor.Cancellation waitCancel, long startedAt, int attempt, long rateLimitWaitMs,
            String key, TurnHandle handle) {
        this.key = key;
        this.handle = handle;
        this.interruptRequested = interruptRequested;
        this.waitCancel = waitCancel;
        this.startedAt = startedAt;
        this.attempt = attempt;
        this.rateLimitWaitMs = rateLimitWaitMs;
        this.thread = thread;
        this.settings = settings;
        this.options = options;
        this.listener = listener;
        this.turnTimeout = settings.limits().turnTimeout();
        this.idleTimeout = settings.limits().idleTimeout();
        this.maxSteps = settings.limits().maxSteps();
        this.projector = new ItemProjector(settings.projector(), !options.streamTranscript());
        this.reattach = new TurnReattach(thread, this);
        this.follow = reattach.state();
    }

    void requestInterrupt() {
        waitCancel.cancel();
        if (interruptRequested.compareAndSet(false, true)) {
            SessionInbox box = inbox;
            if (box != null) {
                box.post(TurnEvent.INTERRUPT_REQUESTED);
            }
        }
    }

    boolean steer(TurnInput input) {
        CodexClient c = client;
        String turn = turnId;
        if (c == null || turn == null) {
            return false;
        }
        TurnSteerParams params = TurnSteerParams.builder().threadId(threadId).expectedTurnId(turn).input(input.toUserInputs()).build();
        try {
            TurnSteerResponse r = c.turnSteer(params);
            return r.turnId() == null || turn.equals(r.turnId());
        } catch (CodexException e) {
            LOG.debug("turn/steer refused: {}", e.getMessage());
            return false;
        }
    }

    /** The turn could not begin: its thread could not be opened ({@link ThreadConnection#startFailure} says why). */
    TurnResult startupFailure(TurnFailure error) {
        // turn/start was never sent: when only the connection was missing, sending again is safe
        TurnOutcome status = error.category() == ErrorCategory.PROCESS_DIED ? TurnOutcome.NOT_RECEIVED : TurnOutcome.FAILED;
        return new TurnResult(thread.threadId(), null, status, null, thread.advised(error), StopReason.ERROR, 0, 0, List.of(),
                elapsedMs(System.nanoTime()), attempt - 1, rateLimitWaitMs, null, error.category() != ErrorCategory.SETTINGS_REJECTED, List.of(),
                null, key);
    }

    /** The turn was not sent because an earlier turn on the thread could not be settled first ({@code why}): safe to send again. */
    TurnResult notSent(TurnFailure why) {
        return new TurnResult(thread.threadId(), null, TurnOutcome.NOT_RECEIVED, null, thread.advised(why), StopReason.ERROR, 0, 0, List.of(),
                elapsedMs(System.nanoTime()), attempt - 1, rateLimitWaitMs, null, false, List.of(), null, key);
    }

    /**
     * Waits for {@code governor} before this attempt's {@code turn/start}, with no thread waiting,
     * passing the countdown to the listener; completes with how long it waited.
     */
    CompletableFuture<Duration> waitForRateLimit(RateLimitGovernor governor) {
        return governor.whenReady(waitCancel, attempt, w -> safely(() -> listener.onRateLimitWait(w)))
                .whenComplete((waited, failure) -> {
                    if (waited != null) {
                        rateLimitWaitMs += waited.toMillis();
                    }
                    attemptStartedAt = System.nanoTime();
                });
    }

    /** The wait before this attempt ended without an attempt: an interrupt, the session's close, or the governor's. */
    TurnResult waitCancelled(RateLimitGovernor.WaitCancelledException e, long waitedInAllMs, String threadId) {
        this.threadId = threadId;
        TurnFailure error = TurnFailure.of(e.getMessage() + " before attempt " + attempt, ErrorCategory.USAGE_LIMIT, null);
        return new TurnResult(threadId, null, TurnOutcome.INTERRUPTED, null, error, StopReason.INTERRUPT, 0, 0, List.of(),
                elapsedMs(System.nanoTime()), attempt - 1, waitedInAllMs, null, false, List.of(), null, key);
    }

    /** The cancellation of this turn's rate-limit waits (the session cancels it on close). */
    RateLimitGovernor.Cancellation waitCancellation() {
        return waitCancel;
    }

    boolean interruptWasRequested() {
        return interruptRequested.get();
    }

    /** The rate-limit failure codex completed this attempt with, or null: only then is a retry safe. */
    RateLimitSignal rateLimited() {
        return rateLimited;
    }

    /**
     * Sends the start request and returns at once; the turn then advances as its inbox hands it
     * events on the dispatch executor, and the future completes when it ends. Nothing waits.
     */
    CompletableFuture<TurnResult> begin(CodexClient client, SessionInbox inbox, ServerRequestBridge bridge, String threadId, TurnStart starter,
                                        ThreadReplacement replaced) {
        this.client = client;
        this.inbox = inbox;
        this.bridge = bridge;
        this.threadId = threadId;
        this.connection = client.generation();
        if (interruptRequested.get()) {
            // Interrupted before anything was sent: never start the turn at all.
            return CompletableFuture.completedFuture(result(TurnOutcome.INTERRUPTED, StopReason.INTERRUPT, null, false));
        }
        lastProgress = attemptStartedAt;
        inbox.turnStarted(this);
        if (replaced != null) {
            inbox.post(new TurnEvent.ThreadReplaced(replaced));     // heard on the turn's own thread, before anything else
        }
        // In order: the answer must reach the inbox before the notifications codex sends after it.
        sent = true;
        messageId = starter.keyed() && key != null ? TurnKeys.messageId(key, attempt) : null;
        thread.turnSent(threadId, starter);
        ClientPlumbing.of(client).requestInOrder(starter.method(), starter.params(threadId, options, messageId), settings.requestTimeout(),
                (r, e) -> inbox.post(new TurnEvent.StartAnswered(r, e)));
        armTimer(System.nanoTime());
        return done;
    }

    /**
     * Follows turn {@code turnId}, which this session did not start (another process did, or an
     * earlier one of this host): the listener gets the turn's completed items from its start,
     * then its live events; the future completes when it ends, at once for a turn that already
     * ended (from codex's record). Nothing waits.
     */
    CompletableFuture<TurnResult> follow(CodexClient client, SessionInbox inbox, ServerRequestBridge bridge, String threadId, String turnId) {
        this.client = client;
        this.inbox = inbox;
        this.bridge = bridge;
        this.threadId = threadId;
        this.turnId = turnId;
        this.connection = client.generation();
        this.sent = true;
        lastProgress = attemptStartedAt;
        inbox.turnStarted(this);
        if (thread.reattachWindow() != null) {
            thread.watchResume(reattach.watch());
        }
        inbox.post(new TurnEvent.Resumed(inbox, false));
        armTimer(System.nanoTime());
        return done;
    }

    @Override
    public void onMessage(CodexEvent.Notification message) {
        step(message, null);
    }

    @Override
    public void onEvent(TurnEvent event) {
        step(null, event);
    }

    /**
     * One message or event, on the dispatch executor, never two at once for this turn: the lock
     * is uncontended except across a re-attach, when the old connection's inbox and the new one
     * may both hand the turn something.
     */
    private synchronized void step(CodexEvent.Notification message, TurnEvent event) {
        if (done.isDone()) {
            return;
        }
        TurnResult finished;
        // one clock reading per event: a turn handles hundreds of thousands, and the reading is
        // the event's arrival here for progress, deadlines and the timer alike
        long now = System.nanoTime();
        try {
            finished = message != null ? handleMessage(message, now) : handle(event, now);
            if (finished == null) {
                finished = checkDeadlines(now);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("turn on thread {} failed inside the library", threadId, e);
            finished = result(TurnOutcome.FAILED, StopReason.ERROR,
                    TurnFailure.of("the turn failed inside codex-bridge: " + e, ErrorCategory.OTHER, null), true);
        }
        if (finished != null) {
            finish(finished);
        } else {
            armTimer(now);
        }
    }

    /** Codex has a record of how the turn ended (or that it stored nothing of it). */
    private void confirmed() {
        endConfirmed = true;
        thread.turnConfirmed();
    }

    private void finish(TurnResult r) {
        if (sent && !endConfirmed) {
            thread.turnUnsettled();     // codex may still run it: the next turn settles that first
        }
        ScheduledFuture<?> t = tick;
        if (t != null) {
            t.cancel(false);
        }
        finished = true;
        thread.unwatchResume(reattach.watch());
        // requests held for a turn/start answer that never came are put to the host, as they were before the hold
        for (Object held : takeEarly()) {
            if (held instanceof TurnEvent.Asked pending) {
                ask(pending, System.nanoTime());
            }
        }
        // decisions ready but not yet handled go out now; later ones are written as they come
        inbox.forEachQueuedEvent(o -> {
            if (o instanceof TurnEvent.Answered a && a.run() == this) {
                write(a);
            }
        });
        inbox.turnEnded();
        done.complete(r);
    }

    /**
     * A turn whose connection came back within the window waits up to this many windows in all
     * for its thread's resume: after a drop with hundreds of running turns, the resumes queue behind
     * one another ({@code concurrentResumes} at a time) while codex is busy running those turns.
     */
    private static final int REATTACH_WINDOWS_AFTER_RECONNECT = 4;

    /** The shared client is open again on a newer connection than the one the turn lost. */
    private boolean reconnectedSinceDrop() {
        CodexClient c = client;
        return c != null && c.isOpen() && c.generation() != connection;
    }

    private TurnResult checkDeadlines(long now) {
        if (follow.detached() && now >= follow.windowEnds()
                && !(reconnectedSinceDrop() && follow.extendWindow(thread.reattachWindow(), REATTACH_WINDOWS_AFTER_RECONNECT))) {
            return reattach.windowPassed();
        }
        if (graceDeadline != 0 && now >= graceDeadline && !follow.detached()) {
            // codex did not confirm the interrupt: it is stuck, so the session gives it up
            thread.markRetired(connection);
            TurnOutcome status = timedOut ? TurnOutcome.TIMED_OUT : TurnOutcome.INTERRUPTED;
            TurnFailure error = timedOut ? TurnFailure.of(timeoutWhy + "; codex did not confirm the interrupt", ErrorCategory.TIMEOUT, null)
                    : TurnFailure.of("codex did not confirm the interrupt within " + settings.interruptGrace().toSeconds()
                            + " s", ErrorCategory.TIMEOUT, null);
            return result(status, timedOut ? StopReason.TIMEOUT : stopReason, error, true);
        }
        if (!timedOut) {
            if (!turnTimeout.isZero() && now - attemptStartedAt >= turnTimeout.toNanos()) {
                expire("turn timed out after " + seconds(turnTimeout));
            } else if (!idleTimeout.isZero() && !follow.detached() && now - lastProgress >= idleTimeout.toNanos()) {
                // (not while detached: codex's silence then is the connection's, and the re-attach restarts the clock)
                expire("turn inactive for " + seconds(idleTimeout) + " (no progress from codex; task incomplete)");
            }
        }
        return null;
    }

    /**
     * Keeps one timer task on the shared timer for the earliest deadline. Progress moves the idle
     * deadline later without touching the timer: the task then fires early and re-arms itself.
     */
    private void armTimer(long now) {
        long due = nextDeadline();
        if (due == Long.MAX_VALUE || tick != null && tickDue <= due) {
            return;
        }
        ScheduledFuture<?> previous = tick;
        if (previous != null) {
            previous.cancel(false);
        }
        tickDue = due;
        tick = RpcThreads.timer().schedule(() -> inbox.post(TurnEvent.TICK), Math.max(0, due - now), TimeUnit.NANOSECONDS);
    }

    private long nextDeadline() {
        long due = Long.MAX_VALUE;
        if (follow.detached()) {
            due = follow.windowEnds();
        } else if (graceDeadline != 0) {
            due = graceDeadline;
        }
        if (!timedOut && !turnTimeout.isZero()) {
            due = Math.min(due, attemptStartedAt + turnTimeout.toNanos());
        }
        if (!timedOut && !idleTimeout.isZero() && !follow.detached()) {
            due = Math.min(due, lastProgress + idleTimeout.toNanos());
        }
        return due;
    }

    private TurnResult handle(TurnEvent event, long now) {
        eventNow = now;
        return event.accept(transitions);
    }

    /** When the event being handled arrived (read once per event, see step). */
    private long eventNow;
    private final Steps transitions = new Steps();

    /**
     * The turn's transitions, one per kind of event: the compiler checks that every kind of
     * {@link TurnEvent} has one. Each returns the turn's result when the event ends it.
     */
    private final class Steps implements TurnEvent.Visitor<TurnResult> {
        @Override
        public TurnResult tick(TurnEvent.Tick t) {
            tick = null;
            return null;
        }

        @Override
        public TurnResult closed(TurnEvent.Closed closed) {
            return reattach.closed(closed, eventNow);
        }

        @Override
        public TurnResult resumed(TurnEvent.Resumed resumed) {
            lastProgress = eventNow;
            return reattach.resumed(resumed, eventNow);
        }

        @Override
        public TurnResult caughtUp(TurnEvent.CaughtUp caught) {
            lastProgress = eventNow;
            return reattach.caughtUp(caught, eventNow);
        }

        @Override
        public TurnResult overflowed(TurnEvent.Overflowed overflowed) {
            overflow = overflowed;
            if (stopReason == null) {
                stopReason = StopReason.ERROR;
            }
            sendInterrupt();
            return null;
        }

        @Override
        public TurnResult interruptRequested(TurnEvent.InterruptRequested r) {
            if (stopReason == null) {
                stopReason = StopReason.INTERRUPT;
            }
            sendInterrupt();
            return null;
        }

        @Override
        public TurnResult threadReplaced(TurnEvent.ThreadReplaced replaced) {
            safely(() -> listener.onThreadReplaced(replaced.replacement()));
            return null;
        }

        @Override
        public TurnResult startAnswered(TurnEvent.StartAnswered answered) {
            return startAnsweredStep(answered, eventNow);
        }

        @Override
        public TurnResult answered(TurnEvent.Answered a) {
            respond(a);
            if (a.run() == TurnRun.this) {
                lastProgress = eventNow;
            }
            return null;
        }

        @Override
        public TurnResult asked(TurnEvent.Asked pending) {
            if (!pending.claim() || pending.isWithdrawn()) {
                return null;    // answered between turns, or withdrawn before the host was asked
            }
            if (sent && turnId == null) {
                early.add(pending);     // after the notifications held before it, once turn/start is answered
                return null;
            }
            return ask(pending, eventNow);
        }

        @Override
        public TurnResult withdrawn(TurnEvent.Withdrawn w) {
            TurnRun.this.withdrawn(w);
            lastProgress = eventNow;
            return null;
        }
    }

    /** Codex answered {@code turn/start}: the turn has its id, or the answer's failure decides how it goes on. */
    private TurnResult startAnsweredStep(TurnEvent.StartAnswered answered, long now) {
        if (answered.failure() != null) {
            Throwable cause = Futures.unwrap(answered.failure());
            if (turnId != null) {
                return null;        // named already: found in codex's record by its key after the answer was lost
            }
            if (cause instanceof ConnectionClosedException closed && messageId != null && thread.reattachWindow() != null) {
                // the answer is lost, not the turn: codex's record says, once the connection is back, whether it ran
                holdEarlyRequests(now);
                return reattach.startLost(closed, now);
            }
            holdEarlyRequests(now);
            return startFailed(answered.failure());
        }
        if (turnId != null) {
            return null;        // found by its key before this answer came
        }
        JsonNode turn = answered.result().get("turn");
        JsonNode id = turn == null ? null : turn.get("id");
        identified(id != null && id.isTextual() ? id.asText() : null);
        lastProgress = now;
        if (turnId != null && thread.reattachWindow() != null) {
            // from now on: a resume may be answered before this turn has handled the old connection's end
            thread.watchResume(reattach.watch());
        }
        if (interruptRequested.get() || timedOut || stopReason == StopReason.STEP_BUDGET || overflow != null) {
            sendInterrupt();
        }
        for (Object held : takeEarly()) {
            if (held instanceof TurnEvent.Asked pending) {
                ask(pending, now);
                continue;
            }
            CodexEvent.Notification n = (CodexEvent.Notification) held;
            if (!n.turnId().equals(turnId)) {
                continue;       // an earlier turn's last words (say, one interrupted as the thread came back)
            }
            TurnResult done = handleNotification(n, bridge);
            if (done != null) {
                return done;
            }
        }
        return null;
    }

    /** The requests held for the start's answer go to the host: the host decides, and the turn's end settles them. */
    private void holdEarlyRequests(long now) {
        List<Object> notifications = new ArrayList<>();
        for (Object held : takeEarly()) {
            if (held instanceof TurnEvent.Asked pending) {
                ask(pending, now);
            } else {
                notifications.add(held);
            }
        }
        early.addAll(notifications);        // kept until codex's record names the turn they may belong to
    }

    /** Codex named the turn: the handle and the listener hear its id, once. */
    private void identified(String id) {
        turnId = id;
        if (id == null) {
            return;
        }
        if (handle != null) {
            handle.identified(threadId, id);
        }
        if (key != null) {
            safely(() -> listener.onTurnStarted(key, id));
        }
    }

    /** What was held until the {@code turn/start} answer, in arrival order; the hold is over. */
    private List<Object> takeEarly() {
        List<Object> held = new ArrayList<>(early);
        early.clear();
        return held;
    }

    /** Puts a request codex sent during this turn to the host (once: one asked again after a resume is matched). */
    private TurnResult ask(TurnEvent.Asked pending, long now) {
        if (pending.isWithdrawn()) {
            return null;
        }
        TurnEvent.Asked earlier = follow.earlier(pending);
        if (earlier != null && !earlier.isWithdrawn()) {
            reattach.adopt(earlier, pending);   // asked again after a resume, under the same id: the host sees it once
            lastProgress = now;
            return null;
        }
        follow.asked(pending);
        CodexEvent.ServerRequest r = pending.request;
        ApprovalRequest asked = bridge.describe(r.method(), r.params());
        pending.askedBy(this, asked);
        if (asked != null) {
            safely(() -> listener.onApprovalRequested(asked));
        }
        CompletableFuture<ServerRequestBridge.Answer> answering = bridge.answer(r.method(), r.params());
        pending.answering(answering);
        answering.whenComplete((ans, e) -> {
            if (!pending.isWithdrawn()) {
                decided(pending, ans);      // else codex no longer waits for it: nothing to write
            }
        });
        lastProgress = now;
        return null;
    }

    private TurnResult handleMessage(CodexEvent.Notification n, long now) {
        if (!forThisThread(n)) {
            return null;
        }
        String scope = n.turnId();
        if (turnId == null && scope != null) {
            early.add(n);
            return null;
        }
        if (scope != null && !scope.equals(turnId)) {
            return null;
        }
        lastProgress = now;
        if (follow.hold(n) || follow.delivered(n)) {
            return null;    // held back while what was missed is fetched; or had already, fetched or live
        }
        return handleNotification(n, bridge);
    }

    private TurnResult handleNotification(CodexEvent.Notification n, ServerRequestBridge bridge) {
        ServerNotification p = n.params();
        bridge.observe(p);
        List<TranscriptMessage> produced = projector.onNotification(p);
        if (p instanceof AgentMessageDeltaNotification d) {
            safely(() -> listener.onAgentMessageDelta(d.itemId(), d.delta()));
        } else if (p instanceof ReasoningSummaryTextDeltaNotification d) {
            safely(() -> listener.onReasoningDelta(d.itemId(), d.delta(), true));
        } else if (p instanceof ReasoningTextDeltaNotification d) {
            safely(() -> listener.onReasoningDelta(d.itemId(), d.delta(), false));
        } else if (p instanceof CommandExecutionOutputDeltaNotification d) {
            safely(() -> listener.onCommandOutputDelta(d.itemId(), d.delta()));
        } else if (p instanceof ItemStartedNotification started) {
            safely(() -> listener.onItemStarted(started.item()));
        } else if (p instanceof ItemCompletedNotification completed) {
            follow.completed(ItemIds.of(completed.item()));     // from the typed item: the line is not parsed a second time
            itemCompleted(completed.item(), produced);
        } else if (p instanceof TurnPlanUpdatedNotification plan) {
            safely(() -> listener.onPlanUpdated(plan));
        } else if (p instanceof ThreadTokenUsageUpdatedNotification usage && usage.tokenUsage() != null) {
            tokenUsage = TokenUsage.of(usage.tokenUsage());
            TokenUsage u = tokenUsage;
            safely(() -> listener.onTokenUsage(u));
        } else if (p instanceof ErrorNotification e) {
            TurnError error = e.error();
            TurnFailure err = ErrorClassifier.classify(error == null ? null : error.message(),
                    error == null ? null : error.codexErrorInfo(), client.stderrTail(40));
            if (Boolean.TRUE.equals(e.willRetry())) {
                RateLimitGovernor governor = settings.rateLimits();
                if (governor != null && err.category() == ErrorCategory.USAGE_LIMIT) {
                    // codex's own retries of a rate limit hold back the other sessions too
                    governor.report(RateLimitSignal.of(err, RateLimitSignal.Source.CODEX_RETRY));
                }
                safely(() -> listener.onRetry(err));
            } else {
                lastError = err;
            }
        } else if (p instanceof WarningNotification w) {
            safely(() -> listener.onWarning(w.message() == null ? "" : w.message()));
        } else if (p instanceof ConfigWarningNotification w) {
            safely(() -> listener.onWarning(w.summary() == null ? "" : w.summary()));
        } else if (p instanceof TurnCompletedNotification done && done.turn() != null) {
            return completed(done.turn());
        } else {
            safely(() -> listener.onNotification(n));
        }
        return null;
    }

    // ---------------------------------------------------------------- what following the turn needs of it (TurnReattach)

    @Override
    public String threadId() {
        return threadId;
    }

    @Override
    public String turnId() {
        return turnId;
    }

    @Override
    public CodexClient client() {
        return client;
    }

    @Override
    public SessionInbox inbox() {
        return inbox;
    }

    @Override
    public TurnListener listener() {
        return listener;
    }

    @Override
    public Duration requestTimeout() {
        return settings.requestTimeout();
    }

    @Override
    public void moveTo(SessionInbox box) {
        inbox = box;
        connection = client.generation();
    }

    @Override
    public void interruptIfAsked(boolean resend) {
        if (resend) {
            interruptSent = false;      // one sent on the connection that dropped may be lost: it goes again
        }
        if (interruptRequested.get() || timedOut || stopReason == StopReason.STEP_BUDGET || overflow != null) {
            sendInterrupt();            // asked for in the gap, or before this session attached
        }
    }

    @Override
    public boolean interruptedHere() {
        return interruptSent || stopReason != null || interruptRequested.get();
    }

    @Override
    public void deliverCompleted(ThreadItem item) {
        itemCompleted(item, projector.completed(item));
    }

    @Override
    public TurnResult handleHeld(CodexEvent.Notification message, long now) {
        return handleMessage(message, now);
    }

    @Override
    public TurnResult endAs(Turn turn) {
        return completed(turn);
    }

    @Override
    public TurnResult failedWith(TurnFailure failure) {
        return result(TurnOutcome.FAILED, StopReason.ERROR, failure, false);
    }

    @Override
    public String messageId() {
        return messageId;
    }

    @Override
    public void identify(String id) {
        identified(id);
    }

    @Override
    public TurnResult releaseEarly(long now) {
        for (Object held : takeEarly()) {
            if (held instanceof TurnEvent.Asked pending) {
                ask(pending, now);
                continue;
            }
            CodexEvent.Notification n = (CodexEvent.Notification) held;
            if (turnId.equals(n.turnId())) {
                TurnResult r = handleMessage(n, now);   // what codex's record handed over already is dropped there
                if (r != null) {
                    return r;
                }
            }
        }
        return null;
    }

    @Override
    public TurnResult notReceived(String why) {
        confirmed();     // codex's record says it stored nothing of this turn
        return result(TurnOutcome.NOT_RECEIVED, StopReason.ERROR, TurnFailure.of(why, ErrorCategory.PROCESS_DIED, null), false);
    }

    @Override
    public TurnResult unknown(ConnectionClosedException cause, String later) {
        TurnFailure err = deathOf(cause, later);
        String named = turnId != null ? "turn " + turnId : "the turn (key " + key + ")";
        err = new TurnFailure(err.message() + "; codex may have run " + named + " to its end, and its record could not be read: "
                + "the outcome is unknown (read it later with findTurn or recoverTurn before sending the input again)",
                err.category(), err.remediation(), err.codexErrorInfo());
        return result(TurnOutcome.UNKNOWN, StopReason.ERROR, err, true);
    }

    @Override
    public void decided(TurnEvent.Asked asked, ServerRequestBridge.Answer answer) {
        asked.decided(answer);
        TurnEvent.Answered answered = new TurnEvent.Answered(this, asked, answer);
        inbox.post(answered);
        if (finished) {
            write(answered);    // decided after the turn ended: codex must not wait for the next turn
        }
    }

    /** The listener hears of a completed item (live, or fetched after a re-attach); the step budget counts it. */
    private void itemCompleted(ThreadItem item, List<TranscriptMessage> produced) {
        safely(() -> listener.onItemCompleted(item, produced));
        if (!produced.isEmpty()) {
            safely(() -> listener.onTranscript(produced));
        }
        if (isStep(item)) {
            stepEnds.add(elapsedMs(System.nanoTime()));
            int step = ++steps;
            safely(() -> listener.onStep(step, item));
            if (maxSteps > 0 && steps >= maxSteps && !interruptSent) {
                stopReason = StopReason.STEP_BUDGET;
                sendInterrupt();
            }
        }
    }

    /** An agent action: what the step budget counts. */
    static boolean isStep(ThreadItem item) {
        return item instanceof ThreadItem.CommandExecution || item instanceof ThreadItem.FileChange
                || item instanceof ThreadItem.McpToolCall || item instanceof ThreadItem.DynamicToolCall
                || item instanceof ThreadItem.WebSearch;
    }

    private TurnResult completed(Turn turn) {
        confirmed();
        TurnStatus status = turn.status();
        if (overflow != null) {
            return result(TurnOutcome.FAILED, StopReason.ERROR, TurnFailure.of("the turn's events arrived faster than the host handled them: more than "
                    + overflow.limit() + " were waiting, so later ones were dropped and the turn was interrupted", ErrorCategory.OVERFLOW, null), false);
        }
        if (status == TurnStatus.COMPLETED) {
            return result(TurnOutcome.COMPLETED, StopReason.NATURAL, null, false);
        }
        if (status == TurnStatus.INTERRUPTED) {
            if (timedOut) {
                return result(TurnOutcome.TIMED_OUT, StopReason.TIMEOUT, TurnFailure.of(timeoutWhy, ErrorCategory.TIMEOUT, null), false);
            }
            return result(TurnOutcome.INTERRUPTED, stopReason == null ? StopReason.INTERRUPT : stopReason, null, false);
        }
        TurnError error = turn.error();
        TurnFailure err;
        if (error != null) {
            err = ErrorClassifier.classify(error, client.stderrTail(40));
        } else if (lastError != null) {
            err = lastError;
        } else {
            err = TurnFailure.of("codex reported the turn as " + (status == null ? "unfinished" : status.wire())
                    + " without an error message", ErrorCategory.OTHER, null);
        }
        boolean retire = err.category() == ErrorCategory.AUTHENTICATION;
        if (err.category() == ErrorCategory.USAGE_LIMIT) {
            rateLimited = RateLimitSignal.of(err, RateLimitSignal.Source.TURN_FAILED);
        }
        return result(TurnOutcome.FAILED, StopReason.ERROR, err, retire);
    }

    private TurnResult startFailed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ConnectionClosedException closed) {
            return died(closed);
        }
        if (cause instanceof RpcTimeoutException) {
            thread.markRetired(connection);
            return result(TurnOutcome.FAILED, StopReason.ERROR, TurnFailure.of("turn/start timed out: " + cause.getMessage(),
                    ErrorCategory.TIMEOUT, null), true);
        }
        if (cause instanceof RpcException rpc) {
            confirmed();     // refused: nothing of this turn was stored, and nothing was lost either
            TurnFailure err = ErrorClassifier.turnRefused(rpc);
            return result(TurnOutcome.FAILED, StopReason.ERROR, err, false);
        }
        return result(TurnOutcome.FAILED, StopReason.ERROR, TurnFailure.of("turn/start failed: " + cause, ErrorCategory.OTHER, null), false);
    }

    private TurnResult died(ConnectionClosedException cause) {
        return died(cause, "");
    }

    @Override
    public TurnResult died(ConnectionClosedException cause, String later) {
        return result(TurnOutcome.FAILED, StopReason.ERROR, deathOf(cause, later), true);
    }

    /** Why the turn's connection ended, worked out once per lost connection; {@code later} is added to it. */
    private TurnFailure deathOf(ConnectionClosedException cause, String later) {
        // a shared connection may already be reopened and this thread resumed there: retire only the old one
        thread.markRetired(connection);
        if (turnId != null) {
            thread.turnLost(turnId);
        }
        CodexException why = ClientPlumbing.of(client).explainClose("during the turn", cause);
        // every turn on the lost connection: worked out once, not once per turn
        TurnFailure err = ClientPlumbing.of(client).onceForLoss(why, () -> thread.connectionEnded(client, why));
        return later.isEmpty() ? err : new TurnFailure(err.message() + later, err.category(), err.remediation(), err.codexErrorInfo());
    }

    private void expire(String why) {
        timedOut = true;
        timeoutWhy = why;
        stopReason = StopReason.TIMEOUT;
        sendInterrupt();
    }

    private void sendInterrupt() {
        if (interruptSent || follow.detached()) {
            return;     // sent already; or nothing to send it on until the connection is back (see resumed)
        }
        if (turnId == null) {
            // Nothing to interrupt until turn/start answers; the grace bounds how long that may take.
            if (graceDeadline == 0) {
                graceDeadline = System.nanoTime() + settings.interruptGrace().toNanos();
            }
            return;
        }
        interruptSent = true;
        graceDeadline = System.nanoTime() + settings.interruptGrace().toNanos();
        interrupt(client, threadId, turnId, settings.requestTimeout());
    }

    /**
     * Sends {@code turn/interrupt} without waiting; codex refusing it (the turn is over already)
     * is only logged. Completes when codex has answered either way.
     */
    static CompletableFuture<Void> interrupt(CodexClient client, String threadId, String turnId, Duration timeout) {
        return ClientPlumbing.of(client).request("turn/interrupt", new TurnInterruptParams(threadId, turnId), JsonNode.class, timeout)
                .handle((r, e) -> {
                    if (e != null) {
                        LOG.debug("turn/interrupt {}: {}", turnId, e.getMessage());
                    }
                    return null;
                });
    }

    /**
     * Codex withdrew a request before the session answered it: the transcript says so beside the
     * item it was about, and the listener hears of it if this turn showed it to the host.
     */
    @Override
    public void withdrawn(TurnEvent.Withdrawn w) {
        TurnEvent.Asked asked = w.asked();
        String item = asked.itemId();
        if (item != null && (asked.turnId() == null || turnId == null || asked.turnId().equals(turnId))) {
            projector.noteResult(item, w.turnInterrupted() || interruptSent ? WITHDRAWN_BY_INTERRUPT : RESOLVED_ELSEWHERE);
        }
        ApprovalRequest shown = asked.shown();
        if (asked.askedBy() == this && shown != null) {
            safely(() -> listener.onApprovalWithdrawn(shown));
        }
    }

    private void respond(TurnEvent.Answered a) {
        if (!write(a)) {
            return;
        }
        ServerRequestBridge.Answer ans = a.answer();
        if (a.run() == this && ans != null && ans.request() != null && ans.decision() != null && follow.firstAnswer(a.asked().request.id())) {
            ApprovalDecision d = ans.decision();
            safely(() -> listener.onApprovalAnswered(ans.request(), d));
        }
    }

    /**
     * Writes a decision once, on the connection its request came from; false if it was written
     * already or codex withdrew the request.
     */
    private static boolean write(TurnEvent.Answered a) {
        if (!a.asked().settleByAnswer()) {
            return false;
        }
        CodexClient c = a.run().client;
        ServerRequestBridge.Answer ans = a.answer();
        CodexEvent.ServerRequest request = a.asked().request;
        int on = c.generation();
        boolean written;
        if (ans == null) {
            written = c.respondError(request.id(), new RpcError(RpcError.INTERNAL_ERROR, "no answer"));
        } else if (ans.error() != null) {
            written = c.respondError(request.id(), ans.error());
        } else {
            written = c.respond(request.id(), ans.result());
        }
        if (written) {
            a.asked().writtenOn(on);    // a request codex asks again after a resume on a later connection is answered again
        }
        return true;
    }

    private TurnResult result(TurnOutcome status, StopReason reason, TurnFailure error, boolean retired) {
        List<TranscriptMessage> incomplete = projector.finish();
        if (!incomplete.isEmpty()) {
            safely(() -> listener.onTranscript(incomplete));
        }
        long now = System.nanoTime();
        if (status == TurnOutcome.COMPLETED && options.outputSchema() != null) {
            TurnFailure invalid = StructuredOutput.check(projector.finalText(), options.outputSchema());
            if (invalid != null) {
                status = TurnOutcome.FAILED;
                reason = StopReason.ERROR;
                error = invalid;
            }
        }
        if (retired) {
            thread.markRetired(connection);
        }
        error = thread.advised(error);
        List<Long> ends = new ArrayList<>(stepEnds);
        if (projector.finalText() != null) {
            ends.add(elapsedMs(now));       // the final answer is a step of its own
        }
        int stepCount = Math.max(ends.size(), status == TurnOutcome.COMPLETED ? 1 : 0);
        return new TurnResult(threadId, turnId, status, projector.finalText(), error, reason, projector.toolIterations(),
                stepCount, ends, elapsedMs(now), sent ? attempt : attempt - 1, rateLimitWaitMs, tokenUsage, retired, projector.messages(),
                null, key);
    }

    private long elapsedMs(long now) {
        return (now - startedAt) / 1_000_000;
    }

    private boolean forThisThread(CodexEvent.Notification n) {
        return n.threadId() == null || n.threadId().equals(threadId);
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("turn listener failed", e);
        }
    }
}
