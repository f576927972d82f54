package dev.codexbridge.approval;

import dev.codexbridge.protocol.ServerRequestParams;
import java.util.List;

/**
 * A server request as shown to the host, enriched: a one-line {@code title} (the command, or
 * {@code apply_patch: 1 add, 1 update: a.py, b.py}), a {@code description} to put in a prompt,
 * the cwd (falling back to the session's), and the typed params for anything else
 * ({@code request.params() instanceof CommandExecutionRequestApprovalParams p}, …).
 * {@code choicesOffered} is what codex offers, in codex's words: a command's
 * {@code availableDecisions} ({@code accept}, {@code acceptWithExecpolicyAmendment}, …); for an MCP tool call
 * {@code once} followed by its {@code _meta.persist} options ({@code session}, {@code always});
 * empty where codex offers no list.
 *
 * @param persistentRule what an {@link ApprovalChoice#ALWAYS} answer to this request makes codex
 *     write into its home for every later session, or null when it writes nothing: codex offered no
 *     such rule, or the policy gives ALWAYS as SESSION ({@link ApprovalPolicy#alwaysMeansSession()},
 *     the default)
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
        ServerRequestParams params,
        PersistentRule persistentRule) {

    public ApprovalRequest {
        choicesOffered = choicesOffered == null ? List.of() : List.copyOf(choicesOffered);
    }

    /** A request whose ALWAYS answer writes no rule. */
    public ApprovalRequest(ApprovalKind kind, String method, String threadId, String turnId, String itemId, String title,
            String description, String command, String cwd, String reason, String serverName, String toolName,
            List<String> choicesOffered, ServerRequestParams params) {
        this(kind, method, threadId, turnId, itemId, title, description, command, cwd, reason, serverName, toolName,
                choicesOffered, params, null);
    }
}
