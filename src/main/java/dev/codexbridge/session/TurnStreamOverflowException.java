package dev.codexbridge.session;

import dev.codexbridge.CodexException;

/**
 * A turn stream's subscriber fell so far behind that events other than deltas no longer fit
 * ({@link TurnStream}): the subscription ends with this; the turn itself goes on, and its result
 * is on {@link TurnStream#handle()}.
 */
public class TurnStreamOverflowException extends CodexException {
    public TurnStreamOverflowException(String message) {
        super(message);
    }
}
