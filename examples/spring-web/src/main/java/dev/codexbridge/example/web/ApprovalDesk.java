package dev.codexbridge.example.web;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The application's {@link ApprovalHandler} bean, which the starter puts into every session's
 * approval policy: codex's request waits here, under its item id, until the page's button answers
 * it; the completed future is the library's answer to codex. The page learns of the request from
 * its turn's stream ({@code approvalRequested}, whose {@code approvalId} is the item id), and of
 * its answer or withdrawal the same way. Unanswered, the starter's deadline
 * ({@code codex-bridge.approval.deadline}) denies it.
 */
@Component
class ApprovalDesk implements ApprovalHandler {
    private final Map<String, CompletableFuture<ApprovalDecision>> waiting = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<ApprovalDecision> decide(ApprovalRequest request) {
        if (request.itemId() == null) {
            return CompletableFuture.completedFuture(ApprovalDecision.deny("this page answers requests about an item only"));
        }
        CompletableFuture<ApprovalDecision> answer = new CompletableFuture<>();
        waiting.put(request.itemId(), answer);
        answer.whenComplete((decision, failure) -> waiting.remove(request.itemId(), answer));
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
}
