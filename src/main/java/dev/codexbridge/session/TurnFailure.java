package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import org.jspecify.annotations.Nullable;

/**
 * Why a turn did not complete: codex's own message (unwrapped from any JSON envelope), a category,
 * a one-line remedy, and codex's {@code codexErrorInfo} as sent (a string or an object).
 */
public record TurnFailure(
        String message,
        ErrorCategory category,
        String remediation,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable JsonNode codexErrorInfo) {

    public static TurnFailure of(String message, ErrorCategory category, @Nullable JsonNode codexErrorInfo) {
        return new TurnFailure(message, category, category.remediation(), codexErrorInfo);
    }

    /** {@link #of} with {@code codexErrorInfo} as JSON text (or null). */
    public static TurnFailure ofJson(String message, ErrorCategory category, @Nullable String codexErrorInfo) {
        return of(message, category, Json.parseHostJson(codexErrorInfo, "codexErrorInfo", false));
    }

    /** {@link #codexErrorInfo} as JSON text ({@code "\"usageLimitExceeded\""} or an object), or null when codex sent none. */
    public @Nullable String codexErrorInfoJson() {
        return Json.textOrNull(codexErrorInfo);
    }
}
