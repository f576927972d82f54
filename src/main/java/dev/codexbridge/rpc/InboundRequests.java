package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.internal.Futures;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The requests the other side sends a {@link JsonRpcPeer}: each is taken once (a repeated id is
 * dropped), served through the handler table when asked, and answered exactly once, with a result
 * or an error; an answer to an id already answered, never received or after the close is not written.
 */
final class InboundRequests {
    private static final Logger LOG = SafeLogger.getLogger(JsonRpcPeer.class);

    private final String name;
    private final Map<String, RequestHandler> handlers;
    private final PeerWriter writer;
    /** The requests read and not answered yet: id to method. */
    private final ConcurrentHashMap<JsonRpcId, String> unanswered = new ConcurrentHashMap<>();

    InboundRequests(String name, Map<String, RequestHandler> handlers, PeerWriter writer) {
        this.name = name;
        this.handlers = Map.copyOf(handlers);
        this.writer = writer;
    }

    /** Takes a request read: false, and it is dropped, when its id is one still unanswered. */
    boolean received(JsonRpcMessage.Request r) {
        if (unanswered.putIfAbsent(r.id(), r.method()) != null) {
            LOG.warn("[{}] duplicate inbound request id {} ({}) ignored", name, r.id(), r.method());
            return false;
        }
        return true;
    }

    /** See {@link JsonRpcPeer#serve}. */
    void serve(JsonRpcMessage.Request request) {
        RequestHandler handler = handlers.get(request.method());
        if (handler == null) {
            respondError(request.id(), new RpcError(RpcError.METHOD_NOT_FOUND, "Unsupported method: " + request.method()));
            return;
        }
        CompletionStage<?> stage;
        try {
            stage = handler.handle(request);
            if (stage == null) {
                stage = CompletableFuture.completedFuture(null);
            }
        } catch (Throwable t) {
            answerFailure(request, t);
            return;
        }
        stage.whenComplete((result, failure) -> {
            if (failure != null) {
                answerFailure(request, failure);
            } else {
                respond(request.id(), result);
            }
        });
    }

    /** See {@link JsonRpcPeer#respond}. */
    boolean respond(JsonRpcId id, @Nullable Object result) {
        JsonNode node = result == null ? Json.object() : result instanceof JsonNode j ? j : Json.tree(result);
        return answer(id, new JsonRpcMessage.Response(id, node));
    }

    /** See {@link JsonRpcPeer#respondError}. */
    boolean respondError(JsonRpcId id, RpcError error) {
        return answer(id, new JsonRpcMessage.ErrorResponse(id, error));
    }

    /** Forgets every unanswered request (the connection closed: none can be answered any more). */
    void clear() {
        unanswered.clear();
    }

    int unanswered() {
        return unanswered.size();
    }

    private boolean answer(JsonRpcId id, JsonRpcMessage message) {
        String method = unanswered.remove(id);
        if (method == null) {
            LOG.warn("[{}] not answering request {} again: already answered or never received", name, id);
            return false;
        }
        try {
            writer.write(message);
            return true;
        } catch (ConnectionClosedException e) {
            LOG.debug("[{}] could not answer {} {}: {}", name, method, id, e.getMessage());
            return false;
        }
    }

    private void answerFailure(JsonRpcMessage.Request request, Throwable failure) {
        Throwable cause = Futures.unwrap(failure);
        if (cause instanceof RpcException rpc) {
            respondError(request.id(), rpc.error());
            return;
        }
        LOG.warn("[{}] handler for {} failed", name, request.method(), cause);
        respondError(request.id(), new RpcError(RpcError.INTERNAL_ERROR,
                "handler for " + request.method() + " failed: " + cause.getClass().getSimpleName()));
    }
}
