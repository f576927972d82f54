package dev.codexbridge.session.internal.turn;

import static dev.codexbridge.session.internal.inbox.ListenerCalls.safely;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.RateLimitSignal;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnHandle;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.inbox.SessionInbox;
import dev.codexbridge.session.internal.inbox.TurnClock;
import dev.codexbridge.session.internal.inbox.TurnEvent;
import dev.codexbridge.session.internal.inbox.TurnFollow;
import dev.codexbridge.session.internal.inbox.TurnKeys;
import dev.codexbridge.session.internal.inbox.TurnPlace;
import dev.codexbridge.session.internal.inbox.TurnRequests;
import dev.codexbridge.session.internal.inbox.TurnStart;
import dev.codexbridge.session.internal.inbox.TurnStop;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import dev.codexbridge.transcript.ItemProjector;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * One turn as a state machine: sends {@code turn/start}, then takes the session inbox's events in
 * arrival order until {@code turn/completed}, a deadline, an interrupt confirmed by codex, or the
 * connection's end. Its transitions are one {@link TurnEvent.Visitor}, one method per kind of
 * event, checked for completeness by the compiler. Events arrive one at a time on the dispatch
 * executor; no thread is parked for a turn. What has a seam of its own is a collaborator it
 * calls: deadlines ({@link TurnClock}), the host's listener and transcript
 * ({@link TurnNotifications}), server requests ({@link TurnRequests}), which messages are the
 * turn's and when ({@link TurnRouting}), why it stops and the interrupt ({@link TurnStop}), counts
 * ({@link TurnTally}), where it runs ({@link TurnPlace}), how it ends ({@link TurnEnding}),
 * following it across a dropped connection ({@link TurnReattach}).
 */
public final class TurnRun implements TurnEvent.Handler, TurnReattach.FollowedTurn, TurnRequests.Owner {
    private static final Logger LOG = SafeLogger.getLogger(TurnRun.class);
    /**
     * A turn whose connection came back within the window waits up to this many windows in all
     * for its thread's resume: after a drop with hundreds of running turns, the resumes queue behind
     * one another ({@code concurrentResumes} at a time) while codex is busy running those turns.
     */
    private static final int REATTACH_WINDOWS_AFTER_RECONNECT = 4;

    private final ThreadConnection thread;
    private final TurnSetup settings;
    private final TurnOptions options;
    private final TurnListener listener;
    private final ItemProjector projector;
    private final RateLimitGovernor.Cancellation waitCancel;
    private final TurnClock clock;
    private final TurnTally tally;
    private final TurnReattach reattach;
    private final TurnFollow follow;
    private final TurnRequests requests;
    private final TurnNotifications notifications;
    private final TurnPlace place = new TurnPlace();
    private final TurnEnding ending;
    private final TurnStop stop;
    private final TurnRouting routing;
    /** Told codex's turn id as soon as codex names the turn, or null. */
    private final TurnHandle handle;

    private final CompletableFuture<TurnResult> done = new CompletableFuture<>();
    /** Set as the turn ends, before its queued decisions are written (see finish). */
    private volatile boolean finished;
    /** The connection the thread was open on when turn/start was sent ({@link ThreadConnection#openedOn}). */
    private int threadOpenedOn;
    /** When the event being handled arrived (read once per event, see step). */
    private long eventNow;
    private final Steps transitions = new Steps();

    /**
     * One attempt of a turn: the interrupt flag (shared by every attempt, so an interrupt reaches
     * whichever attempt or wait is current) and the wait's cancellation are the turn's; the
     * tally and clock this attempt's, made before any rate-limit wait (which they count).
     */
    TurnRun(ThreadConnection thread, TurnSetup settings, TurnOptions options, TurnListener listener,
            AtomicBoolean interruptRequested, RateLimitGovernor.Cancellation waitCancel, TurnTally tally, TurnClock clock, TurnHandle handle) {
        this.thread = thread;
        this.settings = settings;
        this.options = options;
        this.listener = listener;
        this.waitCancel = waitCancel;
        this.handle = handle;
        this.projector = new ItemProjector(settings.projector(), !options.streamTranscript());
        this.clock = clock;
        this.tally = tally;
        this.follow = new TurnFollow();
        this.stop = new TurnStop(interruptRequested, place, clock, follow, settings.requestTimeout());
        this.ending = new TurnEnding(thread, place, tally, clock, projector, listener, options.outputSchema());
        this.requests = new TurnRequests(place, this, listener, follow, projector);
        this.notifications = new TurnNotifications(place, stop::stepBudgetReached, listener, projector, tally, follow,
                settings.rateLimits(), settings.limits().maxSteps());
        this.routing = new TurnRouting(place, clock, follow, notifications, requests, ending, stop);
        this.reattach = new TurnReattach(thread, this, place, ending, follow, requests, notifications);
    }

    void requestInterrupt() {
        waitCancel.cancel();
        if (stop.request()) {
            SessionInbox box = place.inbox();
            if (box != null) {
                box.post(TurnEvent.INTERRUPT_REQUESTED);
            }
        }
    }

    boolean steer(TurnInput input) {
        return place.steer(input);
    }

    /** The cancellation of this turn's rate-limit waits (the session cancels it on close). */
    RateLimitGovernor.Cancellation waitCancellation() {
        return waitCancel;
    }

    TurnTally tally() {
        return tally;
    }

    TurnClock clock() {
        return clock;
    }

    /** The rate-limit failure codex completed this attempt with, or null: only then is a retry safe. */
    RateLimitSignal rateLimited() {
        return ending.rateLimited();
    }

    /** Codex refused this attempt's turn/start because its thread was not open on that connection yet: sending again is safe. */
    boolean refusedOffThread() {
        return ending.refusedOffThread();
    }

    /** Whether this attempt's {@code turn/start} was never written (its connection had ended first). */
    boolean notWritten() {
        return ending.notWritten();
    }

    /**
     * Sends the start request and returns at once; the turn then advances as its inbox hands it
     * events on the dispatch executor, and the future completes when it ends. Nothing waits.
     */
    CompletableFuture<TurnResult> begin(CodexClient client, SessionInbox inbox, ServerRequestBridge bridge, String threadId, TurnStart starter,
                                        ThreadReplacement replaced) {
        place.attach(client, inbox, bridge, threadId);
        if (stop.requested()) {
            // Interrupted before anything was sent: never start the turn at all.
            return CompletableFuture.completedFuture(ending.of(TurnOutcome.INTERRUPTED, StopReason.INTERRUPT, null, false));
        }
        // named before the inbox hands the turn anything: an end of the connection queued already
        // (it dropped as the turn began) finds a turn it can look for by its key
        String messageId = starter.keyed() && tally.key() != null ? TurnKeys.messageId(tally.key(), tally.attempt()) : null;
        place.sent(messageId);
        threadOpenedOn = thread.openedOn();
        thread.record().turnSent(threadId, starter);
        inbox.turnStarted(this);
        if (replaced != null) {
            inbox.post(new TurnEvent.ThreadReplaced(replaced));     // heard on the turn's own thread, before anything else
        }
        // In order: the answer must reach the inbox before the notifications codex sends after it.
        place.startGoingOut();
        ClientPlumbing.of(client).requestInOrder(starter.method(), starter.params(threadId, options, messageId), settings.requestTimeout(),
                (r, e) -> inbox.post(new TurnEvent.StartAnswered(r, e)));
        armFirstDeadline();
        return done;
    }

    /**
     * Follows turn {@code turnId}, which this session did not start (another process did, or an
     * earlier one of this host): the listener gets the turn's completed items from its start,
     * then its live events; the future completes when it ends, at once for a turn that already
     * ended (from codex's record). Nothing waits.
     */
    CompletableFuture<TurnResult> follow(CodexClient client, SessionInbox inbox, ServerRequestBridge bridge, String threadId, String turnId) {
        place.attach(client, inbox, bridge, threadId);
        place.named(turnId);
        place.sent(null);
        inbox.turnStarted(this);
        if (thread.reattachWindow() != null) {
            thread.watchResume(reattach.watch());
        }
        inbox.post(new TurnEvent.Resumed(inbox, false));
        armFirstDeadline();
        return done;
    }

    /**
     * The first timer task, set off the caller's thread: under the turn's lock, since its events
     * may already be handled on the dispatch pool, and that lock is held while a host listener
     * runs. A listener that blocks in the turn's first events would otherwise hold up the very
     * {@code runTurnAsync} call that started the turn (and the host thread that would unblock it).
     */
    private void armFirstDeadline() {
        RpcThreads.dispatch().execute(this::armFirstDeadlineNow);
    }

    private synchronized void armFirstDeadlineNow() {
        if (!done.isDone()) {
            clock.arm(System.nanoTime(), follow.detached() ? follow.windowEnds() : 0, place.inbox());
        }
    }

    /**
     * One event, on the dispatch executor, never two at once for this turn: the lock is
     * uncontended except across a re-attach, when the old connection's inbox and the new one may
     * both hand the turn something.
     */
    @Override
    public synchronized void onEvent(TurnEvent event) {
        if (done.isDone()) {
            return;
        }
        TurnResult ended;
        // one clock reading per event: a turn handles hundreds of thousands, and the reading is
        // the event's arrival here for progress, deadlines and the timer alike
        long now = System.nanoTime();
        eventNow = now;
        try {
            ended = event.accept(transitions);
            if (ended == null) {
                ended = checkDeadlines(now);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("turn on thread {} failed inside the library", place.threadId(), e);
            ended = ending.of(TurnOutcome.FAILED, StopReason.ERROR,
                    TurnFailure.of("the turn failed inside codex-bridge: " + e, ErrorCategory.OTHER, null), true);
        }
        if (ended != null) {
            finish(ended);
        } else {
            clock.arm(now, follow.detached() ? follow.windowEnds() : 0, place.inbox());
        }
    }

    private void finish(TurnResult r) {
        if (place.wasSent() && !ending.settled()) {
            thread.record().turnUnsettled();     // codex may still run it: the next turn settles that first
        }
        clock.stop();
        finished = true;
        thread.unwatchResume(reattach.watch());
        // requests held for a turn/start answer that never came are put to the host, as they were before the hold
        routing.askHeldAtEnd();
        requests.writeQueued();     // decisions ready but not yet handled go out now; later ones are written as they come
        place.inbox().turnEnded();
        done.complete(r);
    }

    private TurnResult checkDeadlines(long now) {
        if (follow.detached() && now >= follow.windowEnds()
                && !(place.reconnectedSinceDrop() && follow.extendWindow(thread.reattachWindow(), REATTACH_WINDOWS_AFTER_RECONNECT))) {
            return reattach.windowPassed();
        }
        if (clock.graceOver(now) && !follow.detached()) {
            // codex did not confirm the interrupt: it is stuck, so the session gives it up
            thread.markRetired(place.connection());
            boolean timedOut = clock.timedOut();
            TurnFailure error = timedOut ? TurnFailure.of(clock.timedOutWhy() + "; codex did not confirm the interrupt", ErrorCategory.TIMEOUT, null)
                    : TurnFailure.of("codex did not confirm the interrupt within " + clock.interruptGrace().toSeconds() + " s",
                            ErrorCategory.TIMEOUT, null);
            return ending.of(timedOut ? TurnOutcome.TIMED_OUT : TurnOutcome.INTERRUPTED, timedOut ? StopReason.TIMEOUT : stop.reason(), error, true);
        }
        if (clock.expiresNow(now, follow.detached())) {
            stop.timedOut();
        }
        return null;
    }

    /**
     * The turn's transitions, one per kind of event: the compiler checks that every kind of
     * {@link TurnEvent} has one. Each returns the turn's result when the event ends it.
     */
    private final class Steps implements TurnEvent.Visitor<TurnResult> {
        @Override
        public TurnResult notified(TurnEvent.Notified notified) {
            return routing.message(notified.message(), eventNow);
        }

        @Override
        public TurnResult tick(TurnEvent.Tick t) {
            clock.ticked();
            return null;
        }

        @Override
        public TurnResult closed(TurnEvent.Closed closed) {
            return reattach.closed(closed, eventNow);
        }

        @Override
        public TurnResult resumed(TurnEvent.Resumed resumed) {
            clock.progress(eventNow);
            return reattach.resumed(resumed, eventNow);
        }

        @Override
        public TurnResult caughtUp(TurnEvent.CaughtUp caught) {
            clock.progress(eventNow);
            return reattach.caughtUp(caught, eventNow);
        }

        @Override
        public TurnResult overflowed(TurnEvent.Overflowed overflowed) {
            stop.overflowed(overflowed);
            return null;
        }

        @Override
        public TurnResult interruptRequested(TurnEvent.InterruptRequested r) {
            stop.stopFor(StopReason.INTERRUPT);
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
            requests.respond(a);
            if (a.from() == requests) {
                clock.progress(eventNow);
            }
            return null;
        }

        @Override
        public TurnResult asked(TurnEvent.Asked pending) {
            if (!pending.claim() || pending.isWithdrawn()) {
                return null;    // answered between turns, or withdrawn before the host was asked
            }
            routing.asked(pending, eventNow);
            return null;
        }

        @Override
        public TurnResult withdrawn(TurnEvent.Withdrawn w) {
            requests.withdrawn(w);
            clock.progress(eventNow);
            return null;
        }
    }

    /** Codex answered {@code turn/start}: the turn has its id, or the answer's failure decides how it goes on. */
    private TurnResult startAnsweredStep(TurnEvent.StartAnswered answered, long now) {
        place.startAnswered();
        if (answered.failure() != null) {
            Throwable cause = Futures.unwrap(answered.failure());
            if (place.turnId() != null) {
                return null;        // named already: found in codex's record by its key after the answer was lost
            }
            routing.askHeld(now);
            if (cause instanceof ConnectionClosedException closed && closed.requestNotSent()) {
                return ending.notWritten(closed);       // nothing reached codex: no record to wait for
            }
            if (cause instanceof ConnectionClosedException closed && place.messageId() != null && thread.reattachWindow() != null) {
                // the answer is lost, not the turn: codex's record says, once the connection is back, whether it ran
                return reattach.startLost(closed, now);
            }
            if (cause instanceof RpcException && !(cause instanceof RpcTimeoutException) && offThread()) {
                return ending.refusedOffThread(cause);
            }
            return ending.startFailed(cause);
        }
        if (place.turnId() != null) {
            return null;        // found by its key before this answer came
        }
        JsonNode turn = answered.result().get("turn");
        JsonNode id = turn == null ? null : turn.get("id");
        identified(id != null && id.isTextual() ? id.asText() : null);
        clock.progress(now);
        if (place.turnId() != null && thread.reattachWindow() != null) {
            // from now on: a resume may be answered before this turn has handled the old connection's end
            thread.watchResume(reattach.watch());
        }
        if (stop.asked()) {
            stop.send();
        }
        return routing.releaseEarly(now, false);
    }

    /**
     * Whether turn/start went out on a connection its thread was not open on: the client
     * reconnected between the thread's last open and the answer, so codex may have read it before
     * the thread's resume there (and refused it: "thread not found").
     */
    private boolean offThread() {
        return place.connection() != threadOpenedOn || place.client().generation() != place.connection();
    }

    /** Codex named the turn: the handle and the listener hear its id, once. */
    private void identified(String id) {
        place.named(id);
        if (id == null) {
            return;
        }
        if (handle != null) {
            ApiAccess.get().identified(handle, place.threadId(), id);
        }
        String key = tally.key();
        if (key != null) {
            safely(() -> listener.onTurnStarted(key, id));
        }
    }

    // ---------------------------------------------------------------- what its collaborators need of the turn

    @Override
    public boolean interruptSent() {
        return stop.sent();
    }

    @Override
    public boolean isFinished() {
        return finished;
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
    public void interruptIfAsked(boolean resend) {
        stop.sendIfAsked(resend);
    }

    @Override
    public boolean interruptedHere() {
        return stop.byThisSession();
    }

    @Override
    public TurnResult handleHeld(CodexEvent.Notification message, long now) {
        return routing.message(message, now);
    }

    @Override
    public TurnResult endAs(Turn turn) {
        return routing.recorded(turn);
    }

    @Override
    public void identify(String id) {
        identified(id);
    }

    @Override
    public TurnResult releaseEarly(long now) {
        return routing.releaseEarly(now, true);     // what codex's record handed over already is dropped there
    }
}
