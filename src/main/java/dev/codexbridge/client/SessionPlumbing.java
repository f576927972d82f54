package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.client.internal.ThreadInbox;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/** One client's {@link ClientPlumbing}: its parts, reached on behalf of the session package. */
final class SessionPlumbing extends ClientPlumbing<CodexClient> {
    private final ClientConnection connection;
    private final ThreadPlaces places;
    private volatile String pooledAt;
    private volatile boolean tenant;

    SessionPlumbing(ClientConnection connection, ThreadPlaces places) {
        this.connection = connection;
        this.places = places;
    }

    @Override
    public <T> T asRecovery(java.util.function.Supplier<T> send) {
        return Reconnector.recovering(send);
    }

    @Override
    public AutoCloseable attach(String threadId, ThreadInbox inbox) {
        return connection.events().attach(threadId, inbox);
    }

    @Override
    public boolean attached(String threadId) {
        return connection.events().attached(threadId);
    }

    @Override
    public AutoCloseable attachUnscoped(ThreadInbox inbox) {
        return connection.events().attachUnscoped(inbox);
    }

    @Override
    public AutoCloseable reserveThread() {
        return places.reserve();
    }

    @Override
    public void requestInOrder(String method, Object params, Duration timeout, BiConsumer<JsonNode, Throwable> onAnswer) {
        connection.requestInOrder(method, params, timeout, onAnswer);
    }

    @Override
    public <R> CompletableFuture<R> request(String method, Object params, Class<R> resultType, Duration timeout) {
        return connection.request(method, params, resultType, timeout);
    }

    @Override
    public CompletableFuture<CodexClient> whenReady() {
        return connection.whenReady();
    }

    @Override
    public CompletableFuture<ConnectionClosedException> closedFuture() {
        return connection.closedFuture();
    }

    @Override
    public AutoCloseable onReconnect(Function<CodexClient, CompletionStage<?>> resume, BooleanSupplier waiting) {
        return connection.reconnector().onReconnect(resume, waiting);
    }

    @Override
    public boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public TelemetryHooks telemetry() {
        return connection.options().telemetry();
    }

    @Override
    public boolean serverOutlivesConnection() {
        return connection.reachesRunningServer();
    }

    @Override
    public CodexException explainClose(String context, ConnectionClosedException cause) {
        return connection.explainClose(context, cause);
    }

    /** The latest lost connection's explanation and what was made of it (see onceForLoss). */
    private record Loss(CodexException why, Object value) {
    }

    private Loss lastLoss;

    @Override
    public synchronized <T> T onceForLoss(CodexException why, java.util.function.Supplier<T> compute) {
        Loss last = lastLoss;
        if (last != null && last.why() == why) {
            @SuppressWarnings("unchecked")
            T known = (T) last.value();
            return known;
        }
        T value = compute.get();
        lastLoss = new Loss(why, value);
        return value;
    }

    @Override
    public boolean closedByHost() {
        return connection.closedByHost();
    }

    @Override
    public void markPooled(String endpoint) {
        pooledAt = endpoint;
    }

    @Override
    public String pooledAt() {
        return pooledAt;
    }

    @Override
    public void markTenant() {
        tenant = true;
    }

    @Override
    public boolean tenant() {
        return tenant;
    }
}
