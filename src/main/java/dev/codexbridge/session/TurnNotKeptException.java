package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;

/**
 * A turn codex completed that its session can never store: the conversation's lease was lost before
 * the turn's store succeeded (decision 0082). The store fences this host's writes from then on, and
 * another host may already run the conversation from the store's copy, which lacks the turn. The
 * turn's result is {@link TurnOutcome#FAILED} with this message, never completed.
 */
final class TurnNotKeptException extends CodexException {
    private static final long serialVersionUID = 1L;

    TurnNotKeptException(String turnId, CodexException why) {
        super("codex completed turn " + turnId + " here, but this host lost the conversation's lease before the turn could be "
                + "stored (" + why.getMessage() + "): the conversation goes on from the store without this turn; "
                + "open the conversation again", why, FailureKind.OTHER);
    }
}
