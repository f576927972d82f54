package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a turn ended. The first four are codex's own record of the turn (or the library's deadline
 * that codex confirmed); the last two say what the library could establish when it did not see
 * the end itself (decision 0032):
 *
 * <ul>
 *   <li>{@link #NOT_RECEIVED}: codex's record holds no turn with this turn's key, read on a working
 *       connection after the start's answer was lost (or the turn was never sent): nothing ran,
 *       and sending the same input again does not duplicate work;
 *   <li>{@link #UNKNOWN}: the connection to codex did not come back within the re-attach window,
 *       so codex's record could not be read; codex may have run the turn to its end. Read it
 *       later with {@link CodexSession#findTurn} before sending the input again.
 * </ul>
 */
public enum TurnOutcome {
    COMPLETED("completed"), INTERRUPTED("interrupted"), FAILED("failed"), TIMED_OUT("timedOut"),
    NOT_RECEIVED("notReceived"), UNKNOWN("unknown");

    private final String wire;

    TurnOutcome(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** Whether sending the turn's input again cannot duplicate work codex did: only {@link #NOT_RECEIVED}. */
    public boolean safeToSendAgain() {
        return this == NOT_RECEIVED;
    }
}
