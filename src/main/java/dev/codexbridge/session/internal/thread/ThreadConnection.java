package dev.codexbridge.session.internal.thread;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.session.internal.failure.ConnectionEnd;
import dev.codexbridge.session.internal.failure.ResumeFailures;
import dev.codexbridge.session.internal.inbox.SessionInbox;
import dev.codexbridge.tool.DynamicTool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One session's thread and the connection it is open on, the thread's life: opening or resuming the thread, the inbox and
 * approval bridge attached to it, letting go of both while idle (decision 0040) or for good. A session with a connection of its
 * own opens a fresh one after its codex died; on a shared connection the thread is resumed after each reconnect, with the
 * reconnect policy's timeout and tries per resume. A thread this session opened that codex never wrote down (it stopped first) is
 * replaced by a fresh thread with the same settings, and the replacement is reported (decision 0020). The requests that open the
 * thread are {@link ThreadOpening}'s; what codex holds of the thread, which the turns write, is {@link ThreadRecord}.
 * Thread-safe: state changes under one lock, reads are volatile.
 */
public final class ThreadConnection {
    private static final Logger LOG = SafeLogger.getLogger(ThreadConnection.class);
    /** Rate-limit notifications the governor may fall behind by; it needs only the latest. */
    private static final int GOVERNOR_BUFFER = 1_000;

    /** How the session reaches codex: a connection of its own, or a shared one. */
    private final ThreadLink link;
    /** What the thread is opened with: the host's settings, the unload delay while hibernating, the dynamic tools' specs. */
    private final ThreadWire wire;
    /** The thread/start and thread/resume requests, and the inbox attached to the thread as they are answered. */
    private final ThreadOpening requests = new ThreadOpening();
    private final List<DynamicTool> dynamicTools;
    private final ApprovalPolicy approvals;
    private final Duration resumeTimeout;
    /** Shared with other sessions of the same account, or null. */
    private final RateLimitGovernor rateLimits;
    private final int inboxLimit;
    /** What codex holds of the thread, as far as the session knows: written down, the turns it may still run, a replacement. */
    private final ThreadRecord record;

    private final Object stateLock = new Object();
    /** Which of the client's connections the thread was opened on ({@link CodexClient#generation}). */
    private volatile int openedOn;
    /** The start under way, shared by concurrent callers; null when none runs. */
    private CompletableFuture<String> opening;
    private volatile CodexClient client;
    /** The governor's subscription to the connection's rate-limit notifications. */
    private volatile AutoCloseable governorSubscription;
    private volatile SessionInbox inbox;
    private volatile ServerRequestBridge bridge;
    private volatile String threadId;
    private volatile boolean retired;
    private volatile boolean closed;
    /** Codex gave this session its thread (answered thread/start or thread/resume): only such a thread is replaced. */
    private volatile boolean opened;
    /** The resume under way, which a waiting turn may hurry; null when none runs. */
    private ThreadOpenTries resuming;
    private boolean resumingInBackground;
    /** When the session lets go of its thread while idle (decision 0040). */
    private final SessionHibernation hibernation;
    /** The session let go of its thread while idle; the next call that needs it resumes it. */
    private volatile boolean hibernated;
    /** Server requests between turns: the session is not idle while one is answered. */
    private final IdleRequests idleRequests;
    /** The conversation's lease and whereabouts when a store keeps it while the session sleeps, or null. */
    private final ThreadCustody custody;

    public ThreadConnection(ThreadLink link, ThreadOptions settings, String resumeThreadId, List<DynamicTool> dynamicTools,
                     ApprovalPolicy approvals, Duration resumeTimeout, RateLimitGovernor rateLimits, int inboxLimit,
                     Consumer<ThreadReplacement> onReplaced, SessionHibernation hibernation, ThreadCustody custody) {
        this.link = link;
        this.hibernation = hibernation;
        this.wire = ThreadWire.of(settings, hibernation.opening(settings, link, custody != null), dynamicTools);
        this.threadId = resumeThreadId;
        this.record = new ThreadRecord(resumeThreadId != null, link.outlivesConnection(), onReplaced);
        this.dynamicTools = List.copyOf(dynamicTools);
        this.approvals = approvals;
        this.resumeTimeout = resumeTimeout;
        this.rateLimits = rateLimits;
        this.inboxLimit = inboxLimit;
        this.idleRequests = new IdleRequests(hibernation);
        this.custody = custody;
    }

    public String threadId() {
        return threadId;
    }

    public boolean isRetired() {
        return retired;
    }

    public boolean isClosed() {
        return closed;
    }

    public CodexClient client() {
        return client;
    }

    public SessionInbox inbox() {
        return inbox;
    }

    public ServerRequestBridge bridge() {
        return bridge;
    }

    public ThreadOptions settings() {
        return wire.settings();
    }

    public SessionHibernation hibernation() {
        return hibernation;
    }

    /** Whether the session let go of its thread while idle (and has not needed it since). */
    public boolean isHibernated() {
        return hibernated;
    }

    /**
     * Lets go of the thread while the session is idle (decision 0040): codex is told this client no longer follows it (paced and
     * made certain by {@link ThreadReleases}), the thread place and the reconnect callback go back, and a connection of the
     * session's own is closed. Only the thread id, the settings and the owner stay; the next call that needs the thread resumes
     * it. Returns whether it let go: not while a turn runs or a thread operation waits, a server request is answered, the thread
     * is being opened, a turn waits for its resume, or before codex has the thread written down (a thread with no turn yet cannot
     * be resumed: codex #42099).
     */
    boolean hibernate() {
        synchronized (stateLock) {
            CodexClient c = client;
            if (closed || hibernated || opening != null || c == null || threadId == null || !record.written() || idleRequests.busy()
                    || requests.resumeWatched() || hibernation.working()) {
                return false;
            }
            unsubscribe();
            link.release();
            store(c);
            hibernated = true;      // said only once the sleep's store is under way: a settled() after it waits for that
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
            return record.written() && !hibernated && !closed && (client != null || opening != null);
        }
    }

    /** How long a turn whose connection dropped waits for it to come back, or null when it ends with its connection ({@link ThreadLink}). */
    public Duration reattachWindow() {
        return link.reattachWindow();
    }

    /** {@code watch} hears of the next resume of this thread (or its failure), once ({@link ThreadOpening#watchResume}). */
    public void watchResume(ResumeWatch watch) {
        requests.watchResume(watch);
    }

    /** {@code watch} no longer waits (its turn ended). */
    public void unwatchResume(ResumeWatch watch) {
        requests.unwatchResume(watch);
    }

    /** Gives the connection up after a failed start: the next start opens it again. */
    public void retire() {
        retired = true;
    }

    /** Opens the connection and the thread if needed; concurrent calls share one start. */
    public CompletableFuture<String> startAsync() {
        return startAsync(false, TurnTelemetry.NONE);
    }

    /**
     * {@link #startAsync()} for a turn: whatever it opens ({@code initialize}, {@code thread/start} or {@code thread/resume})
     * is written with the turn's span current, also from a pool thread (a connection reopened after a crash, or behind a
     * reconnect), so codex's handling of it joins the turn's trace.
     */
    public CompletableFuture<String> startAsync(TurnTelemetry turn) {
        return startAsync(false, turn);
    }

    /**
     * {@link #startAsync()}; {@code background} is the resume the client runs after a reconnect. A turn that finds such a resume
     * pending hurries it: if codex has not answered within a moment, one more try goes out rather than waiting out the pending try.
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
            // a lost lease: another host may run the conversation from the store now, so nothing more goes to codex here
            CodexException notHeld = custody == null ? null : custody.whyNotHeld();
            if (notHeld != null) {
                return CompletableFuture.failedFuture(ApiAccess.get().threadOpenFailed(notHeld.getMessage(), ErrorCategory.OTHER, notHeld));
            }
            CodexClient current = client;
            if (current != null && !retired && current.isOpen() && openedOn == current.generation()) {
                return CompletableFuture.completedFuture(threadId);
            }
            // open when its connection ended: reopening is the library's recovery whoever asks first, never refused (0080)
            boolean recovery = background || opened && !hibernated && !retired && current != null
                    && (!current.isOpen() || openedOn != current.generation());
            letGoOfConnection();
            // with a store, a sleep still under way ends first: where the thread is placed depends on it
            CompletableFuture<Void> settled = custody == null ? CompletableFuture.completedFuture(null) : custody.wake();
            CompletableFuture<String> f = settled.thenCompose(x -> link.connect(turn)).thenCompose(c -> turn.inScope(() -> openOn(c, background, recovery)));
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

    /**
     * Attaches this session to {@code c} and opens (or resumes) its thread there; {@code recovery}: every try of the
     * resume is the library's own recovery ({@link ThreadOpening#resume}).
     */
    private CompletableFuture<String> openOn(CodexClient c, boolean background, boolean recovery) {
        synchronized (stateLock) {
            if (closed) {
                link.letGo(c);
                return CompletableFuture.failedFuture(new CodexException("the session is closed"));
            }
            if (!c.isOpen()) {
                return link.reopenedAfter(c).thenCompose(next -> openOn(next, background, recovery));
            }
            try {
                link.joined(c, this::resumeAfterReconnect, () -> requests.resumeWatched());
            } catch (CodexException full) {
                return CompletableFuture.failedFuture(full);
            }
            openedOn = c.generation();
            ServerRequestBridge newBridge = new ServerRequestBridge(approvals, dynamicTools, wire.settings().cwd().toString());
            SessionInbox newInbox = new SessionInbox(asked -> RpcThreads.callbacks().execute(() -> idleRequests.answer(asked, bridge, client)),
                    RpcThreads.dispatch(), inboxLimit, link.exclusive());
            client = c;
            bridge = newBridge;
            inbox = newInbox;
            try {
                if (link.exclusive()) {
                    // codex's connection-wide messages (rate limits, auth refresh) belong to the only session
                    requests.attachUnscoped(c, newInbox);
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
                return requests.start(c, wire.startParams(), c.requestTimeout(), newInbox)
                        .handle((id, failure) -> {
                            if (failure != null) {
                                throw ApiAccess.get().threadOpenFailed("codex could not start a thread", Futures.unwrap(failure));
                            }
                            opened = true;
                            openedOn = requests.answeredOn();       // it may have waited for a codex started since (decision 0116)
                            return threadId = id;
                        }).thenCompose(id -> custody == null ? CompletableFuture.completedFuture(id) : custody.started(c, id).thenApply(x -> id));
            }
            String previous = threadId;
            // back on a shared connection after a reconnect: the policy's timeout and tries, whoever asks first
            ReconnectPolicy policy = opened ? link.resumePolicy(c) : null;
            Supplier<ThreadOpenTries> newTries = () -> ThreadOpenTries.under(policy,
                    t -> requests.resume(c, newInbox, t, threadId, wire.resumeSettings(opened && !hibernated && link.reattachWindow() != null),
                            recovery), resumeTimeout, () -> c.stats().messagesRead());
            ThreadOpenTries tries = newTries.get();
            resuming = tries;
            resumingInBackground = background;
            // an unsubscribe of this thread still on its way must not reach codex after the resume
            CompletableFuture<Void> reclaimed = link.unsubscribes() ? ThreadReleases.of(c).reclaim(previous) : CompletableFuture.completedFuture(null);
            CompletableFuture<Void> imported = custody == null ? reclaimed : reclaimed.thenCompose(x -> custody.beforeResume(c, previous));
            CompletableFuture<String> resumed = imported.thenCompose(x -> tries.start());
            if (custody != null) {
                // codex lost its copy (its home wiped, same endpoint): the store's goes back there and the resume is tried once more
                resumed = resumed.exceptionallyCompose(failure -> custody.resumeFailed(c, previous, Futures.unwrap(failure))
                        .thenCompose(again -> again ? newTries.get().start() : CompletableFuture.<String>failedFuture(failure)));
            }
            return resumed.handle((id, failure) -> {
                if (failure == null) {
                    opened = true;
                    openedOn = requests.answeredOn();
                    return custody == null ? record.resumed(c, id)
                            : record.resumed(c, id).thenCompose(rid -> custody.opened(c, rid).thenApply(v -> rid));
                }
                Throwable cause = Futures.unwrap(failure);
                // the resume's connection dropped too, and the client reconnects: a turn waiting for
                // its thread keeps waiting, within its window, for the next connection's resume
                boolean comesBack = link.comesBack(c, cause);
                ResumeWatch waiting = comesBack ? null : requests.takeResumeWatch();
                if (waiting != null) {
                    waiting.failed(cause);
                }
                if (ResumeFailures.notStored(cause) && opened) {
                    return replace(c, newInbox, previous, cause, policy);
                }
                return CompletableFuture.<String>failedFuture(ApiAccess.get().threadOpenFailed(ResumeFailures.resumeFailed(previous, cause), cause));
            }).thenCompose(x -> x);
        }
    }

    /**
     * Codex has no record of the thread this session opened: it stopped before writing it down. A fresh thread with the same
     * settings takes its place; the host is told, and the next turn reports it with the input codex never stored.
     */
    private CompletableFuture<String> replace(CodexClient c, SessionInbox box, String previous, Throwable why, ReconnectPolicy policy) {
        LOG.info("codex has no record of thread {} ({}); starting a fresh thread in its place", previous, ApiAccess.get().openFailureReason(why));
        return requests.startInPlaceOf(previous, c, wire.startParams(), box, policy).thenApply(id -> {
            threadId = id;
            openedOn = requests.answeredOn();
            record.replaced(previous, id, why);
            return id;
        }).thenCompose(id -> custody == null ? CompletableFuture.completedFuture(id) : custody.started(c, id).thenApply(x -> id));
    }

    /** How the session reaches codex; also how a failure reads for that shape ({@link ThreadLink#startFailure(Throwable)}, {@link ThreadLink#advised}). */
    public ThreadLink link() {
        return link;
    }

    /** Why the turn's connection {@code on} ended, as the turn reports it ({@link ConnectionEnd}). */
    public TurnFailure connectionEnded(CodexClient on, CodexException died) {
        return ConnectionEnd.duringTurn(closed, link instanceof ThreadLink.Shared, on, died);
    }

    /** What codex holds of the thread, as far as the session knows; the turns write it. */
    public ThreadRecord record() {
        return record;
    }

    /** {@link ThreadRecord#settleEarlierTurn} on the thread's current connection. */
    public CompletableFuture<TurnFailure> settleEarlierTurn(Duration grace) {
        return record.settleEarlierTurn(client, threadId, grace);
    }

    /** Which of the client's connections the thread was last opened on ({@link CodexClient#generation}). */
    public int openedOn() {
        return openedOn;
    }

    /** Why nothing more may go to codex for the conversation (its store's lease was lost), or null; null without a store. */
    public CodexException whyNotHeld() {
        return custody == null ? null : custody.whyNotHeld();
    }

    /** Whether the thread is open on the client's current connection (a reconnect since needs a resume first). */
    public boolean openOnCurrentConnection() {
        CodexClient c = client;
        return c != null && openedOn == c.generation();
    }

    /** Retires the connection only if the thread still runs on connection {@code generation}, not on a newer one. */
    public void markRetired(int generation) {
        if (openedOn == generation) {
            retired = true;
        }
    }

    /** The shared connection was reopened: resume this thread there at once, not at the next turn. */
    private CompletionStage<?> resumeAfterReconnect() {
        if (closed || threadId == null) {
            return CompletableFuture.completedFuture(null);
        }
        return startAsync(true, TurnTelemetry.NONE);
    }

    /**
     * Closes the connection when it is this session's own, and detaches from it; a turn still
     * running learns at once that its connection is gone.
     */
    private void letGoOfConnection() {
        letGoOfConnection(true);
    }

    /** {@link #letGoOfConnection()}; {@code closeIt} false when the store still needs the connection (it is let go after). */
    private void letGoOfConnection(boolean closeIt) {
        CodexClient c = client;
        client = null;
        if (c != null && closeIt) {
            link.letGo(c);
        }
        ThreadLink.closeQuietly(governorSubscription);     // unsubscribing only removes a listener
        governorSubscription = null;
        requests.detach();
        SessionInbox box = inbox;
        if (box != null && c != null) {
            box.closed(new ConnectionClosedException("the session let go of its codex connection"));
        }
    }

    /** Lets go of the connection; with a store, the conversation goes into it first ({@link CustodyLetGo#sleepThenLetGo}). */
    private void store(CodexClient from) {
        boolean keep = custody != null && from != null && threadId != null && record.written();
        letGoOfConnection(!keep);
        if (keep) {
            CustodyLetGo.sleepThenLetGo(custody, from, threadId, link, closed);
        } else if (custody != null) {
            custody.close();
        }
    }

    /** A turn completed on the thread: with a store, the conversation is stored before the turn's result is handed out. */
    public CompletableFuture<Void> turnCompleted(String turnId) {
        return custody == null ? CompletableFuture.completedFuture(null) : custody.turnCompleted(client, threadId, turnId);
    }

    /** Gives everything back: the thread place, the reconnect callback, the subscription, the connection. */
    public void close() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            hibernation.stop();
            ResumeWatch waiting = requests.takeResumeWatch();
            if (waiting != null) {
                waiting.failed(new CodexException("the session was closed"));
            }
            link.release();
            CodexClient c = client;
            unsubscribe();
            store(c);
        }
    }

    /**
     * On a shared connection, tells codex this client no longer follows the thread, so codex can unload it (after {@code
     * thread_unload_delay_secs} without subscribers, 60 s unless set) and the connection stops receiving its messages. Paced and
     * tried again until codex confirms ({@link ThreadReleases}); not waited for: closing never blocks on codex.
     */
    private void unsubscribe() {
        CodexClient c = client;
        String id = threadId;
        if (!link.unsubscribes() || c == null || id == null || !c.isOpen() || openedOn != c.generation()) {
            return;
        }
        ThreadReleases.of(c).release(c, openedOn, id);
    }
}
