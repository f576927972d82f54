package dev.codexbridge.a2a;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An error answered to the caller, with A2A's codes. An A2A-specific error also has its
 * {@code ErrorInfo} reason (A2A 1.0 §5.4, §9.5) and may carry metadata for it (string values, as
 * {@code google.rpc.ErrorInfo} holds them).
 */
final class A2aError extends RuntimeException {
    static final int PARSE = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;
    static final int INTERNAL = -32603;
    static final int TASK_NOT_FOUND = -32001;
    static final int TASK_NOT_CANCELABLE = -32002;
    static final int PUSH_NOT_SUPPORTED = -32003;
    static final int UNSUPPORTED = -32004;
    static final int CONTENT_TYPE_NOT_SUPPORTED = -32005;
    static final int EXTENDED_CARD_NOT_CONFIGURED = -32007;
    static final int VERSION_NOT_SUPPORTED = -32009;
    /** The {@code ErrorInfo} domain of A2A's reasons. */
    static final String DOMAIN = "a2a-protocol.org";

    private final int code;
    private final Map<String, String> metadata;

    A2aError(int code, String message) {
        this(code, message, Map.of());
    }

    A2aError(int code, String message, Map<String, String> metadata) {
        super(message, null, false, false);
        this.code = code;
        this.metadata = Map.copyOf(metadata);
    }

    int code() {
        return code;
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /** The {@code ErrorInfo} reason of an A2A-specific error; null for JSON-RPC's own errors (parse, invalid request, …). */
    @Nullable String reason() {
        return switch (code) {
            case TASK_NOT_FOUND -> "TASK_NOT_FOUND";
            case TASK_NOT_CANCELABLE -> "TASK_NOT_CANCELABLE";
            case PUSH_NOT_SUPPORTED -> "PUSH_NOTIFICATION_NOT_SUPPORTED";
            case UNSUPPORTED -> "UNSUPPORTED_OPERATION";
            case CONTENT_TYPE_NOT_SUPPORTED -> "CONTENT_TYPE_NOT_SUPPORTED";
            case EXTENDED_CARD_NOT_CONFIGURED -> "EXTENDED_AGENT_CARD_NOT_CONFIGURED";
            case VERSION_NOT_SUPPORTED -> "VERSION_NOT_SUPPORTED";
            default -> null;
        };
    }

    static A2aError invalidParams(String message) {
        return new A2aError(INVALID_PARAMS, message);
    }

    static A2aError taskNotFound(String id) {
        return new A2aError(TASK_NOT_FOUND, "task not found: " + id, Map.of("taskId", id));
    }
}
