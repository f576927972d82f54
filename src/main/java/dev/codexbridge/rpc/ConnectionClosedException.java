package dev.codexbridge.rpc;

import dev.codexbridge.CodexException;

/**
 * The connection is gone (end of stream, write failure, or closed by the client). Every pending
 * request fails with this at once; nothing waits out its timeout.
 */
public class ConnectionClosedException extends CodexException {
    private static final long serialVersionUID = 1L;

    public ConnectionClosedException(String message) {
        super(message);
    }

    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
