package dev.codexbridge.client;

import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers the server requests no thread's inbox takes (requests without a thread, or for a
 * thread no session attached). Runs on a shared pool; the stage's value is the result (a protocol
 * record or JSON), and a stage failed with {@link RpcException} becomes that error answer.
 */
@FunctionalInterface
public interface ServerRequestHandler {
    CompletionStage<?> handle(CodexEvent.ServerRequest request);

    /** Fail closed: every request is refused with an error, which codex treats as a denial. */
    ServerRequestHandler REFUSE = request -> CompletableFuture.failedFuture(new RpcException(request.method(),
            new RpcError(RpcError.METHOD_NOT_FOUND, "no handler for " + request.method()
                    + (request.threadId() == null ? "" : " on thread " + request.threadId()))));
}
