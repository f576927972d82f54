package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.client.internal.ThreadInbox;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** One client's {@link ClientPlumbing}: its parts, reached on behalf of the session package. */
final class SessionPlumbing extends ClientPlumbing {
    private final ClientConnection connection;
    private final ThreadPlaces places;

    SessionPlumbing(ClientConnection connection, ThreadPlaces places) {
        this.connection = connection;
        this.places = places;
    }

    @Override
    public AutoCloseable attach(String threadId, ThreadInbox inbox) {
        return connection.events().attach(threadId, inbox);
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
        connection.peer().requestInOrder(method, params, timeout, onAnswer);
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
    public AutoCloseable onReconnect(Function<CodexClient, CompletionStage<?>> resume) {
        return connection.reconnector().onReconnect(resume);
    }

    @Override
    public ReconnectPolicy reconnectPolicy() {
        return connection.reconnector().policy();
    }

    @Override
    public boolean serverOutlivesConnection() {
        return connection.reachesRunningServer();
    }

    @Override
    public CodexException explainClose(String context, ConnectionClosedException cause) {
        return connection.explainClose(context, cause);
    }
}
