package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import static dev.codexbridge.approval.internal.ParamText.blankToNull;
import static dev.codexbridge.approval.internal.ParamText.orElse;

import dev.codexbridge.protocol.ApplyPatchApprovalParams;
import dev.codexbridge.protocol.ApplyPatchApprovalResponse;
import dev.codexbridge.protocol.ExecCommandApprovalParams;
import dev.codexbridge.protocol.ExecCommandApprovalResponse;
import dev.codexbridge.protocol.ReviewDecision;
import dev.codexbridge.protocol.ServerRequests;
import java.util.List;

/**
 * The table's entries for the legacy {@code execCommandApproval} and {@code applyPatchApproval}:
 * codex 0.169 no longer starts the turns that send them, but they are answered all the same.
 */
final class LegacyApprovals {
    private LegacyApprovals() {
    }

    static RequestEntry<ExecCommandApprovalParams> execCommand(ApprovalDecider decider, String sessionCwd) {
        return RequestEntry.approval(ServerRequests.EXEC_COMMAND_APPROVAL, decider, p -> describe(p, sessionCwd),
                (p, d) -> new ExecCommandApprovalResponse(decision(d)));
    }

    static RequestEntry<ApplyPatchApprovalParams> applyPatch(ApprovalDecider decider, String sessionCwd) {
        return RequestEntry.approval(ServerRequests.APPLY_PATCH_APPROVAL, decider, p -> describe(p, sessionCwd),
                (p, d) -> new ApplyPatchApprovalResponse(decision(d)));
    }

    private static ApprovalRequest describe(ExecCommandApprovalParams p, String sessionCwd) {
        String command = p.command() == null ? null : String.join(" ", p.command());
        String title = command == null ? "command" : command;
        return new ApprovalRequest(ApprovalKind.LEGACY_COMMAND, ServerRequests.EXEC_COMMAND_APPROVAL.method(),
                blankToNull(p.conversationId()), null, blankToNull(p.callId()), title, title, command,
                orElse(p.cwd(), sessionCwd), blankToNull(p.reason()), null, null, List.of(), p);
    }

    private static ApprovalRequest describe(ApplyPatchApprovalParams p, String sessionCwd) {
        String title = "apply_patch: " + (p.fileChanges() == null ? 0 : p.fileChanges().size()) + " file(s)";
        return new ApprovalRequest(ApprovalKind.LEGACY_PATCH, ServerRequests.APPLY_PATCH_APPROVAL.method(),
                blankToNull(p.conversationId()), null, blankToNull(p.callId()), title, title, null, sessionCwd,
                blankToNull(p.reason()), null, null, List.of(), p);
    }

    private static ReviewDecision decision(ApprovalDecision d) {
        return switch (d.choice()) {
            case ONCE -> ReviewDecision.APPROVED;
            case SESSION, ALWAYS -> ReviewDecision.APPROVED_FOR_SESSION;
            case DENY -> new ReviewDecision.Denied(new ReviewDecision.Denied.DeniedValue(
                    d.note() == null ? "denied by the host" : d.note()));
            case CANCEL -> ReviewDecision.ABORT;
        };
    }
}
