package dev.codexbridge.approval;

/** What codex is asking the host. */
public enum ApprovalKind {
    /** {@code item/commandExecution/requestApproval}. */
    COMMAND,
    /** {@code item/fileChange/requestApproval}. */
    FILE_CHANGE,
    /** {@code item/permissions/requestApproval}: extra file system or network access. */
    PERMISSIONS,
    /**
     * {@code mcpServer/elicitation/request} that asks to run an MCP tool ({@code _meta.codex_approval_kind});
     * codex sends it only for calls its rule says need approval (tool annotations, approval mode,
     * approval policy: docs/session.md, "Which MCP tool calls are asked").
     */
    MCP_TOOL_CALL,
    /** {@code mcpServer/elicitation/request} from the MCP server itself (a form or a URL). */
    ELICITATION,
    /** {@code item/tool/requestUserInput}: questions for the user (plan mode). */
    USER_INPUT,
    /** Legacy {@code execCommandApproval}. */
    LEGACY_COMMAND,
    /** Legacy {@code applyPatchApproval}. */
    LEGACY_PATCH
}
