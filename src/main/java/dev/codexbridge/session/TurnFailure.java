package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Why a turn did not complete: codex's own message (unwrapped from any JSON envelope), a category,
 * a one-line remedy, and codex's {@code codexErrorInfo} as sent (a string or an object).
 */
public record TurnFailure(
        String message,
        ErrorCategory category,
        String remediation,
        @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode codexErrorInfo) {

    public static TurnFailure of(String message, ErrorCategory category, JsonNode codexErrorInfo) {
        return new TurnFailure(message, category, category.remediation(), codexErrorInfo);
    }
}
