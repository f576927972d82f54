package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonValue;

/** What kind of failure a turn met, with the one-line remedy a host can show. */
public enum ErrorCategory {
    AUTHENTICATION("authentication", "Run `codex login` to sign in again, then retry."),
    MODEL_UNAVAILABLE("modelUnavailable", "Choose another model; this one is not available for this account."),
    CONTEXT_WINDOW("contextWindow", "Start a new thread or compact this one; the conversation no longer fits the model's context window."),
    USAGE_LIMIT("usageLimit", "Wait for the usage or rate limit to reset, or use another account or model."),
    SANDBOX("sandbox", "Check the sandbox setup (bubblewrap on Linux) or choose another sandbox mode."),
    PROCESS_DIED("processDied", "codex exited; the session starts a fresh codex and resumes the thread on the next turn."),
    TIMEOUT("timeout", "The turn ran out of time; raise the turn or idle timeout, or split the task."),
    PROTOCOL("protocol", "codex rejected a request; check the options passed (the message has codex's reason)."),
    OVERFLOW("overflow", "The host fell behind this turn's events on a shared connection; keep listeners from blocking, or raise the session's inbox limit."),
    STRUCTURED_OUTPUT("structuredOutput", "The final answer did not follow the output schema; retry, or loosen the schema or the instructions."),
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
