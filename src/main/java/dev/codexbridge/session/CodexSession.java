package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.protocol.ReviewTarget;
import dev.codexbridge.protocol.ThreadForkResponse;
import dev.codexbridge.protocol.ThreadGoalClearResponse;
import dev.codexbridge.protocol.ThreadGoalGetResponse;
import dev.codexbridge.protocol.ThreadGoalSetResponse;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.ThreadRevertResponse;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.HostFuture;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.session.internal.inbox.TurnStart;
import dev.codexbridge.session.internal.thread.ThreadCalls;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import dev.codexbridge.session.internal.turn.SessionTurns;
import dev.codexbridge.session.internal.turn.TurnRecovery;
import dev.codexbridge.session.internal.turn.TurnRun;
import dev.codexbridge.transcript.ProjectorOptions;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * <p>This class is the session's face: {@link SessionSettings} holds what the {@link Builder} was
 * given and {@link SessionParts} puts the machinery together from it: {@link ThreadConnection}
 * keeps the thread open on a connection, {@link SessionTurns} runs its turns one at a time,
 * {@link TurnRun} is one turn, {@link ThreadCalls} sends the thread's operations.
 */
public final class CodexSession implements AutoCloseable {
    private final ThreadConnection connection;
    private final SessionTurns turns;
    private final ThreadCalls calls;
    private final ProjectorOptions projector;
    private final SessionRules rules;
    /** The conversation's custody with a store, or null. */
    private final ThreadCustody custody;

    private CodexSession(Builder b) {
        this.rules = new SessionRules(b.threadAccess, b.caller, b.resumeThreadId, b.turnCheck);
        this.projector = b.projector;
        SessionParts parts = SessionParts.of(b, this::threadId);
        this.connection = parts.connection();
        this.turns = parts.turns();
        this.calls = parts.calls();
        this.custody = parts.custody();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The conversation's custody with a store, or null (for the package's tests). */
    ThreadCustody custody() {
        return custody;
    }

    /**
     * Whether this session lost its conversation's lease in the {@linkplain Builder#storage store}
     * (refused, or not renewed in time: another host may have the conversation now). Such a session
     * runs no more turns ({@code FAILED}, "open the conversation again"): a host or a door opens a
     * new session on the thread. Always false without a store.
     */
    public boolean leaseLost() {
        return custody != null && custody.lost() != null;
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

    /**
     * Whether the conversation is asleep in its {@linkplain Builder#storage store}: {@link #isHibernated()},
     * and the store holds its latest with no codex having it. A host may close such a session and
     * resume the thread later from the store, here or on another host, keeping nothing of it
     * meanwhile. Always false without a store.
     */
    public boolean isStoredAway() {
        return custody != null && connection.isHibernated() && custody.storedAway();
    }

    /**
     * Done once the {@linkplain Builder#storage store}'s steps set going so far have ended: after
     * {@link #isHibernated()}, the sleep's store, codex's unload, the copy's removal and the lease
     * given back. A host that stops once its conversations sleep waits on this and leaves no lease
     * behind. Never fails (a failed step is logged); done at once without a store.
     */
    public CompletableFuture<Void> settled() {
        return custody == null ? CompletableFuture.completedFuture(null) : HostFuture.of(custody.settled().exceptionally(x -> null));
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
        rules.checkTurn(options);
        return turns.await(turns.run(new TurnStart.UserTurn(input), options, listener, null));
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
        rules.checkTurn(options);
        return turns.start(new TurnStart.UserTurn(input), options, listener, this::interrupt);
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
        rules.guard(ThreadOperation.READ);
        return calls.findTurn(key);
    }

    /**
     * Runs a code review of this thread's workspace as a turn ({@code review/start}, delivered
     * inline): the review's items and final text come back like any turn's.
     */
    public TurnResult runReview(ReviewTarget target, @Nullable TurnOptions options, @Nullable TurnListener listener) {
        Objects.requireNonNull(target, "target");
        rules.checkTurn(options);
        return turns.await(turns.run(new TurnStart.Review(target), options, listener, null));
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
            rules.checkTurn(options);
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

    // ---------------------------------------------------------------- a turn this session did not start

    /**
     * The turn codex is running on this thread now, if any ({@code thread/turns/list}): say, one a
     * host process that restarted had started. Starts (resumes) the session's thread if needed.
     * Follow it with {@link #attachTurn}.
     */
    public Optional<String> runningTurnId() {
        rules.guard(ThreadOperation.FOLLOW);
        return calls.runningTurnId();
    }

    /**
     * Follows turn {@code turnId} of this thread as if this session had started it, and returns
     * how it ended: the listener gets each of the turn's completed items once, in order, from its
     * start (read with {@code thread/items/list}), then its live events; the result is what
     * {@link #runTurn} would have returned (for a turn that already ended, at once, built from
     * codex's record). Server requests still pending are answered through this session's
     * approvals. The session's limits apply from now; {@link #interrupt()} and {@link #steer} act on
     * the turn. One turn at a time, like {@link #runTurn}. A thread that cannot be opened to follow
     * the turn (codex's connection ended first) gives {@link TurnOutcome#UNKNOWN} with the turn's
     * id, never {@link TurnOutcome#NOT_RECEIVED}: codex has the turn, so follow it again (or
     * {@link #recoverTurn}) once codex is back, and never send its input again.
     */
    public TurnResult attachTurn(String turnId, @Nullable TurnListener listener) {
        rules.guard(ThreadOperation.FOLLOW);
        rules.guard(ThreadOperation.ANSWER);
        return turns.await(turns.follow(turnId, listener));
    }

    /** {@link #attachTurn} without a thread of its own: the future completes on a host pool thread when the turn ends. */
    public CompletableFuture<TurnResult> attachTurnAsync(String turnId, @Nullable TurnListener listener) {
        try {
            rules.guard(ThreadOperation.FOLLOW);
            rules.guard(ThreadOperation.ANSWER);
        } catch (ThreadAccessDeniedException e) {
            return CompletableFuture.failedFuture(e);
        }
        return HostFuture.of(turns.follow(turnId, listener));
    }

    // ---------------------------------------------------------------- this thread's operations

    /** This thread as codex has it; with {@code includeTurns}, its turns and their items too. */
    public ThreadReadResponse read(boolean includeTurns) {
        rules.guard(ThreadOperation.READ);
        return calls.read(includeTurns);
    }

    /**
     * A turn this session lost track of, as codex stored it: for a turn whose connection ended
     * while it ran ({@link ErrorCategory#PROCESS_DIED}; its {@link TurnResult#turnId()} names it).
     * Over a socket codex may have finished it meanwhile; the request that started it is never
     * sent again. Empty while codex still runs the turn, or when it kept no record of it. With a
     * {@linkplain Builder#storage store} that keeps each turn, a turn found completed is stored
     * before it is returned, as a turn that ran to its end here is ({@link TurnResult#storeFailed}
     * when it could not be; failed when the session lost the conversation's lease first).
     */
    public Optional<TurnResult> recoverTurn(String turnId) {
        Objects.requireNonNull(turnId, "turnId");
        return TurnRecovery.stored(TurnRecovery.from(read(true), turnId, projector), turnId, connection);
    }

    /**
     * A new thread with this thread's history, on the same connection; open it with
     * {@code CodexSession.builder().client(session.client()).resumeThread(newId)}, or resume it later.
     */
    public ThreadForkResponse fork() {
        rules.guard(ThreadOperation.READ);
        return calls.fork();
    }

    /** Gives the thread a name (shown by {@code thread/list}). */
    public void rename(String name) {
        calls.rename(name);
    }

    /** Asks codex to compact the thread's context now; progress arrives as notifications. */
    public void compact() {
        calls.compact();
    }

    /** Archives the thread; it leaves the default {@code thread/list} and can be unarchived. */
    public void archive() {
        calls.archive();
    }

    /** Drops the turns from {@code beforeTurnId} on (that turn and every later one). */
    public ThreadRevertResponse revert(String beforeTurnId) {
        return calls.revert(beforeTurnId);
    }

    /** Sets the thread's goal: an objective codex keeps working towards across turns. */
    public ThreadGoalSetResponse setGoal(String objective) {
        return calls.setGoal(objective);
    }

    public ThreadGoalGetResponse goal() {
        return calls.goal();
    }

    public ThreadGoalClearResponse clearGoal() {
        return calls.clearGoal();
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
     * Closes as {@link #close} does and is done once what the close set going has ended. With a
     * {@linkplain Builder#storage store}, {@code close} returns before the conversation is stored:
     * this is done once it is stored, its copy removed from the app-server (once codex unloaded the
     * thread: on a shared connection that waits up to the connection's re-attach window and 10 s;
     * a copy codex still holds then stays, for the next import to overwrite) and its lease given
     * back, and fails with why it could not be stored (the store keeps it as of its last version).
     * Without a store it is done at once. At shutdown, close the sessions this way, wait,
     * then close the store and the connections.
     */
    public CompletableFuture<Void> closeGracefully() {
        close();
        return custody == null ? CompletableFuture.completedFuture(null) : HostFuture.of(custody.closed());
    }

    /**
     * The single entry point for configuring a session. Each setting is given once, as the value of
     * its concern: how codex is reached ({@link #client} or {@link #connection}), what the thread is
     * opened with ({@link #replaceThreadOptions}), a turn's limits ({@link #limits}), how codex's requests are
     * answered ({@link #approvals}).
     */
    public static final class Builder extends SessionSettings {
        TelemetryHooks telemetry;

        private Builder() {
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
         * Checks each turn's options before the turn is sent; throwing refuses the turn (the
         * exception reaches the caller of {@code runTurn}). For hosts that must keep a setting out
         * of turns, as {@code CodexTenants} keeps a sandbox policy out of a tenant's.
         */
        public Builder turnOptionsCheck(Consumer<TurnOptions> check) {
            this.turnCheck = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * Changes the thread options at {@link #build()}, whatever {@link #replaceThreadOptions} set them to: for a
         * front end whose caller may set some thread settings (instructions, config) on top of the
         * host's. Several calls apply in order.
         */
        public Builder adjustThread(java.util.function.UnaryOperator<ThreadOptions> adjustment) {
            Objects.requireNonNull(adjustment, "adjustment");
            java.util.function.UnaryOperator<ThreadOptions> before = threadAdjustment;
            this.threadAdjustment = before == null ? adjustment : t -> adjustment.apply(before.apply(t));
            return this;
        }

        /**
         * Throws {@link IllegalStateException} for settings that cannot apply together, saying why:
         * a shared client and a connection of the session's own. Throws
         * {@link ExperimentalApiRequiredException} for dynamic tools on a shared client opened
         * without codex's experimental API (a session turns it on only on a connection of its own).
         * Everything about the codex process (binary, {@code CODEX_HOME}, environment)
         * belongs to the client, so a session has no setting for it that a shared client could
         * silently ignore.
         */
        public CodexSession build() {
            check();
            return new CodexSession(this);
        }
    }
}
