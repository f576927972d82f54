package dev.codexbridge.rpc;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;

/**
 * The connection is gone (end of stream, write failure, or closed by the client). Every pending
 * request fails with this at once; nothing waits out its timeout.
 */
public class ConnectionClosedException extends CodexException {
    private static final long serialVersionUID = 1L;

    public ConnectionClosedException(String message) {
        super(message, FailureKind.CODEX_UNAVAILABLE);
    }

    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause, FailureKind.CODEX_UNAVAILABLE);
    }
}
