package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ReviewTarget;
import dev.codexbridge.protocol.ThreadArchiveParams;
import dev.codexbridge.protocol.ThreadCompactStartParams;
import dev.codexbridge.protocol.ThreadForkParams;
import dev.codexbridge.protocol.ThreadForkResponse;
import dev.codexbridge.protocol.Turn;
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
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.HostFuture;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.transcript.ProjectorOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One codex thread for one host conversation: what a host agent loop calls once per user turn.
 *
 * <pre>{@code
 * try (CodexSession session = CodexSession.builder()
 *         .replaceThreadOptions(ThreadOptions.builder().cwd(workdir).build())
 *         .approvals(ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls", "cat")).handler(myHandler).build())
 *         .build()) {
 *     TurnResult r = session.runTurn(TurnInput.text("fix the failing test"));
 *     history.addAll(r.messages());
 * }
 * }</pre>
 *
 * Starts lazily (spawn, {@code initialize}, {@code initialized}, {@code thread/start} or
 * {@code thread/resume}); runs one turn at a time; answers every server request through the
 * {@link ApprovalPolicy}. When codex dies or stops answering the session is retired: with a codex
 * of its own the next turn starts a fresh codex and resumes the same thread, so the conversation
 * continues; on a shared client the thread is resumed when the client reconnects (a client without
 * a reconnect policy, or one the host closed, is done, and the turn says so); a thread
 * the dead codex never wrote down is replaced by a fresh one with the same settings, and the
 * session says so ({@link Builder#onThreadReplaced}, {@link TurnResult#threadReplaced()}).
 * {@link #interrupt()}, {@link #steer} and {@link #close()} may be called from any thread.
 *
 * <p>This class runs turns and the thread's operations; {@link ThreadConnection} keeps the thread
 * open on a connection, {@link SessionTurns} runs its turns one at a time, and {@link TurnRun} is one turn.
 */
public final class CodexSession implements AutoCloseable {
    private final ThreadConnection connection;
    private final SessionTurns turns;
    private final ProjectorOptions projector;
    /** The host's rule for threads this session did not start, or null; asked with {@link #caller}. */
    private final ThreadAccess access;
    private final String caller;
    /** The thread this session resumed, or null: a thread it starts is its caller's. */
    private final String resumedId;
    private final Consumer<TurnOptions> turnCheck;

    private CodexSession(Builder b) {
        this.access = b.threadAccess;
        this.caller = b.caller;
        this.resumedId = b.resumeThreadId;
        this.turnCheck = b.turnCheck;
        this.projector = b.projector;
        ClientOptions own = b.client != null ? null : b.ownConnection();
        ThreadLink link = own != null ? ThreadLink.own(() -> CodexClient.connect(own), own.endpoint() != null)
                : b.placement != null ? new PlacedLink(b.client, b.placement, this::threadId)
                : ThreadLink.shared(b.client);
        this.connection = new ThreadConnection(link, b.thread, b.resumeThreadId, b.dynamicTools, b.approvals, b.resumeTimeout,
                b.rateLimits, b.inboxLimit, b.onThreadReplaced, SessionHibernation.after(b.hibernateAfter));
        this.turns = new SessionTurns(connection, b.client, own == null ? b.client.requestTimeout() : own.requestTimeout(), b.limits,
                b.interruptGrace, b.projector, b.rateLimits, TurnTracing.of(b.telemetry, b.client, own),
                b.onTurnEnded == null ? r -> { } : b.onTurnEnded);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The codex thread id, once started (or the one to resume). */
    public @Nullable String threadId() {
        return connection.threadId();
    }

    /**
     * Whether the last turn gave up the session's connection (codex died or stopped answering, its
     * login failed); the next turn opens it again. A refused setting ({@link ErrorCategory#SETTINGS_REJECTED}) does not.
     */
    public boolean isRetired() {
        return connection.isRetired();
    }

    /**
     * Whether the session let go of its thread while idle ({@link Builder#hibernateAfter}): codex
     * holds nothing for it; the next turn or thread operation resumes the thread.
     */
    public boolean isHibernated() {
        return connection.isHibernated();
    }

    /** What the thread is opened (and resumed) with. */
    public ThreadOptions threadOptions() {
        return connection.settings();
    }

    /**
     * Starts codex and the thread if needed; idempotent. Throws a {@link CodexException} when codex
     * cannot be started (missing binary, bad config, no thread id); {@link #runTurn} reports the
     * same as a failed result instead.
     */
    public String start() {
        return Futures.join(connection.startAsync());
    }

    /**
     * {@link #start()} without waiting: on a shared connection nothing blocks; a session with its
     * own codex starts the process on a pool thread. Concurrent calls share one start. The future
     * completes on the library's pool for host code, where a continuation may block.
     */
    public CompletableFuture<String> startAsync() {
        return HostFuture.of(connection.startAsync());
    }

    /** The connection this session runs on (its own, or the shared one), once started. */
    public @Nullable CodexClient client() {
        return connection.client();
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
    public TurnResult runTurn(TurnInput input, @Nullable TurnOptions options, @Nullable TurnListener listener) {
        Objects.requireNonNull(input, "input");
        checkTurn(options);
        return await(turns.run(new TurnStart.UserTurn(input), options, listener, null));
    }

    /**
     * Starts one turn and returns at once a handle with the turn's key, which the host can keep
     * before codex has answered; codex's turn id joins the handle (and the listener hears it) as
     * soon as codex names the turn, and {@link TurnHandle#result()} completes, on the library's
     * pool for host code, when the turn ends. One turn at a time, like {@link #runTurn}: a second
     * concurrent start throws {@link IllegalStateException}.
     */
    public TurnHandle startTurn(TurnInput input, TurnOptions options, TurnListener listener) {
        Objects.requireNonNull(input, "input");
        checkTurn(options);
        TurnOptions opts = options == null ? TurnOptions.DEFAULTS : options;
        CompletableFuture<TurnResult> result = new CompletableFuture<>();
        TurnHandle handle = new TurnHandle(opts.key() != null ? opts.key() : TurnKeys.fresh(), connection.threadId(), this, result);
        HostFuture.of(turns.run(new TurnStart.UserTurn(input), opts, listener, handle), RpcThreads.host()).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(Futures.unwrap(e));
            } else {
                result.complete(r);
            }
        });
        return handle;
    }

    /**
     * Codex's id for the turn started with {@code key} ({@link TurnHandle#key()},
     * {@link TurnResult#key()}) on this thread, read from codex's record among the thread's newest
     * turns: how a host that restarted finds a turn it kept the key of, to follow it with
     * {@link #attachTurn} or read it with {@link #recoverTurn}. Empty when codex never received
     * that turn (sending its input again is then safe). Starts (resumes) the session's thread if needed.
     */
    public Optional<String> findTurn(String key) {
        Objects.requireNonNull(key, "key");
        guard(ThreadOperation.READ);
        String id = start();
        Turn found = Futures.join(TurnCatchUp.keyedTurn(connection.client(), id, clientId -> TurnKeys.ofKey(clientId, key)));
        return Optional.ofNullable(found).map(Turn::id);
    }

    /**
     * Runs a code review of this thread's workspace as a turn ({@code review/start}, delivered
     * inline): the review's items and final text come back like any turn's.
     */
    public TurnResult runReview(ReviewTarget target, @Nullable TurnOptions options, @Nullable TurnListener listener) {
        Objects.requireNonNull(target, "target");
        checkTurn(options);
        return await(turns.run(new TurnStart.Review(target), options, listener, null));
    }

    /**
     * {@link #runTurn(TurnInput, TurnOptions, TurnListener)} without a thread of its own: the turn
     * advances on the connection's events and the future completes, when it ends, on the library's
     * pool for host code, where a continuation may block (even on this session). The listener is
     * called on the shared dispatch threads and must not block.
     */
    public CompletableFuture<TurnResult> runTurnAsync(TurnInput input, @Nullable TurnOptions options, @Nullable TurnListener listener) {
        return runTurnAsync(input, options, listener, RpcThreads.host());
    }

    /** {@link #runTurnAsync(TurnInput, TurnOptions, TurnListener)}, completing on {@code executor}. */
    public CompletableFuture<TurnResult> runTurnAsync(TurnInput input, @Nullable TurnOptions options, @Nullable TurnListener listener,
            Executor executor) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(executor, "executor");
        try {
            checkTurn(options);
            return HostFuture.of(turns.run(new TurnStart.UserTurn(input), options, listener, null), executor);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Starts one turn and returns its events as a stream ({@link TurnStream}, a
     * {@link java.util.concurrent.Flow.Publisher}; {@link TurnStream#iterator()} reads it on a
     * thread that may block): the {@link TurnListener} callbacks as values, the result last. The
     * turn starts now; its events wait in a bounded buffer ({@link TurnStream#DEFAULT_BUFFER_SIZE})
     * for the one subscriber, which is signalled on the library's host pool. One turn at a time,
     * like {@link #startTurn}: a second concurrent start throws {@link IllegalStateException}.
     */
    public TurnStream streamTurn(TurnInput input, @Nullable TurnOptions options) {
        return streamTurn(input, options, TurnStream.DEFAULT_BUFFER_SIZE, RpcThreads.host());
    }

    /**
     * {@link #streamTurn(TurnInput, TurnOptions)} with {@code bufferSize} events a subscriber may
     * fall behind before deltas coalesce (and ten times that before the subscription fails), and
     * the subscriber signalled on {@code executor}.
     */
    public TurnStream streamTurn(TurnInput input, @Nullable TurnOptions options, int bufferSize, Executor executor) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(executor, "executor");
        return TurnStream.start(this, input, options == null ? TurnOptions.DEFAULTS : options, bufferSize, executor);
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

    // ---------------------------------------------------------------- a turn this session did not start

    /**
     * The turn codex is running on this thread now, if any ({@code thread/turns/list}): say, one a
     * host process that restarted had started. Starts (resumes) the session's thread if needed.
     * Follow it with {@link #attachTurn}.
     */
    public Optional<String> runningTurnId() {
        guard(ThreadOperation.FOLLOW);
        String id = start();
        return Futures.join(TurnCatchUp.runningTurn(connection.client(), id));
    }

    /**
     * Follows turn {@code turnId} of this thread as if this session had started it, and returns
     * how it ended: the listener gets each of the turn's completed items once, in order, from its
     * start (read with {@code thread/items/list}), then its live events; the result is what
     * {@link #runTurn} would have returned (for a turn that already ended, at once, built from
     * codex's record). Server requests still pending are answered through this session's
     * approvals. The session's limits apply from now; {@link #interrupt()} and {@link #steer} act on
     * the turn. One turn at a time, like {@link #runTurn}.
     */
    public TurnResult attachTurn(String turnId, @Nullable TurnListener listener) {
        guard(ThreadOperation.FOLLOW);
        guard(ThreadOperation.ANSWER);
        return await(turns.follow(turnId, listener));
    }

    /** {@link #attachTurn} without a thread of its own: the future completes on a host pool thread when the turn ends. */
    public CompletableFuture<TurnResult> attachTurnAsync(String turnId, @Nullable TurnListener listener) {
        try {
            guard(ThreadOperation.FOLLOW);
            guard(ThreadOperation.ANSWER);
        } catch (ThreadAccessDeniedException e) {
            return CompletableFuture.failedFuture(e);
        }
        return HostFuture.of(turns.follow(turnId, listener));
    }

    // ---------------------------------------------------------------- this thread's operations

    /** Asks the host's rule about a thread this session resumed (one it started is its caller's). */
    private void guard(ThreadOperation operation) {
        if (resumedId != null) {
            ThreadAccess.require(access, caller, resumedId, operation);
        }
    }

    private void checkTurn(TurnOptions options) {
        if (turnCheck != null) {
            turnCheck.accept(options == null ? TurnOptions.DEFAULTS : options);
        }
    }

    /** This thread as codex has it; with {@code includeTurns}, its turns and their items too. */
    public ThreadReadResponse read(boolean includeTurns) {
        guard(ThreadOperation.READ);
        String id = start();
        return connection.client().threadRead(new ThreadReadParams(includeTurns, id));
    }

    /**
     * A turn this session lost track of, as codex stored it: for a turn whose connection ended
     * while it ran ({@link ErrorCategory#PROCESS_DIED}; its {@link TurnResult#turnId()} names it).
     * Over a socket codex may have finished it meanwhile; the request that started it is never
     * sent again. Empty while codex still runs the turn, or when it kept no record of it.
     */
    public Optional<TurnResult> recoverTurn(String turnId) {
        Objects.requireNonNull(turnId, "turnId");
        return TurnRecovery.from(read(true), turnId, projector);
    }

    /**
     * A new thread with this thread's history, on the same connection; open it with
     * {@code CodexSession.builder().client(session.client()).resumeThread(newId)}, or resume it later.
     */
    public ThreadForkResponse fork() {
        guard(ThreadOperation.READ);
        String id = start();
        return connection.client().threadFork(ThreadForkParams.builder().threadId(id).cwd(connection.settings().cwd().toString()).build());
    }

    /** Gives the thread a name (shown by {@code thread/list}). */
    public void rename(String name) {
        String id = start();
        connection.client().threadNameSet(new ThreadSetNameParams(Objects.requireNonNull(name, "name"), id));
    }

    /** Asks codex to compact the thread's context now; progress arrives as notifications. */
    public void compact() {
        String id = start();
        connection.client().threadCompactStart(new ThreadCompactStartParams(id));
    }

    /** Archives the thread; it leaves the default {@code thread/list} and can be unarchived. */
    public void archive() {
        String id = start();
        connection.client().threadArchive(new ThreadArchiveParams(id));
    }

    /** Drops the turns from {@code beforeTurnId} on (that turn and every later one). */
    public ThreadRevertResponse revert(String beforeTurnId) {
        String id = start();
        return connection.client().threadRevert(new ThreadRevertParams(Objects.requireNonNull(beforeTurnId, "beforeTurnId"), id));
    }

    /** Sets the thread's goal: an objective codex keeps working towards across turns. */
    public ThreadGoalSetResponse setGoal(String objective) {
        String id = start();
        return connection.client().threadGoalSet(ThreadGoalSetParams.builder().threadId(id).objective(objective).build());
    }

    public ThreadGoalGetResponse goal() {
        String id = start();
        return connection.client().threadGoalGet(new ThreadGoalGetParams(id));
    }

    public ThreadGoalClearResponse clearGoal() {
        String id = start();
        return connection.client().threadGoalClear(new ThreadGoalClearParams(null, id));
    }

    /**
     * Interrupts the running turn ({@code turn/interrupt}); its result will say
     * {@code interrupted}. Works before {@code turn/start} has answered and while an approval is
     * pending. Between turns it applies to the next turn, which then ends at once. Thread-safe.
     */
    public void interrupt() {
        turns.interrupt();
    }

    /**
     * Adds input to the running turn ({@code turn/steer}). Returns false when no turn is running
     * or codex refused (e.g. a review turn cannot be steered).
     */
    public boolean steer(TurnInput input) {
        return turns.steer(input);
    }

    /** Stops codex (shutdown ladder). Safe during a running turn, which then ends with an error; idempotent. */
    @Override
    public void close() {
        connection.close();
        turns.closed();
    }

    /**
     * The single entry point for configuring a session. Each setting is given once, as the value of
     * its concern: how codex is reached ({@link #client} or {@link #connection}), what the thread is
     * opened with ({@link #thread}), a turn's limits ({@link #limits}), how codex's requests are
     * answered ({@link #approvals}).
     */
    public static final class Builder {
        private CodexClient client;
        private ClientOptions connection;
        private ThreadOptions thread = ThreadOptions.DEFAULTS;
        private String resumeThreadId;
        private final List<DynamicTool> dynamicTools = new ArrayList<>();
        private ApprovalPolicy approvals = ApprovalPolicy.failClosed();
        private Duration resumeTimeout = Duration.ofSeconds(90);
        private TurnLimits limits = TurnLimits.DEFAULTS;
        private Duration interruptGrace = Duration.ofSeconds(5);
        private ProjectorOptions projector = ProjectorOptions.DEFAULT;
        private RateLimitGovernor rateLimits;
        private int inboxLimit = SessionInbox.DEFAULT_LIMIT;
        private Consumer<ThreadReplacement> onThreadReplaced;
        private Consumer<TurnResult> onTurnEnded;
        private java.util.function.UnaryOperator<ThreadOptions> threadAdjustment;
        private TelemetryHooks telemetry;
        private ThreadAccess threadAccess;
        private String caller;
        private Consumer<TurnOptions> turnCheck;
        private Duration hibernateAfter = SessionHibernation.DEFAULT_IDLE;
        private ClientPlacement placement;

        private Builder() {
        }

        /**
         * Lets go of the thread after this long with no turn running, no server request being
         * answered and no call that needs the thread (default 2 minutes; {@link Duration#ZERO}:
         * never, for hosts that want codex's events between turns; otherwise at least 1 s). Codex
         * then unloads the thread (its MCP server processes and memory go), the session keeps only
         * the thread id, its settings and its owner, and the next turn, thread operation,
         * {@link CodexSession#attachTurn} or {@link CodexSession#findTurn} resumes the thread on the
         * same session. Not before the thread's first turn (codex cannot resume a thread with no
         * turn). See docs/session.md and decision 0040.
         */
        public Builder hibernateAfter(Duration idle) {
            this.hibernateAfter = SessionHibernation.checked(idle);
            return this;
        }

        /**
         * Traces the turns through these hooks, such as OpenTelemetry's {@code CodexTelemetry}
         * (docs/observability.md); by default, with the client's ({@code CodexClient.Builder#telemetry}).
         * An own connection gets it too.
         */
        public Builder telemetry(@Nullable TelemetryHooks telemetry) {
            this.telemetry = telemetry;
            return this;
        }

        /**
         * Run on a connection shared with other sessions instead of one of the session's own. The
         * client's settings (how codex is started, its home, client info, experimental API) then
         * apply; closing the session leaves it open, and a dead shared connection is not restarted
         * by the session. Not together with {@link #connection}.
         */
        public Builder client(CodexClient shared) {
            this.client = Objects.requireNonNull(shared, "shared");
            return this;
        }

        /**
         * With {@link #client}: once that client has closed for good (its codex stopped while the
         * session slept, or died and is not reconnected), the next call that needs the thread asks
         * {@code placement} for the connection to resume it on; the session stays the same. For
         * hosts that start and stop codex processes under their sessions (as {@code CodexTenants}).
         */
        public Builder placement(@Nullable ClientPlacement placement) {
            this.placement = placement;
            return this;
        }

        /**
         * Open a connection of the session's own with these options, and open it again the same
         * way after codex died: {@code connection(CodexClient.builder().process(launch).options())}.
         * With a {@link ClientOptions#endpoint() running app-server} the next turn after a dropped
         * connection reconnects and resumes the thread, interrupting a turn lost with the
         * connection first. The default starts the located codex in the thread's working directory,
         * in a terminal session of its own. Not together with {@link #client}.
         */
        public Builder connection(ClientOptions options) {
            this.connection = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Replaces every thread setting given so far (model, sandbox, approval setting, folder,
         * instructions, config) with {@code settings} (default: codex's own settings, this
         * process's directory). A host's configured settings — a starter's
         * {@code codex-bridge.session.*}, a gateway's {@code configure} — are gone after it: to
         * change one setting and keep the rest use {@link #cwd(Path)} or {@link #adjustThread}.
         */
        public Builder replaceThreadOptions(ThreadOptions settings) {
            this.thread = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * The thread's working folder; every other thread setting (the approval setting and the
         * sandbox above all) stays as configured.
         */
        public Builder cwd(Path folder) {
            Objects.requireNonNull(folder, "folder");
            return adjustThread(t -> t.toBuilder().cwd(folder).build());
        }

        /** Resume this thread instead of starting a new one. */
        public Builder resumeThread(@Nullable String threadId) {
            this.resumeThreadId = threadId;
            return this;
        }

        /** A tool the host runs when codex calls it (turns on codex's experimental API on the session's own connection). */
        public Builder dynamicTool(DynamicTool tool) {
            dynamicTools.add(Objects.requireNonNull(tool, "tool"));
            return this;
        }

        /** How codex's requests (commands, patches, MCP tools, questions) are answered (default: fail closed). */
        public Builder approvals(ApprovalPolicy policy) {
            this.approvals = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Default turn limits (default: 10 min wall clock, no idle limit, no step budget); unset
         * components keep the default. A turn needs a wall-clock or an idle limit.
         */
        public Builder limits(TurnLimits limits) {
            TurnLimits merged = Objects.requireNonNull(limits, "limits").orElse(TurnLimits.DEFAULTS);
            merged.requireSomeTimeout();
            this.limits = merged;
            return this;
        }

        /** How long codex gets to confirm an interrupt before the session is retired (default 5 s). */
        public Builder interruptGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("interruptGrace must not be negative");
            }
            this.interruptGrace = grace;
            return this;
        }

        /** Deadline of {@code thread/resume}, which may load a long history (default 90 s). */
        public Builder resumeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("resumeTimeout must be positive");
            }
            this.resumeTimeout = timeout;
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
        public Builder rateLimits(@Nullable RateLimitGovernor governor) {
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

        /**
         * Called when the session's thread is replaced by a fresh one, at the moment it happens
         * (often right after a reconnect, before any turn): codex had no record of the thread after
         * it stopped (see {@link ThreadReplacement}). On the library's host pool, as any host code:
         * a callback that blocks holds up only other host code (docs/embedding.md). Each
         * callback given is called. The next turn reports the same to its listener
         * ({@link TurnListener#onThreadReplaced}) and in {@link TurnResult#threadReplaced()}.
         */
        public Builder onThreadReplaced(Consumer<ThreadReplacement> callback) {
            Objects.requireNonNull(callback, "callback");
            this.onThreadReplaced = onThreadReplaced == null ? callback : onThreadReplaced.andThen(callback);
            return this;
        }

        /**
         * Called with every turn's result (run, followed or re-attached; lost and never-received ones
         * included) before the host gets it, on the library's thread: for counters (a host's meters by
         * {@link TurnResult#status()}), so it must return at once. A callback that throws is logged
         * and the result stands. Several calls add callbacks.
         */
        public Builder onTurnEnded(Consumer<TurnResult> callback) {
            Objects.requireNonNull(callback, "callback");
            this.onTurnEnded = onTurnEnded == null ? callback : onTurnEnded.andThen(callback);
            return this;
        }

        /**
         * Throws {@link IllegalStateException} for settings that cannot apply together, saying why:
         * a shared client and a connection of the session's own; dynamic tools on a shared client
         * opened without codex's experimental API (a session turns it on only on a connection of
         * its own). Everything about the codex process (binary, {@code CODEX_HOME}, environment)
         * belongs to the client, so a session has no setting for it that a shared client could
         * silently ignore.
         */
        /**
         * The host's rule for a thread this session resumes ({@link #resumeThread}) and the caller
         * it is asked about: checked before the resume, and before each read, fork, follow
         * ({@link CodexSession#attachTurn}, {@link CodexSession#runningTurnId}) and answer of that
         * thread; a refusal throws {@link ThreadAccessDeniedException} before anything is sent.
         * Without one, any thread id given is used (a thread id is then a bearer capability: see
         * {@link ThreadAccess}).
         */
        public Builder threadAccess(ThreadAccess rule, String caller) {
            this.threadAccess = Objects.requireNonNull(rule, "rule");
            this.caller = caller;
            return this;
        }

        /**
         * Checks each turn's options before the turn is sent; throwing refuses the turn (the
         * exception reaches the caller of {@code runTurn}). For hosts that must keep a setting out
         * of turns, as {@code CodexTenants} keeps a sandbox policy out of a tenant's.
         */
        public Builder turnOptionsCheck(Consumer<TurnOptions> check) {
            this.turnCheck = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * Changes the thread options at {@link #build()}, whatever {@link #thread} set them to: for a
         * front end whose caller may set some thread settings (instructions, config) on top of the
         * host's. Several calls apply in order.
         */
        public Builder adjustThread(java.util.function.UnaryOperator<ThreadOptions> adjustment) {
            Objects.requireNonNull(adjustment, "adjustment");
            java.util.function.UnaryOperator<ThreadOptions> before = threadAdjustment;
            this.threadAdjustment = before == null ? adjustment : t -> adjustment.apply(before.apply(t));
            return this;
        }

        public CodexSession build() {
            if (threadAdjustment != null) {
                thread = Objects.requireNonNull(threadAdjustment.apply(thread), "the thread adjustment gave no options");
            }
            if (resumeThreadId != null) {
                ThreadAccess.require(threadAccess, caller, resumeThreadId, ThreadOperation.RESUME);
            }
            if (client != null && connection != null) {
                throw new IllegalStateException("a session runs on a shared client or on a connection of its own, not both: "
                        + "set client(...) or connection(...); codex's home, binary and environment belong to that "
                        + "client's CodexLaunch");
            }
            if (placement != null && client == null) {
                throw new IllegalStateException("placement(...) chooses the next shared connection: give the first with client(...)");
            }
            if (client != null && !dynamicTools.isEmpty() && !client.options().experimentalApi()) {
                throw new IllegalStateException("dynamic tools need codex's experimental API, which the shared client was "
                        + "opened without (a session turns it on only on a connection of its own): open the shared client "
                        + "with CodexClient.builder().experimentalApi(true), or give this session connection(...)");
            }
            return new CodexSession(this);
        }

        /**
         * The session's own connection: the host's options, or the located codex. A codex the
         * session starts runs in the thread's directory unless the launch names another, and in a
         * terminal session of its own, so a Ctrl-C meant for the host does not reach it.
         */
        private ClientOptions ownConnection() {
            ClientOptions own = connection != null ? connection
                    : CodexClient.builder().process(CodexLaunch.appServer().name("codex-session").build()).options();
            CodexClient.Builder adjusted = own.toBuilder();
            CodexLaunch launch = own.launch();
            if (launch == null && own.endpoint() == null && own.transport() == null) {
                launch = CodexLaunch.appServer().name("codex-session").build();
            }
            if (launch != null) {
                adjusted.process(launch.toBuilder().detachFromTerminal(true)
                        .workingDirectory(launch.workingDirectory() != null ? launch.workingDirectory() : thread.cwd()).build());
            }
            if (!dynamicTools.isEmpty()) {
                adjusted.experimentalApi(true);     // dynamic tools are part of codex's experimental API
            }
            if (telemetry != null && own.telemetry() == null) {
                adjusted.telemetry(telemetry);
            }
            return adjusted.options();
        }
    }
}
