package dev.codexbridge.rpc;

import dev.codexbridge.CodexException;
import java.time.Duration;

/** A request got no response within its deadline; its pending entry is already gone. */
public class RpcTimeoutException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final Duration timeout;

    public RpcTimeoutException(String method, Duration timeout) {
        super(method + " got no response within " + timeout.toMillis() + " ms");
        this.method = method;
        this.timeout = timeout;
    }

    public String method() {
        return method;
    }

    public Duration timeout() {
        return timeout;
    }
}
