package dev.codexbridge.session.internal.turn;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.HostFuture;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.RateLimitSignal;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnHandle;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.custody.TurnStoreTries;
import dev.codexbridge.session.internal.inbox.ListenerCalls;
import dev.codexbridge.session.internal.inbox.TurnClock;
import dev.codexbridge.session.internal.inbox.TurnKeys;
import dev.codexbridge.session.internal.inbox.TurnStart;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import dev.codexbridge.session.internal.thread.ThreadLink;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.LeaseWait;
import dev.codexbridge.transcript.ProjectorOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;

/**
 * A session's turns, one at a time: claims the session for a turn (or for following one it did
 * not start), chains a turn's attempts under the rate-limit governor, settles an earlier turn
 * codex still runs before a {@code turn/start}, and frees the session before anyone sees the
 * result. Interrupts and steering reach whichever attempt is current. Thread-safe.
 */
public final class SessionTurns {
    private static final Logger LOG = SafeLogger.getLogger(SessionTurns.class);
    /**
     * Sends of one turn that may meet a client that reconnected before the thread's resume there
     * (codex then refuses it, "thread not found"): each such refusal proves codex never received it.
     */
    private static final int MAX_SENDS_OFF_THREAD = 3;
    /** How often a wake refused while its holder was asked for the conversation is tried again ({@link LeaseWait}'s pace). */
    private static final Duration HAND_OVER_POLL = Duration.ofMillis(250);
    /** A start that failed for one of these on a placed session failed for its connection, not for the turn. */
    private static final java.util.Set<ErrorCategory> CONNECTION_ENDS =
            java.util.EnumSet.of(ErrorCategory.CLOSED_BY_HOST, ErrorCategory.CONNECTION_CLOSED, ErrorCategory.PROCESS_DIED);

    private final ThreadConnection connection;
    /** The connection shared with other sessions, or null when the session has its own. */
    private final CodexClient sharedClient;
    /** The deadline of requests on the session's own connection before it is first opened. */
    private final Duration ownRequestTimeout;
    private final TurnLimits limits;
    private final Duration interruptGrace;
    private final ProjectorOptions projector;
    /** Shared with other sessions of the same account, or null: no waits, one attempt. */
    private final RateLimitGovernor rateLimits;
    private final TurnTracing tracing;
    private final java.util.function.Consumer<TurnResult> turnEnded;

    private final AtomicBoolean turnActive = new AtomicBoolean();
    private volatile TurnRun activeTurn;
    private volatile boolean pendingInterrupt;
    /** Why the running turn was interrupted by the session itself: its lease on the conversation was lost; null otherwise. */
    private volatile CodexException interruptedForLease;
    /** What a turn told not kept sets going before its result is handed out ({@link #whenNotKept}). */
    private volatile java.util.function.Function<String, CompletableFuture<Void>> notKeptStep = turnId -> CompletableFuture.completedFuture(null);

    public SessionTurns(ThreadConnection connection, CodexClient sharedClient, Duration ownRequestTimeout, TurnLimits limits,
                 Duration interruptGrace, ProjectorOptions projector, RateLimitGovernor rateLimits, TurnTracing tracing,
                 java.util.function.Consumer<TurnResult> turnEnded) {
        this.connection = connection;
        this.sharedClient = sharedClient;
        this.ownRequestTimeout = ownRequestTimeout;
        this.limits = limits;
        this.interruptGrace = interruptGrace;
        this.projector = projector;
        this.rateLimits = rateLimits;
        this.tracing = tracing;
        this.turnEnded = turnEnded;
        connection.hibernation().bind(connection, turnActive::get);
    }

    /** Interrupts the running turn; between turns, the next one (which then ends at once). */
    public void interrupt() {
        TurnRun run = activeTurn;
        if (run != null) {
            run.requestInterrupt();
        } else {
            pendingInterrupt = true;
        }
    }

    /**
     * What a turn told not kept sets going before its result is handed out (with a store: codex's
     * copy dropped when that turn is all there is of the thread, decision 0145).
     */
    public void whenNotKept(java.util.function.Function<String, CompletableFuture<Void>> step) {
        notKeptStep = step;
    }

    /**
     * The conversation's lease is lost ({@code why}): the running turn is interrupted, so codex stops
     * acting for a host that no longer holds the conversation (another may run it from the store by
     * now), and its result says so. Between turns nothing runs; the next turn is refused before its
     * {@code turn/start} ({@link ThreadConnection#startAsync()}).
     */
    public void leaseLost(CodexException why) {
        TurnRun run = activeTurn;
        if (run != null) {
            interruptedForLease = why;
            LOG.warn("interrupting the turn on thread {}: {}", connection.threadId(), why.getMessage());
            run.requestInterrupt();
        }
    }

    /**
     * Waits for {@code turn} on the calling thread: interrupting that thread interrupts the turn,
     * whose result (interrupted, once codex confirms) is still waited for; the thread's interrupt
     * flag is set again before returning.
     */
    public TurnResult await(CompletableFuture<TurnResult> turn) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return turn.get();
                } catch (InterruptedException e) {
                    // the turn ends as interrupted once codex confirms; keep waiting for that result
                    interrupted = true;
                    interrupt();
                } catch (ExecutionException e) {
                    throw Futures.rethrow(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Starts a turn and returns at once its handle, under the options' key or a fresh one; the
     * handle's result completes on the host pool when the turn ends; {@code interrupt} is the
     * session's, which the handle's {@code interrupt()} calls.
     */
    public TurnHandle start(TurnStart starter, TurnOptions options, TurnListener listener, Runnable interrupt) {
        TurnOptions opts = options == null ? TurnOptions.DEFAULTS : options;
        CompletableFuture<TurnResult> result = new CompletableFuture<>();
        TurnHandle handle = ApiAccess.get().turnHandle(opts.key() != null ? opts.key() : TurnKeys.fresh(), connection.threadId(), interrupt, result);
        HostFuture.of(run(starter, opts, listener, handle), RpcThreads.host()).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(Futures.unwrap(e));
            } else {
                result.complete(r);
            }
        });
        return handle;
    }

    /** Adds input to the running turn; false when none runs or codex refused. */
    public boolean steer(TurnInput input) {
        TurnRun run = activeTurn;
        return run != null && run.steer(input);
    }

    /** The session closed: a turn waiting for a rate limit ends at once (read after the close is marked: see attempt). */
    public void closed() {
        TurnRun run = activeTurn;
        if (run != null) {
            run.waitCancellation().cancel();
        }
    }

    private void becomeActive(TurnRun run) {
        activeTurn = run;
        if (pendingInterrupt) {
            pendingInterrupt = false;
            run.requestInterrupt();
        }
    }

    /** Claims the session for one turn and chains its attempts; throws when it cannot begin. {@code handle} is the host's, or null. */
    public CompletableFuture<TurnResult> run(TurnStart start, TurnOptions options, TurnListener listener, TurnHandle handle) {
        TurnOptions opts = options == null ? TurnOptions.DEFAULTS : options;
        String key = handle != null ? handle.key() : opts.key() != null ? opts.key() : TurnKeys.fresh();
        TurnLimits turnLimits = opts.limits().orElse(limits);
        ApiAccess.get().requireSomeTimeout(turnLimits);
        if (!turnActive.compareAndSet(false, true)) {
            throw new IllegalStateException("a turn is already running on this session");
        }
        if (connection.isClosed()) {
            turnActive.set(false);
            throw new CodexException("the session is closed");
        }
        TurnTelemetry traced = tracing.start(start, opts, connection);
        TurnContext turn = new TurnContext(start, opts, TurnTracing.listener(traced, listener),
                turnSetup(turnLimits), traced, key, handle);
        CompletableFuture<TurnResult> attempts;
        try {
            attempts = traced.inScope(() -> attempt(turn, 1, 0));
        } catch (RuntimeException e) {
            attempts = CompletableFuture.failedFuture(e);
        }
        return released(attempts, turn);
    }

    /** The turn's result once the session is free again: the next turn can start the moment anyone sees it. */
    private CompletableFuture<TurnResult> released(CompletableFuture<TurnResult> attempts, TurnContext turn) {
        CompletableFuture<TurnResult> result = new CompletableFuture<>();
        attempts.whenComplete((r, failure) -> {
            TurnTracing.ended(turn.traced(), r, failure == null ? null : Futures.unwrap(failure));
            // free the session before anyone sees the result, so the next turn can start at once
            activeTurn = null;
            turnActive.set(false);
            connection.hibernation().touch();      // the idle window counts from the turn's end
            ThreadReplacement replaced = turn.replaced().get();
            CodexException lease = interruptedForLease;
            interruptedForLease = null;
            // only the library waits here (runTurn, or the hand-off of runTurnAsync to host code)
            if (failure != null) {
                result.completeExceptionally(Futures.unwrap(failure));
            } else {
                TurnResult placed = replaced == null ? r : ApiAccess.get().withThreadReplaced(r, replaced);
                TurnResult ended = lease != null && placed.status() == TurnOutcome.INTERRUPTED
                        ? ApiAccess.get().withError(placed, TurnFailure.of("interrupted by codex-bridge: " + lease.getMessage()
                                + "; codex was told to stop so that it no longer acts for this host", ErrorCategory.NOT_KEPT, null))
                        : placed;
                // with a store that keeps each turn, the turn is stored before anyone sees it completed; an interrupted one too
                // (a cancel: the conversation goes on from it, on any replica), unless the lease it ran under is gone
                boolean keep = ended.status() == TurnOutcome.COMPLETED || ended.status() == TurnOutcome.INTERRUPTED && lease == null;
                CompletableFuture<Void> kept = keep && ended.turnId() != null
                        ? connection.turnCompleted(ended.turnId()) : CompletableFuture.completedFuture(null);
                kept.whenComplete((x, notKept) -> {
                    TurnResult told = ended;
                    if (notKept != null) {
                        TurnStoreTries.notStored(ended.turnId(), notKept);
                    }
                    if (notKept != null && ended.status() == TurnOutcome.COMPLETED) {
                        // still completed while the lease is held: codex has it, but only where it ran, and the host must
                        // know that; with the lease lost, no store will ever keep it, and the conversation goes on without it
                        told = TurnStoreTries.notKept(ended, notKept);
                    }
                    TurnResult tell = told;
                    // a thread's only turn not kept: codex's own copy goes before anyone is told, so no open resumes it
                    CompletableFuture<Void> dropped = told.error() != null && told.error().category() == ErrorCategory.NOT_KEPT
                            ? notKeptStep.apply(told.turnId()) : CompletableFuture.completedFuture(null);
                    dropped.whenComplete((y, notDropped) -> {
                        if (notDropped != null) {
                            LOG.warn("turn {} was not kept, and codex's copy of its thread could not be dropped; an open of thread {} "
                                    + "there resumes it", tell.turnId(), tell.threadId(), Futures.unwrap(notDropped));
                        }
                        try {
                            turnEnded.accept(tell);
                        } catch (RuntimeException e) {
                            LOG.warn("the session's onTurnEnded callback failed; the turn's result stands", e);
                        }
                        result.complete(tell);
                    });
                });
            }
        });
        return result;
    }

    /** What stays the same across a turn's attempts; {@code replaced} is the thread replacement this turn reports. */
    private record TurnContext(TurnStart start, TurnOptions options, TurnListener listener, TurnSetup settings,
                               AtomicBoolean interrupted, RateLimitGovernor.Cancellation waits, long began,
                               AtomicReference<ThreadReplacement> replaced, TurnTelemetry traced, String key, TurnHandle handle) {
        TurnContext(TurnStart start, TurnOptions options, TurnListener listener, TurnSetup settings, TurnTelemetry traced,
                    String key, TurnHandle handle) {
            this(start, options, listener, settings, new AtomicBoolean(), new RateLimitGovernor.Cancellation(), System.nanoTime(),
                    new AtomicReference<>(), traced, key, handle);
        }
    }

    /** A new attempt of {@code turn}: its tally and clock count from now (a rate-limit wait included). */
    private TurnRun newAttempt(TurnContext turn, int attempt, long waitedBefore) {
        TurnSetup settings = turn.settings();
        return new TurnRun(connection, settings, turn.options(), turn.listener(), turn.interrupted(), turn.waits(),
                new TurnTally(turn.began(), attempt, waitedBefore, turn.key()), new TurnClock(settings.limits(), settings.interruptGrace()),
                turn.handle());
    }

    /**
     * Waits for the governor before {@code run}'s {@code turn/start}, with no thread waiting,
     * passing the countdown to the listener; completes with how long it waited. The attempt's
     * deadlines count from the wait's end.
     */
    private CompletableFuture<Duration> waitForRateLimit(TurnRun run, TurnContext turn) {
        TurnTally tally = run.tally();
        return rateLimits.whenReady(turn.waits(), tally.attempt(), w -> ListenerCalls.safely(() -> turn.listener().onRateLimitWait(w)))
                .whenComplete((waited, failure) -> {
                    if (waited != null) {
                        tally.waited(waited.toMillis());
                    }
                    run.clock().attemptStarts(System.nanoTime());
                });
    }

    /** The wait before an attempt ended without an attempt: an interrupt, the session's close, or the governor's. */
    private TurnResult waitCancelled(TurnRun run, RateLimitGovernor.WaitCancelledException e, long waitedInAllMs) {
        TurnFailure error = TurnFailure.of(e.getMessage() + " before attempt " + run.tally().attempt(), ErrorCategory.USAGE_LIMIT, null);
        return run.tally().unsent(connection.threadId(), TurnOutcome.INTERRUPTED, error, StopReason.INTERRUPT, waitedInAllMs, false,
                System.nanoTime());
    }

    /** The turn could not begin: its thread could not be opened ({@link ThreadLink#startFailure(Throwable)} says why). */
    private TurnResult startupFailure(TurnRun run, TurnFailure error) {
        // turn/start was never sent: when only the connection was missing, or another host held the conversation for a
        // while, sending again is safe
        TurnOutcome status = error.category() == ErrorCategory.PROCESS_DIED || error.heldUntil() != null ? TurnOutcome.NOT_RECEIVED
                : TurnOutcome.FAILED;
        return run.tally().unsent(connection.threadId(), status, connection.link().advised(error), StopReason.ERROR, run.tally().rateLimitWaitMs(),
                error.category() != ErrorCategory.SETTINGS_REJECTED, System.nanoTime());
    }

    /** The lease was lost after the thread's open checked it and before {@code turn/start} went out: nothing was sent. */
    private TurnResult leaseLostBeforeStart(TurnRun run) {
        CodexException notHeld = connection.whyNotHeld();
        LOG.info("turn not started on thread {}: {}", connection.threadId(), notHeld.getMessage());
        return startupFailure(run, connection.link().startFailure(
                ApiAccess.get().threadOpenFailed(notHeld.getMessage(), ErrorCategory.OTHER, notHeld)));
    }

    /** The turn was not sent because an earlier turn on the thread could not be settled first ({@code why}): safe to send again. */
    private TurnResult notSent(TurnRun run, TurnFailure why) {
        return run.tally().unsent(connection.threadId(), TurnOutcome.NOT_RECEIVED, connection.link().advised(why), StopReason.ERROR,
                run.tally().rateLimitWaitMs(), false, System.nanoTime());
    }

    private TurnSetup turnSetup(TurnLimits turnLimits) {
        CodexClient c = sharedClient != null ? sharedClient : connection.client();
        Duration requestTimeout = c != null ? c.requestTimeout() : ownRequestTimeout;
        return new TurnSetup(turnLimits, requestTimeout, interruptGrace, projector, rateLimits);
    }

    /** One attempt; a rate-limited one whose failure is known chains the next, within the governor's bound. */
    private CompletableFuture<TurnResult> attempt(TurnContext turn, int attempt, long waitedBefore) {
        TurnRun run = newAttempt(turn, attempt, waitedBefore);
        becomeActive(run);
        CompletableFuture<TurnResult> outcome;
        if (rateLimits == null) {
            outcome = attemptOnce(run, turn);
        } else {
            if (connection.isClosed()) {
                turn.waits().cancel();      // close() may have missed this run: it looked before it was active
            }
            // a wait may last minutes; like the turn itself it holds no thread
            outcome = waitForRateLimit(run, turn)
                    .handle((waited, failure) -> {
                        Throwable cause = failure == null ? null : Futures.unwrap(failure);
                        if (cause instanceof RateLimitGovernor.WaitCancelledException e) {
                            return CompletableFuture.completedFuture(waitCancelled(run, e, waitedBefore + e.waitedMs()));
                        }
                        if (cause != null) {
                            return CompletableFuture.<TurnResult>failedFuture(cause);
                        }
                        return attemptOnce(run, turn);
                    }).thenCompose(f -> f);
        }
        return outcome.thenCompose(result -> {
            if (run.refusedOffThread() && attempt < MAX_SENDS_OFF_THREAD && !turn.interrupted().get() && !connection.isClosed()) {
                // codex never received it: sent again once the thread is open on the connection the client now has
                LOG.debug("turn attempt {} went out before its thread's resume on a new connection; sending it again", attempt);
                return attempt(turn, attempt + 1, result.rateLimitWaitMs());
            }
            if (run.notWritten() && connection.link().placesAnew() && attempt < MAX_SENDS_OFF_THREAD && !turn.interrupted().get()
                    && !connection.isClosed()) {
                // its connection had ended before turn/start went out (a tenant's codex just died): placed anew
                LOG.debug("turn attempt {} was never written, its connection having ended; placing it anew", attempt);
                return attempt(turn, attempt + 1, result.rateLimitWaitMs());
            }
            RateLimitSignal limited = run.rateLimited();
            if (limited == null || rateLimits == null) {
                return CompletableFuture.completedFuture(result);
            }
            rateLimits.report(limited);
            if (attempt >= rateLimits.maxAttempts() || turn.interrupted().get() || connection.isClosed()) {
                return CompletableFuture.completedFuture(result);
            }
            LOG.debug("turn attempt {} of {} hit a rate limit ({}); retrying", attempt, rateLimits.maxAttempts(), limited.type());
            return attempt(turn, attempt + 1, result.rateLimitWaitMs());
        });
    }

    /**
     * One {@code turn/start} (or {@code review/start}) and its turn, on a started session. A thread
     * replaced since the last turn is this turn's to report.
     */
    private CompletableFuture<TurnResult> attemptOnce(TurnRun run, TurnContext turn) {
        return attemptOnce(run, turn, 0);
    }

    /** {@code reopened}: how often the thread was found not open on the client's connection (it reconnected) as the turn was about to go out. */
    private CompletableFuture<TurnResult> attemptOnce(TurnRun run, TurnContext turn, int reopened) {
        return attemptOnce(run, turn, reopened, 0);
    }

    /** {@code askedSince}: when ({@link System#nanoTime}, never 0) the wake was first refused with the holder asked for the conversation; 0 before. */
    private CompletableFuture<TurnResult> attemptOnce(TurnRun run, TurnContext turn, int reopened, long askedSince) {
        return connection.startAsync(turn.traced()).handle((id, failure) -> {     // the library's future: a turn never waits for a host thread
            if (failure != null) {
                ConversationLeasedException held = LeaseWait.refusal(Futures.unwrap(failure));
                long since = askedSince != 0 ? askedSince : System.nanoTime() | 1;
                Duration left = LeaseWait.DEFAULT_BOUND.minusNanos(System.nanoTime() - since);
                if (held != null && !left.isNegative() && LeaseWait.mayHandOverWithin(held, left) && !turn.interrupted().get()
                        && !connection.isClosed()) {
                    // nothing went out, and the holder was asked for the conversation: it lets go when idle (decisions 0105,
                    // 0118), so the wake is tried again as a door's resume would be, within the same bound: once the store says
                    // the lease was given back, else at the poll's pace; never on the store's thread that said so
                    CompletableFuture<Object> next = CompletableFuture.anyOf(held.released().toCompletableFuture(),
                            CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(HAND_OVER_POLL.toMillis(),
                                    java.util.concurrent.TimeUnit.MILLISECONDS, RpcThreads.waits())));
                    return next.handleAsync((x, e) -> null, RpcThreads.waits()).thenCompose(x -> attemptOnce(run, turn, reopened, since));
                }
                TurnFailure why = connection.link().startFailure(failure);
                if (why.category() != ErrorCategory.SETTINGS_REJECTED) {
                    connection.retire();        // a refused setting is the host's to fix, not a failure of codex
                }
                if (reopened < MAX_SENDS_OFF_THREAD && connection.link().placesAnew() && !connection.isClosed()
                        && CONNECTION_ENDS.contains(why.category())) {
                    // nothing was sent: the connection it was placed on ended first (a tenant's codex died and its client
                    // was closed); the next try is placed anew
                    LOG.debug("the thread's connection ended before the turn went out ({}); placing it anew", why.category());
                    return attemptOnce(run, turn, reopened + 1);
                }
                return CompletableFuture.completedFuture(startupFailure(run, why));
            }
            ThreadReplacement replaced = connection.record().takeReplacement();
            if (replaced != null) {
                turn.replaced().set(replaced);
            }
            // one turn at a time on the thread: one codex still runs after a fault is settled first
            return connection.settleEarlierTurn(turn.settings().interruptGrace()).thenCompose(unsettled -> unsettled != null
                    ? CompletableFuture.completedFuture(notSent(run, unsettled))
                    // the lease lost while the thread was opened or settled (a stall past it, a store's session ended): another
                    // host may have run newer turns from the store, so this one is refused here, never run and then reported
                    : connection.whyNotHeld() != null ? CompletableFuture.completedFuture(leaseLostBeforeStart(run))
                    // the client reconnected while the thread was opened or settled: its resume there goes first
                    : !connection.openOnCurrentConnection() && reopened < MAX_SENDS_OFF_THREAD ? attemptOnce(run, turn, reopened + 1)
                    // the turn's span is current while turn/start is written, so codex parents its handling on it
                    : turn.traced().inScope(() -> run.begin(connection.client(), connection.inbox(), connection.bridge(), id,
                            turn.start(), replaced)));
        }).thenCompose(f -> f);
    }

    /** Claims the session for following {@code turnId}; the library's own future of how it ends. */
    public CompletableFuture<TurnResult> follow(String turnId, TurnListener listener) {
        Objects.requireNonNull(turnId, "turnId");
        if (!turnActive.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new IllegalStateException("a turn is already running on this session"));
        }
        if (connection.isClosed()) {
            turnActive.set(false);
            return CompletableFuture.failedFuture(new CodexException("the session is closed"));
        }
        // its span begins where this process joined, not where the turn began (marked as attached)
        TurnTelemetry traced = tracing.follow(connection);
        TurnContext turn = new TurnContext(null, TurnOptions.DEFAULTS, TurnTracing.listener(traced, listener),
                turnSetup(limits), traced, null, null);
        TurnRun run = newAttempt(turn, 1, 0);
        becomeActive(run);
        // the library's own start future: the host's copy would wait for a host pool thread
        // the thread's start or resume is sent with the span current, so codex's span for it joins the trace
        CompletableFuture<TurnResult> following = connection.startAsync(traced).handle((id, failure) -> {
            if (failure != null) {
                connection.retire();
                // not startupFailure's "not received": that holds for a turn/start never sent, and this turn is codex's already
                return CompletableFuture.completedFuture(run.tally().unfollowed(connection.threadId(), turnId,
                        connection.link().advised(connection.link().startFailure(failure)), System.nanoTime()));
            }
            return run.follow(connection.client(), connection.inbox(), connection.bridge(), id, turnId);
        }).thenCompose(f -> f);
        return released(following, turn);
    }
}
