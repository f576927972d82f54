package dev.codexbridge.session.internal.custody;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;

/**
 * A turn codex completed that its session can never store: the conversation's lease was lost before
 * the turn's store succeeded (decision 0082), or the app-server it ran on lost its copy of the
 * thread first and was given the store's, which lacks the turn (decision 0091). Either way the
 * conversation goes on from the store without it, so the turn's result is
 * {@link dev.codexbridge.session.TurnOutcome#FAILED} with this message, never completed.
 */
public final class TurnNotKeptException extends CodexException {
    private static final long serialVersionUID = 1L;

    public TurnNotKeptException(String turnId, CodexException why) {
        super("codex completed turn " + turnId + " here, but this host lost the conversation's lease before the turn could be "
                + "stored (" + why.getMessage() + "): the conversation goes on from the store without this turn; "
                + "open the conversation again", why, FailureKind.OTHER);
    }

    private TurnNotKeptException(String message) {
        super(message, FailureKind.OTHER);
    }

    /** Turn {@code turnId} ran on an app-server whose copy of the thread was since replaced by the store's older one. */
    public static TurnNotKeptException copyReplaced(String turnId, String threadId) {
        return new TurnNotKeptException("codex completed turn " + turnId + ", but the app-server it ran on lost thread " + threadId
                + " before the turn could be stored, and was given the store's copy, which does not hold it: the conversation "
                + "goes on from the store without this turn; send it again");
    }
}
