package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The {@code error} member of a JSON-RPC error response. {@code data} may be null. */
public record RpcError(int code, String message, @Nullable JsonNode data) {
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /** Codex's "Server overloaded; retry later." — the one code worth retrying. */
    public static final int SERVER_OVERLOADED = -32001;

    public RpcError {
        Objects.requireNonNull(message, "message");
    }

    public RpcError(int code, String message) {
        this(code, message, null);
    }
}
