package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a turn ended. */
public enum TurnOutcome {
    COMPLETED("completed"), INTERRUPTED("interrupted"), FAILED("failed"), TIMED_OUT("timedOut");

    private final String wire;

    TurnOutcome(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
