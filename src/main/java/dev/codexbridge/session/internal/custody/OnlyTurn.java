package dev.codexbridge.session.internal.custody;

import java.util.Objects;

/**
 * Whether a turn is all there is of a session's thread (decision 0145): the session started the
 * thread (or a fresh one in place of one codex never wrote), and no turn before it was handed to
 * the store step. Of such a thread, codex's copy where it ran is the only one.
 */
final class OnlyTurn {
    private volatile boolean startedHere;
    /** Turns handed to the store step, and the last of them. */
    private volatile int ended;
    private volatile String lastEnded;

    void started() {
        startedHere = true;
    }

    void ended(String turnId) {
        ended++;
        lastEnded = turnId;
    }

    /** Whether {@code turnId} (null: a turn codex never named) is the thread's only turn: none ended before it, or it alone. */
    boolean is(String turnId) {
        return startedHere && (ended == 0 || ended == 1 && turnId != null && Objects.equals(turnId, lastEnded));
    }
}
