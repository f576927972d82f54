package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.DynamicToolSpec;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * One session's thread and the connection it is open on: opening or resuming the thread, the
 * inbox and approval bridge attached to it, and letting go of both. A session with a connection
 * of its own opens a fresh one after its codex died; on a shared connection the thread is
 * resumed after each reconnect, with the reconnect policy's timeout and tries per resume.
 * A thread this session opened that codex never wrote down (it stopped first) is replaced by a
 * fresh thread with the same settings, and the replacement is reported (decision 0020).
 * Thread-safe: state changes under one lock, reads are volatile.
 */
final class ThreadConnection {
    private static final Logger LOG = SafeLogger.getLogger(ThreadConnection.class);
    /** Rate-limit notifications the governor may fall behind by; it needs only the latest. */
    private static final int GOVERNOR_BUFFER = 1_000;

    /** How the session reaches codex: a connection of its own, or a shared one. */
    private final ThreadLink link;
    private final ThreadOptions settings;
    /** What the thread is opened with: {@link #settings}, with codex told to unload it as soon as no one follows it when the session hibernates. */
    private final ThreadOptions wireSettings;
    private final List<DynamicTool> dynamicTools;
    private final List<DynamicToolSpec> dynamicToolSpecs;
    private final ApprovalPolicy approvals;
    private final Duration resumeTimeout;
    /** Shared with other sessions of the same account, or null. */
    private final RateLimitGovernor rateLimits;
    private final int inboxLimit;
    /** Told when the thread is replaced by a fresh one (on the callback pool). */
    private final Consumer<ThreadReplacement> onReplaced;

    private final Object stateLock = new Object();
    /** Which of the client's connections the thread was opened on ({@link CodexClient#generation}). */
    private volatile int openedOn;
    /** The start under way, shared by concurrent callers; null when none runs. */
    private CompletableFuture<String> opening;
    private volatile CodexClient client;
    private volatile AutoCloseable attachment;
    /** The governor's subscription to the connection's rate-limit notifications. */
    private volatile AutoCloseable governorSubscription;
    private volatile SessionInbox inbox;
    private volatile ServerRequestBridge bridge;
    private volatile String threadId;
    private volatile boolean retired;
    private volatile boolean closed;
    /** The inbox and thread the last answer attached (read and written on the connection's reader thread). */
    private volatile SessionInbox attachedInbox;
    private volatile String attachedThread;
    /** Codex gave this session its thread (answered thread/start or thread/resume): only such a thread is replaced. */
    private volatile boolean opened;
    /** The resume under way, which a waiting turn may hurry; null when none runs. */
    private ThreadOpenTries resuming;
    private boolean resumingInBackground;
    /** The last turn sent whose end codex never confirmed (see turnSent), or null. */
    private volatile UnconfirmedTurn unconfirmed;
    /** A turn codex may still run on the thread that no turn here follows: settled before the next turn. */
    private final EarlierTurns earlier;
    /** When the session lets go of its thread while idle (decision 0040). */
    private final SessionHibernation hibernation;
    /** The session let go of its thread while idle; the next call that needs it resumes it. */
    private volatile boolean hibernated;
    /** Codex has the thread written down (a turn was sent on it, or it was resumed): only such a thread can be resumed after letting go. */
    private volatile boolean written;
    /** Server requests between turns being answered: the session is not idle while one is. */
    private final AtomicInteger answering = new AtomicInteger();
    /** A replacement no turn has reported yet (see takeReplacement). */
    private final AtomicReference<ThreadReplacement> unreported = new AtomicReference<>();

    /** A turn waiting to re-attach after its connection dropped, told when the thread is resumed (or cannot be); or null. */
    private final AtomicReference<ResumeWatch> resumeWatch = new AtomicReference<>();

    /** How a turn waiting to re-attach hears that its thread is back (decision 0022). */
    interface ResumeWatch {
        /**
         * The thread was resumed on a new connection whose inbox is {@code box}; called on the
         * connection's reader thread as codex's answer is read, before any message that follows it.
         */
        void resumed(SessionInbox box);

        /** The thread could not be resumed (codex has no record of it, the session closed): the turn is gone. */
        void failed(Throwable why);
    }

    /** A turn sent on {@code threadId}; {@code turnId} is codex's id once known. */
    private record UnconfirmedTurn(String threadId, TurnStart start, String turnId) {
    }

    ThreadConnection(ThreadLink link, ThreadOptions settings, String resumeThreadId, List<DynamicTool> dynamicTools,
                     ApprovalPolicy approvals, Duration resumeTimeout, RateLimitGovernor rateLimits, int inboxLimit,
                     Consumer<ThreadReplacement> onReplaced, SessionHibernation hibernation) {
        this.link = link;
        this.settings = settings;
        this.hibernation = hibernation;
        this.wireSettings = hibernation.enabled() && link.unsubscribes() ? ThreadConnection.unloadingAfter(settings, link.reattachWindow())
                : settings;
        this.threadId = resumeThreadId;
        this.earlier = new EarlierTurns(resumeThreadId != null);     // a thread resumed may have a turn another process started
        this.dynamicTools = List.copyOf(dynamicTools);
        this.dynamicToolSpecs = dynamicTools.stream().map(t -> Json.convert(t.spec(), DynamicToolSpec.class)).toList();
        this.approvals = approvals;
        this.resumeTimeout = resumeTimeout;
        this.rateLimits = rateLimits;
        this.inboxLimit = inboxLimit;
        this.onReplaced = onReplaced;
    }

    String threadId() {
        return threadId;
    }

    boolean isRetired() {
        return retired;
    }

    boolean isClosed() {
        return closed;
    }

    CodexClient client() {
        return client;
    }

    SessionInbox inbox() {
        return inbox;
    }

    ServerRequestBridge bridge() {
        return bridge;
    }

    ThreadOptions settings() {
        return settings;
    }

    SessionHibernation hibernation() {
        return hibernation;
    }

    /** Whether the session let go of its thread while idle (and has not needed it since). */
    boolean isHibernated() {
        return hibernated;
    }

    /**
     * Codex unloads a thread once it has had no subscriber for {@code thread_unload_delay_secs}
     * (60 s by default in 0.169.0) and no turn runs: a session that hibernates wants it unloaded
     * at once. But over a connection to a running app-server a drop also leaves the thread without
     * its subscriber, and a thread unloaded then loses the turn that waits to re-attach (read back
     * as interrupted, found by {@code bin/bench faults}): there codex keeps it for the re-attach
     * window ({@code reattachWindow}, null when there is none). A host's own value is kept.
     */
    static ThreadOptions unloadingAfter(ThreadOptions settings, Duration reattachWindow) {
        if (settings.config().containsKey(UNLOAD_DELAY)) {
            return settings;
        }
        long seconds = reattachWindow == null ? 0 : (reattachWindow.toMillis() + 999) / 1000;
        return settings.toBuilder().config(UNLOAD_DELAY, seconds).build();
    }

    /** Codex's per-thread setting for how long a thread no one follows stays loaded. */
    static final String UNLOAD_DELAY = "thread_unload_delay_secs";

    /**
     * Lets go of the thread while the session is idle (decision 0040): codex is told this client no
     * longer follows it (paced and made certain by {@link ThreadReleases}), the thread place and the
     * reconnect callback go back, and a connection of the session's own is closed. Only the thread
     * id, the settings and the owner stay; the next call that needs the thread resumes it. Returns
     * whether it let go: not while a turn runs, a server request is answered, the thread is being
     * opened, a turn waits for its resume, or before codex has the thread written down (a thread
     * with no turn yet cannot be resumed: codex #42099).
     */
    boolean hibernate() {
        synchronized (stateLock) {
            CodexClient c = client;
            if (closed || hibernated || opening != null || c == null || threadId == null || !written || answering.get() > 0
                    || resumeWatch.get() != null || hibernation.turnRunning()) {
                return false;
            }
            hibernated = true;
            if (link.unsubscribes() && c.isOpen() && openedOn == c.generation()) {
                ThreadReleases.of(c).release(c, openedOn, threadId);
            }
            link.release();
            letGoOfConnection();
            LOG.debug("codex thread {} let go while idle", threadId);
            return true;
        }
    }

    /**
     * Whether the session holds a thread it could let go of later, or is opening it again: an open
     * waiting for a reconnect has no client until the connection is back, and the idle timer must
     * outlive that gap (a timer given up then is set again only by the next call).
     */
    boolean mayHibernateLater() {
        synchronized (stateLock) {
            return written && !hibernated && !closed && (client != null || opening != null);
        }
    }

    /** How long a turn whose connection dropped waits for it to come back, or null when it ends with its connection ({@link ThreadLink}). */
    Duration reattachWindow() {
        return link.reattachWindow();
    }

    /** {@code watch} hears of the next resume of this thread (or its failure), once. */
    void watchResume(ResumeWatch watch) {
        resumeWatch.set(watch);
    }

    /** {@code watch} no longer waits (its turn ended). */
    void unwatchResume(ResumeWatch watch) {
        resumeWatch.compareAndSet(watch, null);
    }

    private ResumeWatch takeResumeWatch() {
        return resumeWatch.getAndSet(null);
    }

    /** Gives the connection up after a failed start: the next start opens it again. */
    void retire() {
        retired = true;
    }

    /** Opens the connection and the thread if needed; concurrent calls share one start. */
    CompletableFuture<String> startAsync() {
        return startAsync(false, TurnTelemetry.NONE);
    }

    /**
     * {@link #startAsync()} for a turn: whatever it opens ({@code initialize}, {@code thread/start}
     * or {@code thread/resume}) is written with the turn's span current, also from a pool thread
     * (a connection reopened after a crash, or behind a reconnect), so codex's handling of it joins
     * the turn's trace.
     */
    CompletableFuture<String> startAsync(TurnTelemetry turn) {
        return startAsync(false, turn);
    }

    /**
     * {@link #startAsync()}; {@code background} is the resume the client runs after a reconnect.
     * A turn that finds such a resume pending hurries it: if codex has not answered within a
     * moment, one more try goes out rather than the turn waiting out the pending try's timeout.
     */
    private CompletableFuture<String> startAsync(boolean background, TurnTelemetry turn) {
        if (!background) {
            hibernation.touch();
        }
        synchronized (stateLock) {
            if (closed) {
                return CompletableFuture.failedFuture(new CodexException("the session is closed"));
            }
            if (background && hibernated) {
                // it fell asleep while the reconnect's resumes waited their turn: its next call wakes it, which also
                // sets its idle timer again (a resume from here would leave a loaded thread with no timer to let it go)
                return CompletableFuture.completedFuture(threadId);
            }
            if (opening != null) {
                if (!background && resuming != null && resumingInBackground) {
                    resuming.hurry();       // never sends on this thread: a send that fails at once would re-enter here
                }
                return opening.copy();
            }
            CodexClient current = client;
            if (current != null && !retired && current.isOpen() && openedOn == current.generation()) {
                return CompletableFuture.completedFuture(threadId);
            }
            letGoOfConnection();
            CompletableFuture<String> f = link.connect(turn).thenCompose(c -> turn.inScope(() -> openOn(c, background)));
            opening = f;
            f.whenComplete((id, failure) -> {
                synchronized (stateLock) {
                    if (opening == f) {
                        opening = null;
                        resuming = null;
                    }
                    if (failure != null || closed) {
                        letGoOfConnection();
                    } else {
                        retired = false;
                        hibernated = false;
                        LOG.debug("codex thread {} ready", id);
                    }
                }
            });
            return f.copy();
        }
    }

    /** Attaches this session to {@code c} and opens (or resumes) its thread there. */
    private CompletableFuture<String> openOn(CodexClient c, boolean background) {
        synchronized (stateLock) {
            if (closed) {
                link.letGo(c);
                return CompletableFuture.failedFuture(new CodexException("the session is closed"));
            }
            if (!c.isOpen()) {
                return link.reopenedAfter(c).thenCompose(next -> openOn(next, background));
            }
            try {
                link.joined(c, this::resumeAfterReconnect, () -> resumeWatch.get() != null);
            } catch (CodexException full) {
                return CompletableFuture.failedFuture(full);
            }
            openedOn = c.generation();
            ServerRequestBridge newBridge = new ServerRequestBridge(approvals, dynamicTools, settings.cwd().toString());
            SessionInbox newInbox = new SessionInbox(asked -> RpcThreads.callbacks().execute(() -> answerNow(asked)),
                    RpcThreads.dispatch(), inboxLimit, link.exclusive());
            client = c;
            bridge = newBridge;
            inbox = newInbox;
            try {
                if (link.exclusive()) {
                    // codex's connection-wide messages (rate limits, auth refresh) belong to the only session
                    attachment = ClientPlumbing.of(c).attachUnscoped(newInbox);
                }
                if (rateLimits != null) {
                    // account-wide, so they come with no thread id: seen between turns and on a shared connection too
                    // the governor's bookkeeping is the library's: on the callback pool, not behind host code
                    governorSubscription = c.subscribe(RateLimitGovernor.METHODS, rateLimits.listener(), RpcThreads.callbacks(),
                            GOVERNOR_BUFFER);
                }
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (threadId == null) {
                return openThread(c, "thread/start", wireSettings.startParams(dynamicToolSpecs), c.requestTimeout(), newInbox)
                        .handle((id, failure) -> {
                            if (failure != null) {
                                throw ThreadOpenException.of("codex could not start a thread", Futures.unwrap(failure));
                            }
                            opened = true;
                            return threadId = id;
                        });
            }
            String previous = threadId;
            // back on a shared connection after a reconnect: the policy's timeout and tries, whoever asks
            // first (the reconnect's resumes, or a turn that came before its turn in them)
            ReconnectPolicy policy = opened ? link.resumePolicy(c) : null;
            ThreadOpenTries tries = policy != null
                    ? new ThreadOpenTries(t -> resume(c, newInbox, t), min(policy.resumeTimeout(), resumeTimeout), policy.resumeAttempts(),
                            () -> c.stats().messagesRead())
                    : new ThreadOpenTries(t -> resume(c, newInbox, t), resumeTimeout, 1, () -> c.stats().messagesRead());
            resuming = tries;
            resumingInBackground = background;
            // an unsubscribe of this thread still on its way must not reach codex after the resume
            CompletableFuture<Void> reclaimed = link.unsubscribes() ? ThreadReleases.of(c).reclaim(previous) : CompletableFuture.completedFuture(null);
            return reclaimed.thenCompose(x -> tries.start()).handle((id, failure) -> {
                if (failure == null) {
                    opened = true;
                    written = true;
                    earlier.mayRun();       // a turn no one here follows may still run on the thread
                    unconfirmed = null;     // codex has the thread; what it kept of the lost turn, recoverTurn reads
                    return earlier.stopLost(c, id);
                }
                Throwable cause = Futures.unwrap(failure);
                // the resume's connection dropped too, and the client reconnects: a turn waiting for
                // its thread keeps waiting, within its window, for the next connection's resume
                boolean comesBack = link.comesBack(c);
                ResumeWatch waiting = comesBack ? null : takeResumeWatch();
                if (waiting != null) {
                    waiting.failed(cause);
                }
                if (ThreadOpenTries.notStored(cause) && opened) {
                    return replace(c, newInbox, previous, cause, policy);
                }
                String what = ThreadOpenTries.notStored(cause)
                        ? "codex has no record of thread " + UntrustedText.of(previous) + " (it was never written down, or belongs to another CODEX_HOME)"
                        : "codex could not resume thread " + UntrustedText.of(previous);
                return CompletableFuture.<String>failedFuture(ThreadOpenException.of(what, cause));
            }).thenCompose(x -> x);
        }
    }

    /**
     * Codex has no record of the thread this session opened: it stopped before writing it down.
     * A fresh thread with the same settings takes its place; the host is told, and the next turn
     * reports it with the input codex never stored.
     */
    private CompletableFuture<String> replace(CodexClient c, SessionInbox box, String previous, Throwable why, ReconnectPolicy policy) {
        LOG.info("codex has no record of thread {} ({}); starting a fresh thread in its place", previous, ThreadOpenException.reasonOf(why));
        JsonNode params = wireSettings.startParams(dynamicToolSpecs);
        // tried like the resume it follows: right after a crash codex may be too busy to answer at once
        ThreadOpenTries tries = policy != null
                ? new ThreadOpenTries(t -> openThread(c, "thread/start", params, t, box), min(policy.resumeTimeout(), c.requestTimeout()),
                        policy.resumeAttempts(), () -> c.stats().messagesRead())
                : new ThreadOpenTries(t -> openThread(c, "thread/start", params, t, box), c.requestTimeout(), 1, () -> c.stats().messagesRead());
        return tries.start().handle((id, failure) -> {
            if (failure != null) {
                throw ThreadOpenException.of("codex has no record of thread " + UntrustedText.of(previous) + " and a fresh thread could not be started",
                        Futures.unwrap(failure));
            }
            UnconfirmedTurn lost = unconfirmed;
            boolean lostHere = lost != null && previous.equals(lost.threadId());
            ThreadReplacement replaced = new ThreadReplacement(previous, id, lostHere ? lost.turnId() : null,
                    lostHere && lost.start() instanceof TurnStart.UserTurn u ? u.input() : null,
                    "codex has no record of thread " + UntrustedText.of(previous) + " (" + ThreadOpenException.reasonOf(why) + "): it stopped before writing the thread "
                            + "down, so the session continues on a fresh thread with the same settings");
            threadId = id;
            unconfirmed = null;
            written = false;        // a fresh thread: codex writes it down with its first turn
            earlier.forgetLost();   // it ran on the thread codex never wrote: nothing is left to interrupt
            unreported.set(replaced);
            if (onReplaced != null) {
                // host code: on the host pool, never on a thread the resumes need
                RpcThreads.host().execute(() -> {
                    try {
                        onReplaced.accept(replaced);
                    } catch (RuntimeException e) {
                        LOG.warn("the host's thread-replaced callback failed", e);
                    }
                });
            }
            return id;
        });
    }

    /**
     * Why a turn could not start, as the turn reports it: the thread's own failure as it is; a
     * connection that could not be opened as what it was (a codex this session starts could not
     * be started; a running app-server could not be reached; the shared connection is gone).
     */
    TurnFailure startFailure(Throwable failure) {
        Throwable cause = Futures.unwrap(failure);
        if (cause instanceof ThreadOpenException e) {
            return TurnFailure.of(e.getMessage(), e.category(), null);
        }
        return link.startFailure(UntrustedText.messageOf(cause));
    }

    /** Why the turn's connection {@code on} ended, as the turn reports it ({@link ConnectionEnd}). */
    TurnFailure connectionEnded(CodexClient on, CodexException died) {
        return ConnectionEnd.duringTurn(closed, link instanceof ThreadLink.Shared, on, died);
    }

    /** {@code failure} with the remedy that is true for this session's shape. */
    TurnFailure advised(TurnFailure failure) {
        return FailureAdvice.forShape(failure, link.shape());
    }

    /** The replacement no turn has reported yet, handed out once. */
    ThreadReplacement takeReplacement() {
        return unreported.getAndSet(null);
    }

    /** A turn was sent on {@code onThread}: until codex confirms its end, its input may be all codex never stored. */
    void turnSent(String onThread, TurnStart start) {
        unconfirmed = new UnconfirmedTurn(onThread, start, null);
        written = true;     // codex writes its rollout with the first turn
    }

    /** Codex confirmed the end of the turn last sent (or refused it): it has the turn's record. */
    void turnConfirmed() {
        unconfirmed = null;
    }

    /** A turn ended without codex confirming its end: codex may still run it, and the next turn settles it first. */
    void turnUnsettled() {
        earlier.mayRun();
    }

    /**
     * One turn at a time on the thread (decision 0032): before the next {@code turn/start}, a turn
     * codex still runs here that no turn follows is interrupted and waited out, at most {@code grace}
     * ({@link EarlierTurns}). Completes with null when the thread is free, or with why the new turn
     * was not sent.
     */
    CompletableFuture<TurnFailure> settleEarlierTurn(Duration grace) {
        return earlier.settle(client, threadId, grace);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The turn that was running when its connection was lost: to be interrupted on resume. */
    void turnLost(String turnId) {
        UnconfirmedTurn sent = unconfirmed;
        if (sent != null && sent.turnId() == null) {
            unconfirmed = new UnconfirmedTurn(sent.threadId(), sent.start(), turnId);
        }
        if (link.outlivesConnection()) {
            earlier.lost(turnId);   // a session's own codex process died with its connection: nothing is left running
        }
    }

    /** Which of the client's connections the thread was last opened on ({@link CodexClient#generation}). */
    int openedOn() {
        return openedOn;
    }

    /** Whether the thread is open on the client's current connection (a reconnect since needs a resume first). */
    boolean openOnCurrentConnection() {
        CodexClient c = client;
        return c != null && openedOn == c.generation();
    }

    /** Retires the connection only if the thread still runs on connection {@code generation}, not on a newer one. */
    void markRetired(int generation) {
        if (openedOn == generation) {
            retired = true;
        }
    }

    /**
     * Sends {@code thread/start} or {@code thread/resume} and attaches the inbox to the thread as
     * the answer is read, so no message about the thread that follows the answer is missed.
     */
    private CompletableFuture<String> openThread(CodexClient c, String method, JsonNode params, Duration timeout, SessionInbox box) {
        CompletableFuture<String> opened = new CompletableFuture<>();
        ClientPlumbing.of(c).requestInOrder(method, params, timeout, (result, failure) -> {
            if (failure != null) {
                Throwable cause = Futures.unwrap(failure);
                if (cause instanceof ConnectionClosedException closedCause) {
                    // explaining may wait briefly for codex's exit status: not on the reader thread
                    RpcThreads.waits().execute(() -> opened.completeExceptionally(ClientPlumbing.of(c).explainClose("before answering " + method, closedCause)));
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
            if (box == attachedInbox && id.equals(attachedThread)) {
                opened.complete(id);        // a second try of the same resume, answered too: attached already
                return;
            }
            try {
                AutoCloseable own = attachment;
                AutoCloseable thread = ClientPlumbing.of(c).attach(id, box);
                attachedInbox = box;
                attachedThread = id;
                attachment = own == null ? thread : () -> {
                    thread.close();
                    own.close();
                };
                if ("thread/resume".equals(method)) {
                    ResumeWatch waiting = takeResumeWatch();
                    if (waiting != null) {
                        waiting.resumed(box);      // before the messages that follow the answer, re-sent requests among them
                    }
                }
                opened.complete(id);
            } catch (IllegalStateException taken) {
                opened.completeExceptionally(new CodexException("thread " + UntrustedText.of(id) + " is already open in another session on this connection",
                        FailureKind.ALREADY_OPEN));
            }
        });
        return opened;
    }

    /**
     * {@code thread/resume} with {@code excludeTurns} (the history stays in codex; nothing is
     * re-sent). Codex before 0.16x treated {@code excludeTurns} as experimental; without that
     * capability the resume is retried without it, which only costs a larger answer.
     */
    private CompletableFuture<String> resume(CodexClient c, SessionInbox box, Duration timeout) {
        return resume(c, box, timeout, 1);
    }

    /**
     * {@code attempt}: a thread codex is still unloading (the session let go of it a moment ago, with
     * {@code thread_unload_delay_secs = 0}) is refused with "is closing; retry thread/resume after
     * the thread is closed"; the resume is sent again after a short pause, at most
     * {@value #CLOSING_TRIES} times (found by {@code bin/bench chaos} with sessions hibernating).
     */
    private CompletableFuture<String> resume(CodexClient c, SessionInbox box, Duration timeout, int attempt) {
        ThreadOptions sent = resumeSettings();
        return openThread(c, "thread/resume", sent.resumeParams(threadId, true), timeout, box).exceptionallyCompose(failure -> {
            Throwable cause = Futures.unwrap(failure);
            if (closing(cause) && attempt < CLOSING_TRIES && c.isOpen()) {
                LOG.debug("thread {} is still closing in codex; resuming again (try {})", threadId, attempt + 1);
                CompletableFuture<String> again = new CompletableFuture<>();
                RpcThreads.timer().schedule(() -> resume(c, box, timeout, attempt + 1).whenComplete((id, e) -> {
                    if (e != null) {
                        again.completeExceptionally(Futures.unwrap(e));
                    } else {
                        again.complete(id);
                    }
                }), 25L * attempt, TimeUnit.MILLISECONDS);
                return again;
            }
            if (!(cause instanceof RpcException e) || e.code() != RpcError.INVALID_REQUEST || !e.error().message().contains("excludeTurns")) {
                return CompletableFuture.failedFuture(cause);
            }
            LOG.debug("codex refused excludeTurns ({}); resuming with the full history", e.error().message());
            return openThread(c, "thread/resume", sent.resumeParams(threadId, false), timeout, box);
        });
    }

    /**
     * What a resume sends: after a dropped connection to a running app-server, not the unload
     * delay. Codex kept the thread loaded (its delay is the re-attach window), and a resume of a
     * loaded thread that carries config waits, in 25 ms steps, for it to take effect: 1,000 such
     * resumes after a drop took 16.6 s against 3.3 s without (bin/bench density). A thread that
     * was unloaded meanwhile (a drop longer than the window) gets codex's default delay.
     */
    private ThreadOptions resumeSettings() {
        boolean loadedThere = opened && !hibernated && link.reattachWindow() != null;
        return loadedThere ? settings : wireSettings;
    }

    /** Resumes of a thread codex is still unloading; 20 tries wait 25 ms, 50 ms, … in all about 5 s. */
    static final int CLOSING_TRIES = 20;

    /** Whether codex refused a resume because it is still unloading the thread. */
    static boolean closing(Throwable cause) {
        return cause instanceof RpcException e && e.code() == RpcError.INVALID_REQUEST && e.error().message() != null
                && e.error().message().contains("is closing; retry thread/resume");
    }

    /** The shared connection was reopened: resume this thread there at once, not at the next turn. */
    private CompletionStage<?> resumeAfterReconnect() {
        if (closed || threadId == null) {
            return CompletableFuture.completedFuture(null);
        }
        return startAsync(true, TurnTelemetry.NONE);
    }

    /**
     * Answers a server request that arrived while no turn runs (the turn answers its own): say,
     * for a turn another client on the thread started. Nothing is written once codex withdrew it.
     */
    private void answerNow(TurnEvent.Asked asked) {
        ServerRequestBridge b = bridge;
        CodexClient c = client;
        if (b == null || c == null || !asked.claim() || asked.isWithdrawn()) {
            return;
        }
        CodexEvent.ServerRequest r = asked.request;
        this.answering.incrementAndGet();
        CompletableFuture<ServerRequestBridge.Answer> answering = b.answer(r.method(), r.params());
        asked.answering(answering);
        answering.whenComplete((answer, failure) -> {
            this.answering.decrementAndGet();
            hibernation.touch();
            if (!asked.settleByAnswer()) {
                return;     // codex withdrew it meanwhile (another client answered it)
            }
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
        if (c != null) {
            link.letGo(c);
        }
        closeQuietly(governorSubscription);     // unsubscribing only removes a listener
        governorSubscription = null;
        closeQuietly(attachment);               // detaching only removes map entries
        attachment = null;
        SessionInbox box = inbox;
        if (box != null && c != null) {
            box.closed(new ConnectionClosedException("the session let go of its codex connection"));
        }
    }

    /** Gives everything back: the thread place, the reconnect callback, the subscription, the connection. */
    void close() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            hibernation.stop();
            ResumeWatch waiting = takeResumeWatch();
            if (waiting != null) {
                waiting.failed(new CodexException("the session was closed"));
            }
            link.release();
            unsubscribe();
            letGoOfConnection();
        }
    }

    /**
     * On a shared connection, tells codex this client no longer follows the thread, so codex can
     * unload it (after {@code thread_unload_delay_secs} without subscribers, 60 s unless set) and
     * the connection stops receiving its messages. Paced and tried again until codex confirms
     * ({@link ThreadReleases}); not waited for: closing never blocks on codex.
     */
    private void unsubscribe() {
        CodexClient c = client;
        String id = threadId;
        if (!link.unsubscribes() || c == null || id == null || !c.isOpen() || openedOn != c.generation()) {
            return;
        }
        ThreadReleases.of(c).release(c, openedOn, id);
    }

    static void closeQuietly(AutoCloseable handle) {
        if (handle != null) {
            try {
                handle.close();
            } catch (Exception ignored) {
                // the handles here only remove entries and give back counts
            }
        }
    }
}
