package dev.codexbridge.pool;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;

/**
 * The pool cannot place or resume a session: no healthy endpoint has room, or a thread's
 * endpoint is gone and the endpoints do not share {@code CODEX_HOME}. The message lists the
 * endpoints and their state; it never carries credentials.
 */
public class PoolException extends CodexException {
    private static final long serialVersionUID = 1L;

    /** A refusal of kind {@link FailureKind#CODEX_UNAVAILABLE}: the endpoints cannot serve it now. */
    public PoolException(String message) {
        super(message, FailureKind.CODEX_UNAVAILABLE);
    }

    public PoolException(String message, Throwable cause) {
        super(message, cause, FailureKind.CODEX_UNAVAILABLE);
    }

    public PoolException(String message, FailureKind kind) {
        super(message, kind);
    }
}
