package dev.codexbridge.session.internal.thread;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.ThreadOpenException;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.failure.ConnectionEnd;
import dev.codexbridge.session.internal.failure.ErrorClassifier;
import dev.codexbridge.session.internal.failure.FailureAdvice;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How a session reaches codex, the one thing {@link ThreadConnection} does differently for its
 * shapes: a connection of its own (a codex process it starts, or a running app-server it
 * connects to), opened by the next turn after it was lost and closed with the session; or a
 * connection shared with other sessions, which its client reconnects and which outlives the
 * session, on which this session holds a thread place and is told of each reconnect; or shared
 * connections a host's {@link ClientPlacement} chooses anew once the last one closed for good
 * ({@link PlacedLink}).
 */
public sealed interface ThreadLink permits ThreadLink.Own, ThreadLink.Shared, PlacedLink {

    /** A connection of the session's own: {@code connect} opens it (blocking); {@code remote} when it goes to a running app-server. */
    static ThreadLink own(Supplier<CodexClient> connect, boolean remote) {
        return new Own(connect, remote);
    }

    /** The connection {@code client}, shared with other sessions. */
    static ThreadLink shared(CodexClient client) {
        return new Shared(client);
    }

    /** The connection to open the thread on, once there is one; for a turn, opened with its span current. */
    CompletableFuture<CodexClient> connect(TurnTelemetry turn);

    /** {@code c} closed as the thread was about to be opened on it: the connection to open it on instead, or why there is none. */
    CompletableFuture<CodexClient> reopenedAfter(CodexClient c);

    /**
     * The thread is being opened on {@code c} (under the connection's lock): a shared link takes its
     * thread place (throwing when the connection has none left) and asks to hear of reconnects;
     * {@code waiting} says whether a turn waits for the thread's resume (it is resumed first).
     */
    void joined(CodexClient c, Supplier<CompletionStage<?>> onReconnect, BooleanSupplier waiting);

    /** The thread no longer needs the connection: an own one is closed, a shared one only left. */
    void letGo(CodexClient c);

    /** The session closed: the thread place and the reconnect callback go back. */
    void release();

    /** Whether the session is the connection's only user: its inbox may make the reader wait, and it takes codex's connection-wide messages. */
    boolean exclusive();

    /** The policy a resume on {@code c} is tried with, or null for one try. */
    ReconnectPolicy resumePolicy(CodexClient c);

    /** Whether a connection that ended for good is followed by a new placement (the next open goes elsewhere). */
    default boolean placesAnew() {
        return false;
    }

    /**
     * A resume on {@code c} failed with {@code failure}, and its thread is resumed again once the
     * client has reconnected: {@code c} dropped, or the failure was its drop (told to the request
     * before the connection reads as closed), and the client has not closed for good. A turn waiting
     * for its thread keeps waiting.
     */
    boolean comesBack(CodexClient c, Throwable failure);

    /** How long a turn whose connection dropped waits for it to come back, or null when it ends with its connection. */
    Duration reattachWindow();

    /** Whether codex may still run a turn whose connection was lost (an app-server outlives a connection; a codex process dies with it). */
    boolean outlivesConnection();

    /** Why a turn could not start, said the way this shape's failure reads; {@code message} is what went wrong. */
    TurnFailure startFailure(String message);

    /** Whether the session tells codex it stops following the thread when it closes (on a connection that stays open). */
    boolean unsubscribes();

    /** The remedy that is true for this shape. */
    FailureAdvice.Shape shape();

    /**
     * Why a turn could not start, as the turn reports it: the thread's own failure as it is (a
     * wake refused because another host holds the conversation with {@link TurnFailure#heldUntil()}); a
     * connection that could not be opened as what it was (a codex this session starts could not
     * be started; a running app-server could not be reached; the shared connection is gone).
     */
    default TurnFailure startFailure(Throwable failure) {
        Throwable cause = Futures.unwrap(failure);
        if (cause instanceof ThreadOpenException e) {
            java.time.Instant held = e.heldUntil();
            return held != null ? ApiAccess.get().heldElsewhere(e.getMessage(), held) : TurnFailure.of(e.getMessage(), e.category(), null);
        }
        return startFailure(UntrustedText.messageOf(cause));
    }

    /** {@code failure} with the remedy that is true for this shape. */
    default TurnFailure advised(TurnFailure failure) {
        return FailureAdvice.forShape(failure, shape());
    }

    /** A connection of the session's own. */
    final class Own implements ThreadLink {
        private final Supplier<CodexClient> connect;
        private final boolean remote;

        Own(Supplier<CodexClient> connect, boolean remote) {
            this.connect = connect;
            this.remote = remote;
        }

        @Override
        public CompletableFuture<CodexClient> connect(TurnTelemetry turn) {
            // starting codex and the handshake wait: on the waits pool, not on the callbacks it waits for
            return CompletableFuture.supplyAsync(() -> turn.inScope(connect), RpcThreads.waits());
        }

        @Override
        public CompletableFuture<CodexClient> reopenedAfter(CodexClient c) {
            return CompletableFuture.failedFuture(new CodexException("codex closed the connection as it started"));
        }

        @Override
        public void joined(CodexClient c, Supplier<CompletionStage<?>> onReconnect, BooleanSupplier waiting) {
            // nothing shared to take a place on, and an own connection is reopened by the next turn
        }

        @Override
        public void letGo(CodexClient c) {
            c.close();
        }

        @Override
        public void release() {
            // nothing was taken
        }

        @Override
        public boolean exclusive() {
            return true;
        }

        @Override
        public ReconnectPolicy resumePolicy(CodexClient c) {
            return null;
        }

        @Override
        public boolean comesBack(CodexClient c, Throwable failure) {
            return false;
        }

        @Override
        public Duration reattachWindow() {
            return null;        // reopened only by the next turn
        }

        @Override
        public boolean outlivesConnection() {
            return remote;      // a codex process the session started died with its connection
        }

        @Override
        public TurnFailure startFailure(String message) {
            String said = message.startsWith("the session is closed") ? message
                    : (remote ? "codex could not be reached: " : "codex could not be started: ") + message;
            return ThreadLink.classified(said);
        }

        @Override
        public boolean unsubscribes() {
            return false;       // the connection closes with the session
        }

        @Override
        public FailureAdvice.Shape shape() {
            return FailureAdvice.shapeOf(null, remote);
        }
    }

    /** A connection shared with other sessions. */
    final class Shared implements ThreadLink {
        /** How often, and how far apart, a client that reads as ready but is closed is looked at again: 1 s in all. */
        private static final int REOPEN_CHECKS = 50;
        private static final long REOPEN_PAUSE_MS = 20;
        private final CodexClient client;
        /** This session's place among the connection's threads, or null (see ClientPlumbing#reserveThread). */
        private AutoCloseable threadPlace;
        /** The client's call after a reconnect, or null. */
        private AutoCloseable reconnectHandle;

        Shared(CodexClient client) {
            this.client = client;
        }

        CodexClient client() {
            return client;
        }

        @Override
        public CompletableFuture<CodexClient> connect(TurnTelemetry turn) {
            if (client.isOpen()) {
                return CompletableFuture.completedFuture(client);
            }
            // reconnecting: wait for the new connection (or its end), not for a timeout
            return ClientPlumbing.of(client).whenReady().handle((c, failure) -> {
                if (failure != null) {
                    Throwable cause = Futures.unwrap(failure);
                    throw new CodexException("the shared codex connection is closed: " + UntrustedText.messageOf(cause), cause);
                }
                return c;
            });
        }

        @Override
        public CompletableFuture<CodexClient> reopenedAfter(CodexClient c) {
            // dropped a moment ago and about to come back: the turn waits for the reconnect, as one that came a moment later would
            return reopened(REOPEN_CHECKS);
        }

        /**
         * The client once it is open again. {@code whenReady} waits out a drop that is still being handled; a client
         * that reads as ready but is closed by the time it is looked at (a second drop right after the reconnect, a
         * reconnect attempt that failed after its handshake) is looked at again shortly, a bounded number of times.
         */
        private CompletableFuture<CodexClient> reopened(int checksLeft) {
            ClientPlumbing<CodexClient> plumbing = ClientPlumbing.of(client);
            if (plumbing.closedFuture().isDone()) {
                return CompletableFuture.failedFuture(new CodexException("the shared codex connection is closed"));
            }
            return plumbing.whenReady().thenCompose(next -> {
                if (next.isOpen()) {
                    return CompletableFuture.completedFuture(next);
                }
                if (checksLeft <= 0 || plumbing.closedFuture().isDone()) {
                    return CompletableFuture.failedFuture(new CodexException("the shared codex connection is closed"));
                }
                Executor later = CompletableFuture.delayedExecutor(REOPEN_PAUSE_MS, TimeUnit.MILLISECONDS, RpcThreads.waits());
                return CompletableFuture.supplyAsync(() -> checksLeft - 1, later).thenCompose(this::reopened);
            });
        }

        @Override
        public void joined(CodexClient c, Supplier<CompletionStage<?>> onReconnect, BooleanSupplier waiting) {
            if (reconnectHandle == null) {
                reconnectHandle = ClientPlumbing.of(client).onReconnect(reopened -> onReconnect.get(), waiting);
            }
            if (threadPlace == null) {
                threadPlace = ClientPlumbing.of(c).reserveThread();
            }
        }

        @Override
        public void letGo(CodexClient c) {
            // the connection is the other sessions' too
        }

        @Override
        public void release() {
            closeQuietly(reconnectHandle);     // removing a callback from a list
            closeQuietly(threadPlace);         // giving back a count
            reconnectHandle = null;
            threadPlace = null;
        }

        @Override
        public boolean exclusive() {
            return false;
        }

        @Override
        public ReconnectPolicy resumePolicy(CodexClient c) {
            return c.options().reconnect();
        }

        @Override
        public boolean comesBack(CodexClient c, Throwable failure) {
            boolean dropped = !c.isOpen() || Futures.unwrap(failure) instanceof dev.codexbridge.rpc.ConnectionClosedException;
            return dropped && !ClientPlumbing.of(client).closedFuture().isDone();
        }

        /**
         * Only on a client that reconnects to a running app-server (over a socket) with a re-attach
         * window: a codex process the client started dies with its connection.
         */
        @Override
        public Duration reattachWindow() {
            ClientPlumbing<CodexClient> plumbing = ClientPlumbing.of(client);
            ReconnectPolicy policy = client.options().reconnect();
            if (policy == null || policy.reattachWindow().isZero() || !plumbing.serverOutlivesConnection()) {
                return null;
            }
            return policy.reattachWindow();
        }

        @Override
        public boolean outlivesConnection() {
            return true;
        }

        @Override
        public TurnFailure startFailure(String message) {
            if (ClientPlumbing.closedForGood(client)) {
                return ConnectionEnd.failure(client, "this session cannot run turns on it");
            }
            return ThreadLink.classified(message);
        }

        @Override
        public boolean unsubscribes() {
            return true;
        }

        @Override
        public FailureAdvice.Shape shape() {
            return FailureAdvice.shapeOf(client, false);
        }
    }

    /** {@code message} as a turn's failure: a setting codex could not read, or what the text says, else the connection's end. */
    static TurnFailure classified(String message) {
        if (ErrorClassifier.mentionsSetting(message)) {
            return TurnFailure.of(message, ErrorCategory.SETTINGS_REJECTED, null);     // say, a config.toml codex could not read
        }
        ErrorCategory category = ErrorClassifier.classify(message, null, List.of()).category();
        return TurnFailure.of(message, category == ErrorCategory.OTHER ? ErrorCategory.PROCESS_DIED : category, null);
    }

    /** Closes a handle that only removes entries and gives back counts, which cannot fail in a way that matters. */
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
