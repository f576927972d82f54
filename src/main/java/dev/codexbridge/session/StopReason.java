package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why a turn stopped: codex finished, the step budget ran out, someone interrupted, a deadline, an error. */
public enum StopReason {
    NATURAL("natural"), STEP_BUDGET("stepBudget"), INTERRUPT("interrupt"), TIMEOUT("timeout"), ERROR("error");

    private final String wire;

    StopReason(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
