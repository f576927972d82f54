package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The codex request an {@code input-required} task waits on: its id, the request, and the answer
 * codex waits for; and what the caller is told of it ({@link InputRequests}).
 */
record PendingRequest(String requestId, ApprovalRequest request, CompletableFuture<ApprovalDecision> answer) {

    PendingRequest(String requestId, ApprovalRequest request) {
        this(requestId, request, new CompletableFuture<>());
    }

    /** Declined when {@code deadline} passes (fail-closed); {@code settled} hears the request's id once it is answered any way. */
    void settleBy(Duration deadline, Consumer<String> settled) {
        answer.completeOnTimeout(ApprovalDecision.deny("no answer within " + deadline), deadline.toMillis(), TimeUnit.MILLISECONDS);
        answer.whenComplete((d, e) -> settled.accept(requestId));
    }

    /** The status message that asks the caller: a prompt, and the request described for a client that reads data. */
    ObjectNode asking(String taskId, String contextId) {
        return A2aWire.agentMessage(taskId, contextId, A2aWire.textPart(InputRequests.prompt(request)),
                A2aWire.dataPart(InputRequests.describe(requestId, request)));
    }

    /** The status message for a caller's {@code message} that answers nothing: which answers are understood, and the request again. */
    ObjectNode notUnderstood(String taskId, String contextId, JsonNode message) {
        return A2aWire.agentMessage(taskId, contextId, A2aWire.textPart(InputRequests.notUnderstood(A2aWire.texts(message))),
                A2aWire.dataPart(InputRequests.describe(requestId, request)));
    }
}
