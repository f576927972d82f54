package dev.codexbridge.transport;

import dev.codexbridge.CodexException;

/**
 * Reaching a running app-server failed or the connection to it was lost: refused, unreachable,
 * not a WebSocket endpoint, dropped mid-conversation. Messages name the endpoint and never carry
 * a credential.
 */
public class TransportException extends CodexException {
    private static final long serialVersionUID = 1L;

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
