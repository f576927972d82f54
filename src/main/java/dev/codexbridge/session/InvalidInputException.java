package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;

/**
 * Input refused before anything is sent, because codex would refuse it or could not read it: an
 * empty turn, text holding a lone UTF-16 surrogate (codex cannot parse the line and never
 * answers), or more text than codex takes in one turn ({@link TurnInput#MAX_TEXT_CODE_POINTS}).
 * Nothing reached codex or the model: safe to correct and send again.
 */
public final class InvalidInputException extends CodexException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message, FailureKind.INVALID_INPUT);
    }
}
