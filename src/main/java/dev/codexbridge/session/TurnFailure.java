package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.codexbridge.json.Json;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Why a turn did not complete: codex's own message (unwrapped from any JSON envelope), a category,
 * a one-line remedy, and codex's {@code codexErrorInfo} as sent (a string or an object).
 *
 * @param heldUntil set when the session's thread could not be woken because another host holds
 *                  its conversation in the store: when that host's lease expires unless it renews
 *                  it, as {@link ThreadOpenException#heldUntil()} says for a resume refused alike.
 *                  The turn is then {@link TurnOutcome#NOT_RECEIVED} (nothing was sent; try again
 *                  after this). Null otherwise; left out of the JSON when null
 */
public record TurnFailure(
        String message,
        ErrorCategory category,
        String remediation,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable JsonNode codexErrorInfo,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = ToStringSerializer.class) @Nullable Instant heldUntil) {

    /** A failure that is not another host's hold ({@link #heldUntil} null). */
    public TurnFailure(String message, ErrorCategory category, String remediation, @Nullable JsonNode codexErrorInfo) {
        this(message, category, remediation, codexErrorInfo, null);
    }

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

    /** The thread could not be woken: another host holds its conversation until {@code until} ({@code message} says who). */
    static TurnFailure heldElsewhere(String message, Instant until) {
        return new TurnFailure(message, ErrorCategory.OTHER, "Another host holds this conversation in the store until " + until
                + " unless it renews its lease; nothing was sent. Run the turn again after then: a stopped host's lease runs out by "
                + "itself, a live host keeps the conversation while it has it awake (it lets go when it sleeps or closes it).",
                null, until);
    }

    /** This failure with {@code text} as its message, the rest as it is. */
    TurnFailure withMessage(String text) {
        return new TurnFailure(text, category, remediation, codexErrorInfo, heldUntil);
    }

    /** This failure with {@code advice} as its remedy, the rest as it is. */
    TurnFailure withRemediation(String advice) {
        return new TurnFailure(message, category, advice, codexErrorInfo, heldUntil);
    }
}
