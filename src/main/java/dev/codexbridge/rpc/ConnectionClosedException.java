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

    /** Whether this fails a request that was never written to the connection (see {@link #notSent}). */
    private boolean requestNotSent;

    /**
     * The failure of a request that was never written because the connection had closed first
     * ({@code why}, whose message it keeps): codex cannot have received it, so sending it again
     * duplicates nothing.
     */
    public static ConnectionClosedException notSent(ConnectionClosedException why) {
        ConnectionClosedException e = new ConnectionClosedException(why.getMessage(), why);
        e.requestNotSent = true;
        return e;
    }

    /** True when the request this fails was never written: codex did not receive it. */
    public boolean requestNotSent() {
        return requestNotSent;
    }
}
