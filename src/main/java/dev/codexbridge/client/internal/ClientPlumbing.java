package dev.codexbridge.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * What the session package needs of a {@link dev.codexbridge.client.CodexClient} ({@code C}) and a host does not: routing a thread's
 * messages to an inbox, taking a thread place, a request answered in wire order, requests and
 * connection states whose futures complete on the library's threads (never waiting for host code),
 * resuming after a reconnect, explaining a closed connection. Not API.
 *
 * <pre>{@code
 * AutoCloseable attached = ClientPlumbing.of(client).attach(threadId, inbox);
 * }</pre>
 *
 * <p>{@code CodexClient} installs the one accessor ({@link #install}) when its class is
 * initialized, which happens before any client exists, so {@link #of} always finds it. This
 * package names no type of {@code client}'s: the client's type is {@code C}, so {@code client}
 * depends on this package and not the other way round (decision 0108).
 *
 * @param <C> the client's type, {@code CodexClient}
 */
public abstract class ClientPlumbing<C> {
    private static volatile Function<Object, ClientPlumbing<?>> accessor;

    protected ClientPlumbing() {
    }

    /** The plumbing of {@code client}, a {@code CodexClient}; the same object on every call. */
    @SuppressWarnings("unchecked")      // install's accessor hands out the plumbing of the type it checks
    public static <C> ClientPlumbing<C> of(C client) {
        Objects.requireNonNull(client, "client");
        return (ClientPlumbing<C>) accessor.apply(client);
    }

    /** Called once, by {@code CodexClient}'s static initializer, for clients of {@code type}; a second call fails. */
    public static synchronized <C> void install(Class<C> type, Function<C, ClientPlumbing<C>> access) {
        if (accessor != null) {
            throw new IllegalStateException("the client plumbing accessor is already installed");
        }
        Objects.requireNonNull(access, "access");
        accessor = client -> access.apply(type.cast(client));
    }

    /**
     * Routes {@code threadId}'s messages, server requests included, to {@code inbox} from now on.
     * One inbox per thread (a second one is an {@link IllegalStateException}); closing the handle
     * detaches it.
     */
    public abstract AutoCloseable attach(String threadId, ThreadInbox inbox);

    /** Whether an inbox is attached to {@code threadId} on this connection (a session follows it). */
    public abstract boolean attached(String threadId);

    /**
     * Routes the messages that belong to no thread (rate limits, login, MCP server status, the
     * auth-token refresh request) to {@code inbox}: for a connection that serves one session.
     */
    public abstract AutoCloseable attachUnscoped(ThreadInbox inbox);

    /**
     * Takes one of the connection's thread places before a thread is opened on it; close the
     * handle when the thread leaves. Throws a {@link CodexException} when all
     * {@link dev.codexbridge.client.CodexClient#maxThreads()} are taken, so a host can open a further connection instead.
     */
    public abstract AutoCloseable reserveThread();

    /**
     * A request whose answer is handed to {@code onAnswer} on the reader thread, before any message
     * that follows it on the wire: a turn's {@code turn/start} answer then reaches the turn's inbox
     * ahead of the turn's first notification. {@code onAnswer} must not block.
     */
    public abstract void requestInOrder(String method, Object params, Duration timeout, BiConsumer<JsonNode, Throwable> onAnswer);

    /**
     * A request as {@link dev.codexbridge.client.CodexClient#requestAsync(String, Object, Class, Duration)} sends it, but
     * completing where the library's own futures do (the callback pool), not on the host pool: for
     * the library's own steps, which must not wait for host code.
     */
    public abstract <R> CompletableFuture<R> request(String method, Object params, Class<R> resultType, Duration timeout);

    /** {@link dev.codexbridge.client.CodexClient#whenReady()}, completing on the library's threads rather than the host pool. */
    public abstract CompletableFuture<C> whenReady();

    /**
     * Whether {@code client} is done for good: not open, and closed or its reconnects given up. A
     * client that is reconnecting is not: its sessions' threads and turns wait for it.
     */
    public static <C> boolean closedForGood(C client) {
        ClientPlumbing<C> plumbing = of(client);
        return !plumbing.isOpen() && plumbing.closedFuture().isDone();
    }

    /** {@link dev.codexbridge.client.CodexClient#isOpen()}. */
    public abstract boolean isOpen();

    /** {@link dev.codexbridge.client.CodexClient#closedFuture()}, completing on the library's threads rather than the host pool. */
    public abstract CompletableFuture<ConnectionClosedException> closedFuture();

    /**
     * Runs {@code resume} after each reconnect, at most
     * {@link dev.codexbridge.client.ReconnectPolicy#concurrentResumes} at a time: how a session
     * reopens its thread on the new connection. Close the handle to stop.
     */
    public AutoCloseable onReconnect(Function<C, CompletionStage<?>> resume) {
        return onReconnect(resume, () -> false);
    }

    /**
     * {@link #onReconnect(Function)}; {@code waiting} says, as the resumes are ordered, whether a
     * turn waits for this resume (its re-attach window runs): those go first.
     */
    public abstract AutoCloseable onReconnect(Function<C, CompletionStage<?>> resume, BooleanSupplier waiting);

    /**
     * Runs {@code send} as the library's own recovery after a reconnect (a thread that was open
     * when its connection ended resumed, each of its tries; a fresh thread in place of one codex
     * never wrote down): the thread loads it sends pass the connection's window ahead of
     * everyone else's and are never refused there, as a reconnect's resumes are. The session the
     * recovery is for waits for it; refusing it would refuse the host for work the host never asked.
     */
    public abstract <T> T asRecovery(java.util.function.Supplier<T> send);

    /** The client's telemetry, or null: sessions on it trace their turns with it unless given their own. */
    public abstract TelemetryHooks telemetry();

    /**
     * Whether the app-server this client talks to is reached over a socket (WebSocket, unix
     * socket) and so may outlive a dropped connection; false for a codex process the client
     * started (it dies with its connection) and for a transport the host supplied.
     */
    public abstract boolean serverOutlivesConnection();

    /**
     * Why the connection closed, worth showing to a person (exit code, stderr tail, secrets
     * redacted); {@code context} says when, e.g. "during the turn".
     */
    public abstract CodexException explainClose(String context, ConnectionClosedException cause);

    /**
     * What {@code compute} makes of the lost connection {@code why} (one explanation per lost
     * connection, from {@link #explainClose}), worked out once for every session on this client:
     * the hundreds of turns a crash ends at once read codex's stderr and classify it once. Only the
     * latest loss is kept.
     */
    public abstract <T> T onceForLoss(CodexException why, java.util.function.Supplier<T> compute);

    /** Whether the host closed the client ({@link dev.codexbridge.client.CodexClient#close()}), as opposed to its connection ending. */
    public abstract boolean closedByHost();

    /**
     * Marks the client as one a {@code CodexPool} opened for its endpoint at {@code endpoint} (the
     * pool's URI for it): a session on it then gives the pool's advice when its connection ends,
     * and a conversation store names that endpoint as where the conversation is awake.
     */
    public abstract void markPooled(String endpoint);

    /** Whether {@link #markPooled} was called. */
    public boolean pooled() {
        return pooledAt() != null;
    }

    /** The endpoint {@link #markPooled} named, or null. */
    public abstract String pooledAt();

    /**
     * Marks the client as one {@code CodexTenants} opened for a tenant: a session on it then gives
     * the tenants' advice when codex exits (the tenant's next session resumes the thread).
     */
    public abstract void markTenant();

    /** Whether {@link #markTenant()} was called. */
    public abstract boolean tenant();
}
