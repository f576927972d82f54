package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.DynamicTool;
import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.DynamicToolSpec;
import dev.codexbridge.protocol.ThreadUnsubscribeParams;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's thread and the connection it is open on: opening or resuming the thread, the
 * inbox and approval bridge attached to it, and letting go of both. A session with a connection
 * of its own opens a fresh one after its codex died; on a shared connection the thread is
 * resumed after each reconnect. Thread-safe: state changes under one lock, reads are volatile.
 */
final class ThreadConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadConnection.class);
    /** Rate-limit notifications the governor may fall behind by; it needs only the latest. */
    private static final int GOVERNOR_BUFFER = 1_000;

    /** Opens this session's own connection (blocking), or null when it shares one. */
    private final Supplier<CodexClient> ownConnection;
    private final CodexClient sharedClient;
    /** The session's own connection goes to a running app-server, which outlives a dropped connection. */
    private final boolean remote;
    private final ThreadSettings settings;
    private final List<DynamicTool> dynamicTools;
    private final List<DynamicToolSpec> dynamicToolSpecs;
    private final ApprovalPolicy approvals;
    private final Duration resumeTimeout;
    /** Shared with other sessions of the same account, or null. */
    private final RateLimitGovernor rateLimits;
    private final int inboxLimit;

    private final Object stateLock = new Object();
    /** Which of the client's connections the thread was opened on ({@link CodexClient#generation}). */
    private volatile int openedOn;
    /** This session's place among the shared connection's threads, or null (see ClientPlumbing#reserveThread). */
    private AutoCloseable threadPlace;
    /** A turn lost with its connection that codex may still be running (see stopLostTurn). */
    private volatile String lostTurn;
    /** The shared client's call after a reconnect, or null. */
    private AutoCloseable reconnectHandle;
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

    ThreadConnection(Supplier<CodexClient> ownConnection, CodexClient sharedClient, boolean remote, ThreadSettings settings,
                     String resumeThreadId, List<DynamicTool> dynamicTools, ApprovalPolicy approvals, Duration resumeTimeout,
                     RateLimitGovernor rateLimits, int inboxLimit) {
        this.ownConnection = ownConnection;
        this.sharedClient = sharedClient;
        this.remote = remote;
        this.settings = settings;
        this.threadId = resumeThreadId;
        this.dynamicTools = List.copyOf(dynamicTools);
        this.dynamicToolSpecs = dynamicTools.stream().map(t -> Json.convert(t.spec(), DynamicToolSpec.class)).toList();
        this.approvals = approvals;
        this.resumeTimeout = resumeTimeout;
        this.rateLimits = rateLimits;
        this.inboxLimit = inboxLimit;
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

    ThreadSettings settings() {
        return settings;
    }

    /** Gives the connection up after a failed start: the next start opens it again. */
    void retire() {
        retired = true;
    }

    /** Opens the connection and the thread if needed; concurrent calls share one start. */
    CompletableFuture<String> startAsync() {
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
                // starting codex and the handshake wait: on the waits pool, not on the callbacks it waits for
                f = CompletableFuture.supplyAsync(ownConnection, RpcThreads.waits()).thenCompose(this::openOn);
            } else if (sharedClient.isOpen()) {
                f = openOn(sharedClient);
            } else {
                // reconnecting: wait for the new connection (or its end), not for a timeout
                f = ClientPlumbing.of(sharedClient).whenReady().handle((c, failure) -> failure == null ? openOn(c)
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
                reconnectHandle = ClientPlumbing.of(sharedClient).onReconnect(reopened -> resumeAfterReconnect());
            }
            openedOn = c.generation();
            if (sharedClient != null && threadPlace == null) {
                try {
                    threadPlace = ClientPlumbing.of(c).reserveThread();
                } catch (CodexException full) {
                    return CompletableFuture.failedFuture(full);
                }
            }
            ServerRequestBridge newBridge = new ServerRequestBridge(approvals, dynamicTools, settings.cwd().toString());
            SessionInbox newInbox = new SessionInbox(asked -> RpcThreads.callbacks().execute(() -> answerNow(asked)),
                    RpcThreads.dispatch(), inboxLimit, sharedClient == null);
            client = c;
            bridge = newBridge;
            inbox = newInbox;
            try {
                if (sharedClient == null) {
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
                return openThread(c, "thread/start", settings.startParams(dynamicToolSpecs), c.requestTimeout(), newInbox)
                        .thenApply(id -> threadId = id);
            }
            return resume(c, newInbox).thenCompose(id -> stopLostTurn(c, id));
        }
    }

    /**
     * A turn whose connection was lost may still run in codex (over a socket, the server outlives
     * the drop). The host was told it ended, so it is interrupted once the thread is back: nothing
     * goes on behind the host's back, and the thread is free for the next turn.
     * {@code recoverTurn} then reads what it did.
     */
    private CompletableFuture<String> stopLostTurn(CodexClient c, String id) {
        String lost = lostTurn;
        lostTurn = null;
        if (lost == null) {
            return CompletableFuture.completedFuture(id);
        }
        LOG.debug("interrupting turn {} of thread {}, lost with its connection", lost, id);
        return TurnRun.interrupt(c, id, lost, c.requestTimeout()).thenApply(answered -> id);
    }

    /** The turn that was running when its connection was lost: to be interrupted on resume. */
    void turnLost(String turnId) {
        if (sharedClient != null || remote) {
            lostTurn = turnId;      // a session's own codex process died with its connection: nothing is left running
        }
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
            try {
                AutoCloseable own = attachment;
                AutoCloseable thread = ClientPlumbing.of(c).attach(id, box);
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

    /**
     * {@code thread/resume} with {@code excludeTurns} (the history stays in codex; nothing is
     * re-sent). Codex before 0.16x treated {@code excludeTurns} as experimental; without that
     * capability the resume is retried without it, which only costs a larger answer.
     */
    private CompletableFuture<String> resume(CodexClient c, SessionInbox box) {
        return openThread(c, "thread/resume", settings.resumeParams(threadId, true), resumeTimeout, box).exceptionallyCompose(failure -> {
            Throwable cause = Futures.unwrap(failure);
            if (!(cause instanceof RpcException e) || e.code() != RpcError.INVALID_REQUEST || !e.error().message().contains("excludeTurns")) {
                return CompletableFuture.failedFuture(cause);
            }
            LOG.debug("codex refused excludeTurns ({}); resuming with the full history", e.error().message());
            return openThread(c, "thread/resume", settings.resumeParams(threadId, false), resumeTimeout, box);
        });
    }

    /** The shared connection was reopened: resume this thread there at once, not at the next turn. */
    private CompletionStage<?> resumeAfterReconnect() {
        if (closed || threadId == null) {
            return CompletableFuture.completedFuture(null);
        }
        return startAsync();
    }

    /** Answers a server request that arrived while no turn runs (the turn answers its own). */
    private void answerNow(TurnEvent.Asked asked) {
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
            closeQuietly(reconnectHandle);      // removing a callback from a list
            closeQuietly(threadPlace);          // giving back a count
            reconnectHandle = null;
            threadPlace = null;
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
            ClientPlumbing.of(c).request("thread/unsubscribe", new ThreadUnsubscribeParams(id), JsonNode.class, c.requestTimeout())
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            LOG.debug("thread/unsubscribe {}: {}", id, e.getMessage());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.debug("thread/unsubscribe {} not sent: {}", id, e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable handle) {
        if (handle != null) {
            try {
                handle.close();
            } catch (Exception ignored) {
                // the handles here only remove entries and give back counts
            }
        }
    }
}
