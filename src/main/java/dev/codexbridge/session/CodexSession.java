package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.BuildInfo;
import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.DynamicTool;
import dev.codexbridge.approval.ServerRequestBridge;
import dev.codexbridge.json.Json;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ReviewTarget;
import dev.codexbridge.protocol.ThreadArchiveParams;
import dev.codexbridge.protocol.ThreadCompactStartParams;
import dev.codexbridge.protocol.ThreadForkParams;
import dev.codexbridge.protocol.ThreadForkResponse;
import dev.codexbridge.protocol.ThreadGoalClearParams;
import dev.codexbridge.protocol.ThreadGoalClearResponse;
import dev.codexbridge.protocol.ThreadGoalGetParams;
import dev.codexbridge.protocol.ThreadGoalGetResponse;
import dev.codexbridge.protocol.ThreadGoalSetParams;
import dev.codexbridge.protocol.ThreadGoalSetResponse;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.ThreadRevertParams;
import dev.codexbridge.protocol.ThreadRevertResponse;
import dev.codexbridge.protocol.ThreadSetNameParams;
import dev.codexbridge.protocol.ThreadUnsubscribeParams;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.Futures;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcThreads;
import dev.codexbridge.transport.CodexTransport;
import dev.codexbridge.transcript.ProjectorOptions;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One codex thread for one host conversation: what a host agent loop calls once per user turn.
 *
 * <pre>{@code
 * try (CodexSession session = CodexSession.builder().cwd(workdir).approvalHandler(myHandler).build()) {
 *     TurnResult r = session.runTurn(TurnInput.text("fix the failing test"));
 *     history.addAll(r.messages());
 * }
 * }</pre>
 *
 * Starts lazily (spawn, {@code initialize}, {@code initialized}, {@code thread/start} or
 * {@code thread/resume}); runs one turn at a time; answers every server request through the
 * {@link ApprovalPolicy}. When codex dies or stops answering the session is retired: the next
 * turn starts a fresh codex and resumes the same thread, so the conversation continues.
 * {@link #interrupt()}, {@link #steer} and {@link #close()} may be called from any thread.
 */
public final class CodexSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CodexSession.class);

    /** Opens this session's own connection, or null when it shares one. */
    private final CodexClient.Builder ownConnection;
    private final CodexClient sharedClient;
    final Path cwd;
    private final String model;
    private final JsonNode approvalPolicy;
    private final String sandboxMode;
    private final String baseInstructions;
    private final String developerInstructions;
    private final Map<String, Object> config;
    private final Boolean ephemeral;
    private final List<DynamicTool> dynamicTools;
    private final ApprovalPolicy approvals;
    final Duration requestTimeout;
    private final Duration resumeTimeout;
    final Duration turnTimeout;
    final Duration idleTimeout;
    final Duration interruptGrace;
    final int maxSteps;
    final ProjectorOptions projector;
    /** Shared with other sessions of the same account, or null: no waits, one attempt. */
    final RateLimitGovernor rateLimits;
    private final int inboxLimit;
    /** The session's own connection goes to a running app-server, which outlives a dropped connection. */
    private final boolean remote;

    private final AtomicBoolean turnActive = new AtomicBoolean();
    /** Which of the client's connections the thread was opened on ({@link CodexClient#generation}). */
    private volatile int openedOn;
    /** This session's place among the shared connection's threads, or null (see CodexClient#reserveThread). */
    private AutoCloseable threadPlace;
    /** A turn lost with its connection that codex may still be running (see stopLostTurn). */
    private volatile String lostTurn;
    /** The shared client's call after a reconnect, or null. */
    private AutoCloseable reconnectHandle;
    /** The start under way, shared by concurrent callers; null when none runs. */
    private CompletableFuture<String> opening;
    private final Object stateLock = new Object();
    private volatile CodexClient client;
    private volatile AutoCloseable attachment;
    /** The governor's subscription to the connection's rate-limit notifications. */
    private volatile AutoCloseable governorSubscription;
    private volatile SessionInbox inbox;
    private volatile ServerRequestBridge bridge;
    private volatile String threadId;
    private volatile boolean retired;
    private volatile boolean closed;
    private volatile TurnRun activeTurn;

    private CodexSession(Builder b) {
        this.cwd = b.cwd != null ? b.cwd.toAbsolutePath() : Paths.get("").toAbsolutePath();
        this.model = b.model;
        this.approvalPolicy = b.approvalPolicy;
        this.sandboxMode = b.sandboxMode;
        this.baseInstructions = b.baseInstructions;
        this.developerInstructions = b.developerInstructions;
        this.config = Map.copyOf(b.config);
        this.ephemeral = b.ephemeral;
        this.threadId = b.resumeThreadId;
        this.dynamicTools = List.copyOf(b.dynamicTools);
        this.approvals = b.approvals;
        this.requestTimeout = b.requestTimeout;
        this.resumeTimeout = b.resumeTimeout;
        this.turnTimeout = b.turnTimeout;
        this.idleTimeout = b.idleTimeout;
        this.interruptGrace = b.interruptGrace;
        this.maxSteps = b.maxSteps;
        this.projector = b.projector;
        this.rateLimits = b.rateLimits;
        this.inboxLimit = b.inboxLimit;
        this.remote = b.endpoint != null;
        this.sharedClient = b.client;
        this.ownConnection = b.client != null ? null : b.connection(cwd);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The codex thread id, once started (or the one to resume). */
    public String threadId() {
        return threadId;
    }

    /** Whether the last turn had to give up its codex process; the next turn restarts it. */
    public boolean isRetired() {
        return retired;
    }

    /**
     * Starts codex and the thread if needed; idempotent. Throws a {@link CodexException} when codex
     * cannot be started (missing binary, bad config, no thread id); {@link #runTurn} reports the
     * same as a failed result instead.
     */
    public String start() {
        return Futures.join(startAsync());
    }

    /**
     * {@link #start()} without waiting: on a shared connection nothing blocks; a session with its
     * own codex starts the process on a pool thread. Concurrent calls share one start.
     */
    public CompletableFuture<String> startAsync() {
        synchronized (stateLock) {
            if (closed) {
                return CompletableFuture.failedFuture(new CodexException("the session is closed"));
            }
            if (opening != null) {
                return opening.copy();
            }
            CodexClient current = client;
            if (current != null && !retired && current.isOpen() && openedOn == current.generation()) {
                return CompletableFuture.completedFuture(threadId);
            }
            letGoOfConnection();
            CompletableFuture<String> f;
            if (sharedClient == null) {
                f = CompletableFuture.supplyAsync(ownConnection::connect, RpcThreads.callbacks()).thenCompose(this::openOn);
            } else if (sharedClient.isOpen()) {
                f = openOn(sharedClient);
            } else {
                // reconnecting: wait for the new connection (or its end), not for a timeout
                f = sharedClient.whenReady().handle((c, failure) -> failure == null ? openOn(c)
                        : CompletableFuture.<String>failedFuture(new CodexException("the shared codex connection is closed: "
                                + Futures.unwrap(failure).getMessage(), Futures.unwrap(failure)))).thenCompose(x -> x);
            }
            opening = f;
            f.whenComplete((id, failure) -> {
                synchronized (stateLock) {
                    if (opening == f) {
                        opening = null;
                    }
                    if (failure != null || closed) {
                        letGoOfConnection();
                    } else {
                        retired = false;
                        LOG.debug("codex thread {} ready", id);
                    }
                }
            });
            return f.copy();
        }
    }

    /** Attaches this session to {@code c} and opens (or resumes) its thread there. */
    private CompletableFuture<String> openOn(CodexClient c) {
        synchronized (stateLock) {
            if (closed) {
                if (sharedClient == null) {
                    c.close();
                }
                return CompletableFuture.failedFuture(new CodexException("the session is closed"));
            }
            if (!c.isOpen()) {
                return CompletableFuture.failedFuture(new CodexException(sharedClient != null
                        ? "the shared codex connection is closed" : "codex closed the connection as it started"));
            }
            if (sharedClient != null && reconnectHandle == null) {
                reconnectHandle = sharedClient.onReconnect(reopened -> resumeAfterReconnect());
            }
            openedOn = c.generation();
            if (sharedClient != null && threadPlace == null) {
                try {
                    threadPlace = c.reserveThread();
                } catch (CodexException full) {
                    return CompletableFuture.failedFuture(full);
                }
            }
            ServerRequestBridge newBridge = new ServerRequestBridge(approvals, dynamicTools, cwd.toString());
            SessionInbox newInbox = new SessionInbox(asked -> RpcThreads.callbacks().execute(() -> answerNow(asked)),
                    RpcThreads.dispatch(), inboxLimit, sharedClient == null);
            client = c;
            bridge = newBridge;
            inbox = newInbox;
            try {
                if (sharedClient == null) {
                    // codex's connection-wide messages (rate limits, auth refresh) belong to the only session
                    attachment = c.attachUnscoped(newInbox);
                }
                if (rateLimits != null) {
                    // account-wide, so they come with no thread id: seen between turns and on a shared connection too
                    governorSubscription = c.subscribe(RateLimitGovernor.METHODS, rateLimits.listener());
                }
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (threadId == null) {
                return openThread(c, "thread/start", threadStartParams(), requestTimeout, newInbox)
                        .thenApply(id -> threadId = id);
            }
            return resume(c, newInbox).thenCompose(id -> stopLostTurn(c, id));
        }
    }

    /**
     * A turn whose connection was lost may still run in codex (over a socket, the server outlives
     * the drop). The host was told it ended, so it is interrupted once the thread is back: nothing
     * goes on behind the host's back, and the thread is free for the next turn.
     * {@link #recoverTurn} then reads what it did.
     */
    private CompletableFuture<String> stopLostTurn(CodexClient c, String id) {
        String lost = lostTurn;
        lostTurn = null;
        if (lost == null) {
            return CompletableFuture.completedFuture(id);
        }
        LOG.debug("interrupting turn {} of thread {}, lost with its connection", lost, id);
        return TurnRun.interrupt(c, id, lost, requestTimeout).thenApply(answered -> id);
    }

    /** The turn that was running when its connection was lost: to be interrupted on resume. */
    void turnLost(String turnId) {
        if (sharedClient != null || remote) {
            lostTurn = turnId;      // a session's own codex process died with its connection: nothing is left running
        }
    }

    /**
     * Sends {@code thread/start} or {@code thread/resume} and attaches the inbox to the thread as
     * the answer is read, so no message about the thread that follows the answer is missed.
     */
    private CompletableFuture<String> openThread(CodexClient c, String method, ObjectNode params, Duration timeout, SessionInbox box) {
        CompletableFuture<String> opened = new CompletableFuture<>();
        c.requestInOrder(method, params, timeout, (result, failure) -> {
            if (failure != null) {
                Throwable cause = Futures.unwrap(failure);
                if (cause instanceof ConnectionClosedException closedCause) {
                    // explaining may wait briefly for codex's exit status: not on the reader thread
                    RpcThreads.callbacks().execute(() -> opened.completeExceptionally(c.explainClose("before answering " + method, closedCause)));
                } else {
                    opened.completeExceptionally(cause);
                }
                return;
            }
            // on the reader thread: read only the id here, not the (possibly large) thread answer
            JsonNode answered = result.get("thread");
            JsonNode idNode = answered == null ? null : answered.get("id");
            String id = idNode != null && idNode.isTextual() ? idNode.asText() : null;
            if (id == null || id.isEmpty()) {
                opened.completeExceptionally(new CodexException("codex answered " + method + " without a thread id"));
                return;
            }
            try {
                AutoCloseable own = attachment;
                AutoCloseable thread = c.attach(id, box);
                attachment = own == null ? thread : () -> {
                    thread.close();
                    own.close();
                };
                opened.complete(id);
            } catch (IllegalStateException taken) {
                opened.completeExceptionally(new CodexException("thread " + id + " is already open in another session on this connection"));
            }
        });
        return opened;
    }

    /** Answers a server request that arrived while no turn runs (the turn answers its own). */
    private void answerNow(SessionInbox.Asked asked) {
        ServerRequestBridge b = bridge;
        CodexClient c = client;
        if (b == null || c == null || !asked.claim()) {
            return;
        }
        CodexEvent.ServerRequest r = asked.request;
        b.answer(r.method(), r.params()).whenComplete((answer, failure) -> {
            if (answer == null || answer.error() != null) {
                c.respondError(r.id(), answer == null ? new RpcError(RpcError.INTERNAL_ERROR, "no answer") : answer.error());
            } else {
                c.respond(r.id(), answer.result());
            }
        });
    }

    /**
     * Closes the connection when it is this session's own, and detaches from it; a turn still
     * running learns at once that its connection is gone.
     */
    private void letGoOfConnection() {
        CodexClient c = client;
        client = null;
        if (c != null && sharedClient == null) {
            c.close();
        }
        AutoCloseable g = governorSubscription;
        governorSubscription = null;
        if (g != null) {
            try {
                g.close();
            } catch (Exception ignored) {
                // unsubscribing only removes a listener
            }
        }
        AutoCloseable a = attachment;
        attachment = null;
        if (a != null) {
            try {
                a.close();
            } catch (Exception ignored) {
                // detaching only removes map entries
            }
        }
        SessionInbox box = inbox;
        if (box != null && c != null) {
            box.closed(new ConnectionClosedException("the session let go of its codex connection"));
        }
    }

    /** The connection this session runs on (its own, or the shared one), once started. */
    public CodexClient client() {
        return client;
    }

    /** Runs one turn with the session's defaults. */
    public TurnResult runTurn(TurnInput input) {
        return runTurn(input, TurnOptions.DEFAULTS, TurnListener.NONE);
    }

    /**
     * Runs one turn and returns how it ended; a failed, interrupted or timed-out turn is a result,
     * not an exception. One turn at a time: a second concurrent call throws
     * {@link IllegalStateException}. The calling thread only waits; interrupting it interrupts the
     * turn (and the result then says so).
     */
    public TurnResult runTurn(TurnInput input, TurnOptions options, TurnListener listener) {
        Objects.requireNonNull(input, "input");
        return await(run(TurnRun.turn(input), options, listener));
    }

    /**
     * Runs a code review of this thread's workspace as a turn ({@code review/start}, delivered
     * inline): the review's items and final text come back like any turn's.
     */
    public TurnResult runReview(ReviewTarget target, TurnOptions options, TurnListener listener) {
        Objects.requireNonNull(target, "target");
        return await(run(TurnRun.review(target), options, listener));
    }

    /**
     * {@link #runTurn(TurnInput, TurnOptions, TurnListener)} without a thread of its own: the turn
     * advances on the connection's events and the future completes on a pool thread when it ends.
     * The listener is called on the shared dispatch threads and must not block.
     */
    public CompletableFuture<TurnResult> runTurnAsync(TurnInput input, TurnOptions options, TurnListener listener) {
        Objects.requireNonNull(input, "input");
        try {
            return run(TurnRun.turn(input), options, listener);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@link #runTurnAsync(TurnInput, TurnOptions, TurnListener)}, completing on {@code executor}. */
    public CompletableFuture<TurnResult> runTurnAsync(TurnInput input, TurnOptions options, TurnListener listener, Executor executor) {
        return runTurnAsync(input, options, listener).thenApplyAsync(r -> r, executor);
    }

    private TurnResult await(CompletableFuture<TurnResult> turn) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return turn.get();
                } catch (InterruptedException e) {
                    // the turn ends as interrupted once codex confirms; keep waiting for that result
                    interrupted = true;
                    interrupt();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw Futures.rethrow(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Claims the session for one turn and chains its attempts; throws when it cannot begin. */
    private CompletableFuture<TurnResult> run(TurnRun.Start start, TurnOptions options, TurnListener listener) {
        TurnOptions opts = options == null ? TurnOptions.DEFAULTS : options;
        Duration turnTimeout = opts.turnTimeout() != null ? opts.turnTimeout() : this.turnTimeout;
        Duration idleTimeout = opts.idleTimeout() != null ? opts.idleTimeout() : this.idleTimeout;
        requireSomeLimit(turnTimeout, idleTimeout);
        if (!turnActive.compareAndSet(false, true)) {
            throw new IllegalStateException("a turn is already running on this session");
        }
        if (closed) {
            turnActive.set(false);
            throw new CodexException("the session is closed");
        }
        TurnContext turn = new TurnContext(start, opts, listener == null ? TurnListener.NONE : listener, turnTimeout, idleTimeout);
        CompletableFuture<TurnResult> result = new CompletableFuture<>();
        CompletableFuture<TurnResult> attempts;
        try {
            attempts = attempt(turn, 1, 0);
        } catch (RuntimeException e) {
            attempts = CompletableFuture.failedFuture(e);
        }
        attempts.whenComplete((r, failure) -> {
            // free the session before anyone sees the result, so the next turn can start at once
            activeTurn = null;
            turnActive.set(false);
            RpcThreads.callbacks().execute(() -> {
                if (failure != null) {
                    result.completeExceptionally(Futures.unwrap(failure));
                } else {
                    result.complete(r);
                }
            });
        });
        return result;
    }

    /** What stays the same across a turn's attempts. */
    private record TurnContext(TurnRun.Start start, TurnOptions options, TurnListener listener, Duration turnTimeout,
                               Duration idleTimeout, AtomicBoolean interrupted, RateLimitGovernor.Cancellation waits, long began) {
        TurnContext(TurnRun.Start start, TurnOptions options, TurnListener listener, Duration turnTimeout, Duration idleTimeout) {
            this(start, options, listener, turnTimeout, idleTimeout, new AtomicBoolean(), new RateLimitGovernor.Cancellation(), System.nanoTime());
        }
    }

    /** One attempt; a rate-limited one whose failure is known chains the next, within the governor's bound. */
    private CompletableFuture<TurnResult> attempt(TurnContext turn, int attempt, long waitedBefore) {
        TurnRun run = new TurnRun(this, turn.options(), turn.listener(), turn.turnTimeout(), turn.idleTimeout(), turn.interrupted(),
                turn.waits(), turn.began(), attempt, waitedBefore);
        activeTurn = run;
        if (pendingInterrupt) {
            pendingInterrupt = false;
            run.requestInterrupt();
        }
        CompletableFuture<TurnResult> outcome;
        if (rateLimits == null) {
            outcome = attemptOnce(run, turn.start());
        } else {
            if (closed) {
                turn.waits().cancel();      // close() may have missed this run: it looked before it was active
            }
            // a wait may last minutes; like the turn itself it holds no thread
            outcome = run.waitForRateLimit(rateLimits)
                    .handle((waited, failure) -> {
                        Throwable cause = failure == null ? null : Futures.unwrap(failure);
                        if (cause instanceof RateLimitGovernor.WaitCancelledException e) {
                            return CompletableFuture.completedFuture(run.waitCancelled(e, waitedBefore + e.waitedMs(), threadId));
                        }
                        if (cause != null) {
                            return CompletableFuture.<TurnResult>failedFuture(cause);
                        }
                        return attemptOnce(run, turn.start());
                    }).thenCompose(f -> f);
        }
        return outcome.thenCompose(result -> {
            RateLimitSignal limited = run.rateLimited();
            if (limited == null || rateLimits == null) {
                return CompletableFuture.completedFuture(result);
            }
            rateLimits.report(limited);
            if (attempt >= rateLimits.maxAttempts() || turn.interrupted().get() || closed) {
                return CompletableFuture.completedFuture(result);
            }
            LOG.debug("turn attempt {} of {} hit a rate limit ({}); retrying", attempt, rateLimits.maxAttempts(), limited.type());
            return attempt(turn, attempt + 1, result.rateLimitWaitMs());
        });
    }

    /** One {@code turn/start} (or {@code review/start}) and its turn, on a started session. */
    private CompletableFuture<TurnResult> attemptOnce(TurnRun run, TurnRun.Start start) {
        return startAsync().handle((id, failure) -> {
            if (failure != null) {
                Throwable cause = Futures.unwrap(failure);
                retired = true;
                CodexException e = cause instanceof CodexException ce ? ce : new CodexException(String.valueOf(cause.getMessage()), cause);
                return CompletableFuture.completedFuture(run.startupFailure(e));
            }
            return run.begin(client, inbox, bridge, threadId, start);
        }).thenCompose(f -> f);
    }

    // ---------------------------------------------------------------- this thread's operations

    /** This thread as codex has it; with {@code includeTurns}, its turns and their items too. */
    public ThreadReadResponse read(boolean includeTurns) {
        String id = start();
        return client.threadRead(new ThreadReadParams(includeTurns, id));
    }

    /**
     * A turn this session lost track of, as codex stored it: for a turn whose connection ended
     * while it ran ({@link ErrorCategory#PROCESS_DIED}; its {@link TurnResult#turnId()} names it).
     * Over a socket codex may have finished it meanwhile; the request that started it is never
     * sent again. Empty while codex still runs the turn, or when it kept no record of it.
     */
    public java.util.Optional<TurnResult> recoverTurn(String turnId) {
        Objects.requireNonNull(turnId, "turnId");
        return TurnRecovery.from(read(true), turnId, projector);
    }

    /**
     * A new thread with this thread's history, on the same connection; open it with
     * {@code CodexSession.builder().client(session.client()).resumeThread(newId)}, or resume it later.
     */
    public ThreadForkResponse fork() {
        String id = start();
        return client.threadFork(ThreadForkParams.builder().threadId(id).cwd(cwd.toString()).build());
    }

    /** Gives the thread a name (shown by {@code thread/list}). */
    public void rename(String name) {
        String id = start();
        client.threadNameSet(new ThreadSetNameParams(Objects.requireNonNull(name, "name"), id));
    }

    /** Asks codex to compact the thread's context now; progress arrives as notifications. */
    public void compact() {
        String id = start();
        client.threadCompactStart(new ThreadCompactStartParams(id));
    }

    /** Archives the thread; it leaves the default {@code thread/list} and can be unarchived. */
    public void archive() {
        String id = start();
        client.threadArchive(new ThreadArchiveParams(id));
    }

    /** Drops the turns from {@code beforeTurnId} on (that turn and every later one). */
    public ThreadRevertResponse revert(String beforeTurnId) {
        String id = start();
        return client.threadRevert(new ThreadRevertParams(Objects.requireNonNull(beforeTurnId, "beforeTurnId"), id));
    }

    /** Sets the thread's goal: an objective codex keeps working towards across turns. */
    public ThreadGoalSetResponse setGoal(String objective) {
        String id = start();
        return client.threadGoalSet(ThreadGoalSetParams.builder().threadId(id).objective(objective).build());
    }

    public ThreadGoalGetResponse goal() {
        String id = start();
        return client.threadGoalGet(new ThreadGoalGetParams(id));
    }

    public ThreadGoalClearResponse clearGoal() {
        String id = start();
        return client.threadGoalClear(new ThreadGoalClearParams(null, id));
    }

    private volatile boolean pendingInterrupt;

    /**
     * Interrupts the running turn ({@code turn/interrupt}); its result will say
     * {@code interrupted}. Works before {@code turn/start} has answered and while an approval is
     * pending. Between turns it applies to the next turn, which then ends at once. Thread-safe.
     */
    public void interrupt() {
        TurnRun run = activeTurn;
        if (run != null) {
            run.requestInterrupt();
        } else {
            pendingInterrupt = true;
        }
    }

    /**
     * Adds input to the running turn ({@code turn/steer}). Returns false when no turn is running
     * or codex refused (e.g. a review turn cannot be steered).
     */
    public boolean steer(TurnInput input) {
        TurnRun run = activeTurn;
        return run != null && run.steer(input);
    }

    /** Stops codex (shutdown ladder). Safe during a running turn, which then ends with an error; idempotent. */
    @Override
    public void close() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            for (AutoCloseable handle : new AutoCloseable[] {reconnectHandle, threadPlace}) {
                if (handle != null) {
                    try {
                        handle.close();
                    } catch (Exception ignored) {
                        // removing a callback from a list, giving back a count
                    }
                }
            }
            reconnectHandle = null;
            threadPlace = null;
            TurnRun run = activeTurn;
            if (run != null) {
                // a turn waiting for a rate limit ends at once
                run.waitCancellation().cancel();
            }
            unsubscribe();
            letGoOfConnection();
        }
    }

    /**
     * On a shared connection, tells codex this client no longer follows the thread, so codex can
     * unload it (after about 30 minutes without subscribers) and the connection stops receiving its
     * messages. Not waited for: closing never blocks on codex.
     */
    private void unsubscribe() {
        CodexClient c = client;
        String id = threadId;
        if (sharedClient == null || c == null || id == null || !c.isOpen() || openedOn != c.generation()) {
            return;
        }
        try {
            c.async().threadUnsubscribe(new ThreadUnsubscribeParams(id)).whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("thread/unsubscribe {}: {}", id, e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("thread/unsubscribe {} not sent: {}", id, e.getMessage());
        }
    }

    /** Retires the session only if it still runs on connection {@code generation}, not on a newer one. */
    void markRetired(int generation) {
        if (openedOn == generation) {
            retired = true;
        }
    }

    /** The shared connection was reopened: resume this thread there at once, not at the next turn. */
    private CompletionStage<?> resumeAfterReconnect() {
        if (closed || threadId == null) {
            return CompletableFuture.completedFuture(null);
        }
        return startAsync();
    }

    /**
     * {@code thread/resume} with {@code excludeTurns} (the history stays in codex; nothing is
     * re-sent). Codex before 0.16x treated {@code excludeTurns} as experimental; without that
     * capability the resume is retried without it, which only costs a larger answer.
     */
    private CompletableFuture<String> resume(CodexClient c, SessionInbox box) {
        return openThread(c, "thread/resume", threadResumeParams(), resumeTimeout, box).exceptionallyCompose(failure -> {
            Throwable cause = Futures.unwrap(failure);
            if (!(cause instanceof RpcException e) || e.code() != RpcError.INVALID_REQUEST || !e.error().message().contains("excludeTurns")) {
                return CompletableFuture.failedFuture(cause);
            }
            LOG.debug("codex refused excludeTurns ({}); resuming with the full history", e.error().message());
            ObjectNode params = threadResumeParams();
            params.remove("excludeTurns");
            return openThread(c, "thread/resume", params, resumeTimeout, box);
        });
    }

    private ObjectNode threadStartParams() {
        ObjectNode p = commonThreadParams();
        if (ephemeral != null) {
            p.put("ephemeral", ephemeral);
        }
        if (!dynamicTools.isEmpty()) {
            ArrayNode tools = p.putArray("dynamicTools");
            dynamicTools.forEach(t -> tools.add(t.spec()));
        }
        return p;
    }

    private ObjectNode threadResumeParams() {
        ObjectNode p = commonThreadParams();
        p.put("threadId", threadId);
        p.put("excludeTurns", true);
        return p;
    }

    private ObjectNode commonThreadParams() {
        ObjectNode p = Json.object();
        if (cwd != null) {
            p.put("cwd", cwd.toString());
        }
        putIf(p, "model", model);
        if (approvalPolicy != null) {
            p.set("approvalPolicy", approvalPolicy);
        }
        putIf(p, "sandbox", sandboxMode);
        putIf(p, "baseInstructions", baseInstructions);
        putIf(p, "developerInstructions", developerInstructions);
        if (!config.isEmpty()) {
            p.set("config", Json.tree(config));
        }
        return p;
    }

    private static void putIf(ObjectNode p, String key, String value) {
        if (value != null) {
            p.put(key, value);
        }
    }

    private static void requireSomeLimit(Duration turn, Duration idle) {
        if ((turn == null || turn.isZero()) && (idle == null || idle.isZero())) {
            throw new IllegalArgumentException("a turn needs a wall-clock or an idle timeout (both are zero)");
        }
        if (turn != null && turn.isNegative() || idle != null && idle.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    /** The single entry point for configuring a session. */
    public static final class Builder {
        private Path codexBinary;
        private Path codexHome;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final Set<String> withheldEnvironment = new LinkedHashSet<>();
        private final List<String> extraArgs = new ArrayList<>();
        private CodexTransport.Factory transports;
        private ClientInfo clientInfo = new ClientInfo("codex_bridge", "codex-bridge", BuildInfo.version());
        private Path cwd;
        private String model;
        private JsonNode approvalPolicy;
        private String sandboxMode;
        private String baseInstructions;
        private String developerInstructions;
        private final Map<String, Object> config = new LinkedHashMap<>();
        private Boolean ephemeral;
        private String resumeThreadId;
        private final List<DynamicTool> dynamicTools = new ArrayList<>();
        private ApprovalPolicy approvals = ApprovalPolicy.failClosed();
        private Boolean experimentalApi;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration resumeTimeout = Duration.ofSeconds(90);
        private Duration turnTimeout = Duration.ofMinutes(10);
        private Duration idleTimeout = Duration.ZERO;
        private Duration interruptGrace = Duration.ofSeconds(5);
        private int maxSteps;
        private ProjectorOptions projector = ProjectorOptions.DEFAULT;
        private java.util.function.Consumer<JsonRpcPeer.Builder> peerConfigurer = peer -> { };
        private CodexClient client;
        private RateLimitGovernor rateLimits;
        private int inboxLimit = SessionInbox.DEFAULT_LIMIT;
        private dev.codexbridge.transport.CodexEndpoint endpoint;

        private Builder() {
        }

        /**
         * Run on a connection shared with other sessions instead of starting a codex process of the
         * session's own. The connection's own settings (binary, home, client info, experimental API)
         * then apply; closing the session leaves it open, and a dead shared connection is not
         * restarted by the session.
         */
        public Builder client(CodexClient shared) {
            this.client = Objects.requireNonNull(shared, "shared");
            return this;
        }

        /** Sees every line sent to and received from codex (fixture recording, conformance checks). */
        public Builder wireTap(dev.codexbridge.rpc.WireTap tap) {
            return peerConfigurer(peer -> peer.wireTap(tap));
        }

        /**
         * Applied to the peer of every codex process the session starts (the first and each restart),
         * e.g. to install a fresh {@link dev.codexbridge.rpc.WireTap} per connection.
         */
        public Builder peerConfigurer(java.util.function.Consumer<JsonRpcPeer.Builder> configurer) {
            this.peerConfigurer = Objects.requireNonNull(configurer, "configurer");
            return this;
        }

        /** The codex binary (default: {@code CODEX_BIN}, the project-local install, {@code PATH}). */
        public Builder codexBinary(Path binary) {
            this.codexBinary = binary;
            return this;
        }

        /** {@code CODEX_HOME} for the codex process (default: inherited, i.e. {@code ~/.codex}). */
        public Builder codexHome(Path home) {
            this.codexHome = home;
            return this;
        }

        /** An environment variable for the codex process, on top of this process's environment. */
        public Builder environment(String key, String value) {
            environment.put(key, value);
            return this;
        }

        /**
         * Keeps the named variables of this process's environment (say, the host's own API tokens)
         * out of codex's environment; explicit {@link #environment(String, String)} values still pass.
         */
        public Builder withholdEnvironment(String... names) {
            withheldEnvironment.addAll(List.of(names));
            return this;
        }

        /** Extra {@code codex app-server} arguments, e.g. {@code -c key=value}. */
        public Builder codexArguments(List<String> args) {
            extraArgs.addAll(args);
            return this;
        }

        /**
         * Run on a connection of the session's own to an app-server that is already running
         * ({@code ws://}, {@code wss://}, {@code unix://}) instead of starting codex. When the
         * connection drops, the next turn reconnects and resumes the thread; a turn lost with the
         * connection is interrupted there first. Overrides binary, home and environment.
         */
        public Builder endpoint(dev.codexbridge.transport.CodexEndpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** Talk to something other than a codex process (tests, replays). Overrides binary, home and environment. */
        public Builder transport(CodexTransport.Factory factory) {
            this.transports = factory;
            return this;
        }

        public Builder clientInfo(ClientInfo info) {
            this.clientInfo = Objects.requireNonNull(info, "info");
            return this;
        }

        /** The thread's working directory (default: this process's). */
        public Builder cwd(Path cwd) {
            this.cwd = cwd;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        /** {@code "untrusted" | "on-request" | "never"}. */
        public Builder approvalPolicy(String policy) {
            this.approvalPolicy = policy == null ? null : Json.nodes().textNode(policy);
            return this;
        }

        /** {@code "read-only" | "workspace-write" | "danger-full-access"}. */
        public Builder sandboxMode(String mode) {
            this.sandboxMode = mode;
            return this;
        }

        public Builder baseInstructions(String text) {
            this.baseInstructions = text;
            return this;
        }

        public Builder developerInstructions(String text) {
            this.developerInstructions = text;
            return this;
        }

        /** A per-thread {@code config.toml} override (dotted keys work, e.g. {@code model_reasoning_effort}). */
        public Builder config(String key, Object value) {
            config.put(key, value);
            return this;
        }

        public Builder ephemeral(boolean ephemeral) {
            this.ephemeral = ephemeral;
            return this;
        }

        /** Resume this thread instead of starting a new one. */
        public Builder resumeThread(String threadId) {
            this.resumeThreadId = threadId;
            return this;
        }

        /** A tool the host runs when codex calls it (turns on codex's experimental API). */
        public Builder dynamicTool(DynamicTool tool) {
            dynamicTools.add(Objects.requireNonNull(tool, "tool"));
            return this;
        }

        public Builder approvals(ApprovalPolicy policy) {
            this.approvals = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Shorthand for an {@link ApprovalPolicy} with just this handler. */
        public Builder approvalHandler(dev.codexbridge.approval.ApprovalHandler handler) {
            this.approvals = ApprovalPolicy.builder().handler(handler).build();
            return this;
        }

        /** Force codex's experimental API on or off (default: on when a feature needs it). */
        public Builder experimentalApi(boolean on) {
            this.experimentalApi = on;
            return this;
        }

        /** Deadline of single requests such as {@code thread/start} (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** Default turn limits: wall clock (default 10 min) and idle (default off). Zero disables one; not both. */
        public Builder timeouts(Duration turn, Duration idle) {
            requireSomeLimit(turn, idle);
            this.turnTimeout = turn;
            this.idleTimeout = idle;
            return this;
        }

        /** How long codex gets to confirm an interrupt before the session is retired (default 5 s). */
        public Builder interruptGrace(Duration grace) {
            this.interruptGrace = grace;
            return this;
        }

        /** Default step budget per turn; zero means none. */
        public Builder maxSteps(int steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("maxSteps must be >= 0");
            }
            this.maxSteps = steps;
            return this;
        }

        public Builder projector(ProjectorOptions options) {
            this.projector = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Waits for, reports to and retries by this governor: give the same instance to every
         * session of one account (it is shared, and thread-safe). Without one a rate-limited turn
         * fails on its first attempt.
         */
        public Builder rateLimits(RateLimitGovernor governor) {
            this.rateLimits = governor;
            return this;
        }

        /**
         * How many of a running turn's messages may wait for the host (default 10,000). Past it, a
         * session on a shared connection ends its turn as {@link ErrorCategory#OVERFLOW} rather
         * than grow without bound; a session with its own codex makes codex wait instead.
         */
        public Builder inboxLimit(int messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("inboxLimit must be >= 1");
            }
            this.inboxLimit = messages;
            return this;
        }

        public CodexSession build() {
            return new CodexSession(this);
        }

        /** How the session opens its own connection (first start and each restart). */
        private CodexClient.Builder connection(Path workingDirectory) {
            CodexClient.Builder c = CodexClient.builder()
                    .clientInfo(clientInfo)
                    .experimentalApi(experimentalApi != null ? experimentalApi : !dynamicTools.isEmpty())
                    .requestTimeout(requestTimeout)
                    .peerConfigurer(peerConfigurer);
            if (transports != null) {
                return c.transport(transports);
            }
            if (endpoint != null) {
                return c.endpoint(endpoint);
            }
            Path binary = new CodexLocator().locate(codexBinary).binary();
            return c.process(CodexLaunch.appServer(binary).codexHome(codexHome).environment(environment)
                    .withholdEnvironment(withheldEnvironment).arguments(extraArgs).workingDirectory(workingDirectory)
                    .name("codex-session").detachFromTerminal(true).build());
        }
    }
}
