package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a turn ended. */
public enum TurnStatus {
    COMPLETED("completed"), INTERRUPTED("interrupted"), FAILED("failed"), TIMED_OUT("timedOut");

    private final String wire;

    TurnStatus(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
