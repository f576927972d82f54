package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.internal.ServerRequestBridge.Answer;
import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.rpc.RpcError;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One row of the bridge's {@link RequestTable}: a server request codex can send, how it is shown
 * to the host and how it is answered. The params an entry's functions get are already of the
 * method's generated params type.
 *
 * @param method the request method, with its generated params and response types
 * @param describer the request as the host is asked; null for requests that are not approvals
 * @param answerer the answer; a thrown exception or a failed future is answered with an error by the bridge
 */
record RequestEntry<P>(
        RequestMethod<P, ?> method,
        Function<P, ApprovalRequest> describer,
        Function<P, CompletableFuture<Answer>> answerer) {

    RequestEntry {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(answerer, "answerer");
    }

    /**
     * An approval: shown to the host as {@code describer} says, decided by {@code decider}, and
     * answered with the method's own response type ({@code respond} cannot return anything else).
     */
    static <P, R> RequestEntry<P> approval(RequestMethod<P, R> method, ApprovalDecider decider,
            Function<P, ApprovalRequest> describer, BiFunction<P, ApprovalDecision, R> respond) {
        return new RequestEntry<>(method, describer, p -> decider.decide(describer.apply(p), d -> respond.apply(p, d)));
    }

    /** A request answered without asking the host anything (a tool call, a token refresh). */
    static <P> RequestEntry<P> answered(RequestMethod<P, ?> method, Function<P, CompletableFuture<Answer>> answerer) {
        return new RequestEntry<>(method, null, answerer);
    }

    /** A request no host of the bridge can answer: always {@code -32601}, so codex does not wait. */
    static <P> RequestEntry<P> unsupported(RequestMethod<P, ?> method) {
        return answered(method, p -> CompletableFuture.completedFuture(unsupportedMethod(method.method())));
    }

    /** Whether {@code params} decoded to this method's params type (not to {@code Unknown}). */
    boolean fits(ServerRequestParams params) {
        return method.paramsType().isInstance(params);
    }

    /** The request as the host is asked, or null; {@code params} must {@link #fits fit}. */
    ApprovalRequest describe(ServerRequestParams params) {
        return describer == null ? null : describer.apply(method.paramsType().cast(params));
    }

    /** The answer; {@code params} must {@link #fits fit}. */
    CompletableFuture<Answer> answer(ServerRequestParams params) {
        return answerer.apply(method.paramsType().cast(params));
    }

    static Answer error(int code, String message) {
        return new Answer(null, new RpcError(code, message), null, null);
    }

    static Answer unsupportedMethod(String method) {
        return error(RpcError.METHOD_NOT_FOUND, "Unsupported method: " + method);
    }
}
