package dev.codexbridge.approval;

/** The host's answer, in host vocabulary; the bridge maps it to each request's codex decision. */
public enum ApprovalChoice {
    /** Allow this one request. */
    ONCE,
    /** Allow this and matching requests for the rest of the session. */
    SESSION,
    /** Allow permanently where codex offers it (execpolicy amendment, MCP persist "always"), else for the session. */
    ALWAYS,
    /** Refuse; codex carries on with the turn. */
    DENY,
    /** Refuse and stop the turn. */
    CANCEL;

    public boolean allows() {
        return this == ONCE || this == SESSION || this == ALWAYS;
    }
}
