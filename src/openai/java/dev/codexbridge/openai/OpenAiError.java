package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import org.jspecify.annotations.Nullable;

/**
 * A request the door answers with an error, in OpenAI's body shape
 * ({@code {"error":{"message","type","param","code"}}}) and with the headers the SDKs' retry logic
 * reads: {@code retry-after} on what may be sent again, {@code x-should-retry: false} once codex
 * may have started the turn (the SDKs retry 408, 409, 429 and 5xx on their own, with no
 * idempotency key: the turn would run twice).
 */
final class OpenAiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final @Nullable String param;
    final @Nullable String code;
    /** When to send again (nothing ran), or null. */
    final @Nullable Integer retryAfterSeconds;
    /** False once codex may have started the turn. */
    final boolean mayRetry;

    OpenAiError(int status, String type, @Nullable String param, @Nullable String code, String message,
            @Nullable Integer retryAfterSeconds, boolean mayRetry) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.mayRetry = mayRetry;
    }

    /** 400: a parameter the door cannot honour, or a malformed one; nothing ran. */
    static OpenAiError invalid(@Nullable String param, String message) {
        return new OpenAiError(400, "invalid_request_error", param, param == null ? null : "invalid_value", message, null, false);
    }

    /** 400: a parameter the door does not serve (yet), named. */
    static OpenAiError unsupported(String param, String message) {
        return new OpenAiError(400, "invalid_request_error", param, "unsupported_parameter", message, null, false);
    }

    /** 404: an id nobody used and another principal's alike. */
    static OpenAiError notFound(String what, String id, @Nullable String param) {
        return new OpenAiError(404, "invalid_request_error", param, null, what + " with id '" + id + "' not found.", null, false);
    }

    static OpenAiError unauthorized(String message) {
        return new OpenAiError(401, "invalid_request_error", null, "invalid_api_key", message, null, false);
    }

    /** 429 with {@code retry-after}: nothing ran, sending again later works (a conversation's turn is still running). */
    static OpenAiError busy(String code, String message, int retryAfterSeconds) {
        return new OpenAiError(429, "rate_limit_error", null, code, message, retryAfterSeconds, true);
    }

    /** 503 with {@code retry-after}: nothing ran; this replica or what it needs is not available now. */
    static OpenAiError unavailable(String code, String message, int retryAfterSeconds) {
        return new OpenAiError(503, "server_error", null, code, message, retryAfterSeconds, true);
    }

    /** 500 after codex may have started the turn: never to be retried by the SDK on its own. */
    static OpenAiError afterStart(String message) {
        return new OpenAiError(500, "server_error", null, "server_error", message, null, false);
    }

    /** The error body. */
    ObjectNode body() {
        ObjectNode root = Json.object();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
