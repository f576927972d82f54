package dev.codexbridge.readme;

// docs/session.md#typed-params:BEGIN
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalParams;

/** What a host shows for a request: the flat fields, or what only the typed request carries. */
final class ApprovalText {
    static String describe(ApprovalRequest request) {
        if (request.params() instanceof CommandExecutionRequestApprovalParams p && p.networkApprovalContext() != null) {
            return "network access to " + p.networkApprovalContext().host();   // a managed-network approval
        }
        return request.title();
    }
}
// docs/session.md#typed-params:END
