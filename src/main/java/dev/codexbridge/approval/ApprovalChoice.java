package dev.codexbridge.approval;

/** The host's answer, in host vocabulary; the bridge maps it to each request's codex decision. */
public enum ApprovalChoice {
    /** Allow this one request. */
    ONCE,
    /**
     * Allow this and matching requests for the rest of the session: codex remembers the approval
     * in memory, for this thread, and writes nothing (a command: the same command again; an MCP
     * tool: its further calls).
     */
    SESSION,
    /**
     * "Don't ask again". By default ({@link ApprovalPolicy#alwaysMeansSession()}) exactly
     * {@link #SESSION}: nothing outlives the session (decision 0019).
     *
     * <p>Only a policy built with {@code alwaysMeansSession(false)} lets ALWAYS take the
     * permanent option codex offers, and then its scope is codex's, not the session's: codex
     * writes the rule shown in {@link ApprovalRequest#persistentRule()} into its home
     * ({@code CODEX_HOME}) — for a command an execpolicy
     * {@code prefix_rule(pattern=[...], decision="allow")} in {@code rules/default.rules}, which
     * also allows the same command with more arguments; for an MCP tool
     * {@code approval_mode = "approve"} in {@code config.toml}, for every call of the tool. Every
     * later session and every other codex process on that home then runs what the rule matches
     * without asking any handler, until someone edits the file. Where codex offers no permanent
     * option (file changes, permissions, a command without an amendment), ALWAYS is SESSION.
     */
    ALWAYS,
    /** Refuse; codex carries on with the turn. */
    DENY,
    /** Refuse and stop the turn. */
    CANCEL;

    public boolean allows() {
        return this == ONCE || this == SESSION || this == ALWAYS;
    }
}
