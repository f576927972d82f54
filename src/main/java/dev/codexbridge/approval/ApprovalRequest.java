package dev.codexbridge.approval;

import dev.codexbridge.protocol.ServerRequestParams;
import java.util.List;

/**
 * A server request as shown to the host, enriched: a one-line {@code title} (the command, or
 * {@code apply_patch: 1 add, 1 update: a.py, b.py}), a {@code description} to put in a prompt,
 * the cwd (falling back to the session's), and the typed params for anything else
 * ({@code request.params() instanceof CommandExecutionRequestApprovalParams p}, …).
 */
public record ApprovalRequest(
        ApprovalKind kind,
        String method,
        String threadId,
        String turnId,
        String itemId,
        String title,
        String description,
        String command,
        String cwd,
        String reason,
        String serverName,
        String toolName,
        List<String> choicesOffered,
        ServerRequestParams params) {

    public ApprovalRequest {
        choicesOffered = choicesOffered == null ? List.of() : List.copyOf(choicesOffered);
    }
}
