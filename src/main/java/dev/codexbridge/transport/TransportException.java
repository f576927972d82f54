package dev.codexbridge.transport;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;

/**
 * Reaching a running app-server failed or the connection to it was lost: refused, unreachable,
 * not a WebSocket endpoint, dropped mid-conversation. Messages name the endpoint and never carry
 * a credential.
 */
public class TransportException extends CodexException {
    private static final long serialVersionUID = 1L;

    public TransportException(String message) {
        super(message, FailureKind.CODEX_UNAVAILABLE);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause, FailureKind.CODEX_UNAVAILABLE);
    }
}
