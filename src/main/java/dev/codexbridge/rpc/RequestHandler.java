package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Answers one server-initiated request method. The returned stage completes with the
 * {@code result} (any value Jackson can serialize; null means {@code {}}); completing it
 * exceptionally, or throwing, answers {@code -32603}. A {@link RpcException} thrown or returned
 * is answered with its own code and message.
 */
@FunctionalInterface
public interface RequestHandler {
    CompletionStage<?> handle(JsonRpcMessage.Request request) throws Exception;

    /** A handler that computes its result synchronously from the params. */
    static RequestHandler sync(Function<JsonNode, ?> body) {
        return request -> CompletableFuture.completedFuture(body.apply(request.params()));
    }
}
