package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.internal.ServerRequestBridge.Answer;
import dev.codexbridge.protocol.ChatgptAuthTokensRefreshParams;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The table's entry for {@code account/chatgptAuthTokens/refresh}: answered by the policy's
 * {@link ApprovalPolicy#authRefresh()}, refused ({@code -32601}) without one, an error when it fails.
 */
final class AuthTokenRefresh {
    private AuthTokenRefresh() {
    }

    static RequestEntry<ChatgptAuthTokensRefreshParams> entry(ApprovalPolicy policy) {
        return RequestEntry.answered(ServerRequests.ACCOUNT_CHATGPT_AUTH_TOKENS_REFRESH, p -> refresh(p, policy));
    }

    private static CompletableFuture<Answer> refresh(ChatgptAuthTokensRefreshParams p, ApprovalPolicy policy) {
        if (policy.authRefresh() == null) {
            return CompletableFuture.completedFuture(RequestEntry.error(RpcError.METHOD_NOT_FOUND,
                    "this host cannot refresh ChatGPT tokens (no auth refresh handler)"));
        }
        // host code, which may block: on the host pool
        return CompletableFuture.supplyAsync(() -> policy.authRefresh().apply(p), RpcThreads.host())
                .thenCompose(CompletionStage::toCompletableFuture)
                .thenApply(result -> result == null ? RequestEntry.error(RpcError.INTERNAL_ERROR, "token refresh returned nothing")
                        : new Answer(result, null, null, null))
                .exceptionally(e -> RequestEntry.error(RpcError.INTERNAL_ERROR, "token refresh failed"));
    }
}
