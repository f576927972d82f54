package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What kind of failure a turn met, with the one-line remedy a host can show. The remedy here is
 * the one for a session with a codex of its own; {@link TurnFailure#remediation()} carries the one
 * true for the session's shape (its own codex, a running app-server, a shared client, a pool).
 */
public enum ErrorCategory {
    AUTHENTICATION("authentication", "Run `codex login` to sign in again, then retry."),
    MODEL_UNAVAILABLE("modelUnavailable", "Choose another model; this one is not available for this account."),
    CONTEXT_WINDOW("contextWindow", "Start a new thread or compact this one; the conversation no longer fits the model's context window."),
    USAGE_LIMIT("usageLimit", "Wait for the usage or rate limit to reset, or use another account or model."),
    SANDBOX("sandbox", "Check the sandbox setup (bubblewrap on Linux) or choose another sandbox mode."),
    PROCESS_DIED("processDied", "codex exited; the session starts a fresh codex and resumes the thread on the next turn."),
    TIMEOUT("timeout", "The turn ran out of time; raise the turn or idle timeout, or split the task."),
    PROTOCOL("protocol", "codex rejected a request; check the options passed (the message has codex's reason)."),
    /**
     * Codex refused a setting the host chose: a value in {@link ThreadOptions} (its
     * {@code extraParams} included), {@link TurnOptions}, or the {@code config.toml} codex read.
     * The message has codex's own words; the session is not retired.
     */
    SETTINGS_REJECTED("settingsRejected", "codex refused a setting (the message has codex's own words); correct it and run the turn "
            + "again: TurnOptions on this session, config.toml is read again by the next turn, ThreadOptions in a new session. "
            + "This session is not retired."),
    /** The host closed the client (or the session) the turn ran on; nothing reconnects it. */
    CLOSED_BY_HOST("closedByHost", "The host closed the session or its client; it runs no more turns. To go on with the thread, "
            + "build a session on an open client with resumeThread(threadId)."),
    /**
     * A shared client's connection is gone for good: the client has no reconnect policy, or every
     * reconnect failed.
     */
    CONNECTION_CLOSED("connectionClosed", "The shared codex connection is gone for good (no ReconnectPolicy, or every reconnect "
            + "failed); open a new CodexClient and build a session on it with resumeThread(threadId)."),
    OVERFLOW("overflow", "The host fell behind this turn's events on a shared connection; keep listeners from blocking, or raise the session's inbox limit."),
    STRUCTURED_OUTPUT("structuredOutput", "The final answer did not follow the output schema; retry, or loosen the schema or the instructions."),
    CAPACITY("capacity", "codex was busy (loading other threads, and this one's wait for the connection's window ran out; or "
            + "answering \"overloaded\" to every try) and nothing ran: retry after a moment, or spread the work "
            + "(CodexClient.Builder.threadOpens)."),
    /**
     * With a store that keeps each turn: codex ran the turn (to its end, or until it was interrupted
     * as the lease went), but this host lost the conversation's lease before the turn was stored
     * (decision 0082), so the conversation goes on from the store without it, on every host; a
     * door no longer resumes a thread never stored from codex's own copy once its first turn ended
     * so (decision 0143).
     */
    NOT_KEPT("notKept", "This host lost the conversation's lease before the turn was stored; the conversation goes on from "
            + "the store without it: open the conversation again and send the message again (after a first turn, in a new "
            + "conversation: nothing of it was kept)."),
    OTHER("other", "See the message from codex.");

    private final String wire;
    private final String remediation;

    ErrorCategory(String wire, String remediation) {
        this.wire = wire;
        this.remediation = remediation;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public String remediation() {
        return remediation;
    }
}
