package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.internal.UntrustedText;

/**
 * The other side answered a request with a JSON-RPC error. The message shows the method and the
 * error's text with secrets masked and control characters escaped; {@link #method()} and
 * {@link #error()} hold them as they came.
 */
public class RpcException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final transient RpcError error;

    public RpcException(String method, RpcError error) {
        super(UntrustedText.of(method) + " failed: " + UntrustedText.of(error.message()) + " (code " + error.code() + ")");
        this.method = method;
        this.error = error;
    }

    public String method() {
        return method;
    }

    public RpcError error() {
        return error;
    }

    public int code() {
        return error.code();
    }

    public JsonNode data() {
        return error.data();
    }
}
