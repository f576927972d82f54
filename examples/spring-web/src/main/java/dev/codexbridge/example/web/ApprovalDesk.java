package dev.codexbridge.example.web;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The application's {@link ApprovalHandler} bean, which the starter puts into every session's
 * approval policy: codex's request goes to the page of the conversation whose thread asks, as an
 * {@code approval} event, and waits there; the page's button completes the future, which is the
 * library's answer to codex. A request codex withdraws (its turn ended) leaves the page too.
 */
@Component
class ApprovalDesk implements ApprovalHandler {
    private final Map<String, EventStream> pagesByThread = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ApprovalDecision>> waiting = new ConcurrentHashMap<>();

    /** Approvals of codex thread {@code threadId} go to {@code page}. */
    void route(String threadId, EventStream page) {
        pagesByThread.put(threadId, page);
    }

    @Override
    public CompletionStage<ApprovalDecision> decide(ApprovalRequest request) {
        EventStream page = pagesByThread.get(request.threadId());
        if (page == null) {
            return CompletableFuture.completedFuture(ApprovalDecision.deny("no page shows thread " + request.threadId()));
        }
        String id = UUID.randomUUID().toString();
        CompletableFuture<ApprovalDecision> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        answer.whenComplete((decision, failure) -> {
            waiting.remove(id);
            if (failure instanceof CancellationException) {
                page.publish("approvalWithdrawn", Map.of("approvalId", id));
            } else if (decision != null) {
                page.publish("approvalAnswered", Map.of("approvalId", id, "choice", decision.choice().name()));
            }
        });
        page.publish("approval", describe(id, request));
        return answer;
    }

    /** The person's answer; empty when no such approval waits (answered already or withdrawn). */
    Optional<ApprovalDecision> answer(String approvalId, boolean approve) {
        CompletableFuture<ApprovalDecision> answer = waiting.get(approvalId);
        if (answer == null) {
            return Optional.empty();
        }
        ApprovalDecision decision = approve ? ApprovalDecision.once() : ApprovalDecision.deny("denied in the web page");
        return answer.complete(decision) ? Optional.of(decision) : Optional.empty();
    }

    private static Map<String, Object> describe(String id, ApprovalRequest request) {
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("approvalId", id);
        shown.put("kind", request.kind().name());
        shown.put("title", request.title());
        shown.put("reason", request.reason() == null ? "" : request.reason());
        shown.put("cwd", request.cwd() == null ? "" : request.cwd());
        return shown;
    }
}
