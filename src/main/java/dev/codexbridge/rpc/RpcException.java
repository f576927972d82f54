package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;

/** The other side answered a request with a JSON-RPC error. */
public class RpcException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final transient RpcError error;

    public RpcException(String method, RpcError error) {
        super(method + " failed: " + error.message() + " (code " + error.code() + ")");
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
