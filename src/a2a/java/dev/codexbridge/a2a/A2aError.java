package dev.codexbridge.a2a;

/** A JSON-RPC error answered to the caller, with A2A's codes. */
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
    static final int EXTENDED_CARD_NOT_CONFIGURED = -32007;
    static final int VERSION_NOT_SUPPORTED = -32009;

    private final int code;

    A2aError(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    int code() {
        return code;
    }

    static A2aError invalidParams(String message) {
        return new A2aError(INVALID_PARAMS, message);
    }

    static A2aError taskNotFound(String id) {
        return new A2aError(TASK_NOT_FOUND, "task not found: " + id);
    }
}
