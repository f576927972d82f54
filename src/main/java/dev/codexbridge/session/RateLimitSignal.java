package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.codexbridge.protocol.AccountRateLimitsUpdatedNotification;
import dev.codexbridge.protocol.RateLimitSnapshot;
import dev.codexbridge.protocol.RateLimitWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One rate-limit signal reported to a {@link RateLimitGovernor}: whether the account may call the
 * model now ({@code allowed}) or not ({@code rejected}), what kind of limit it is when known (else
 * {@code opaque}), and when it lifts when known.
 *
 * @param type        codex's limit type ({@code rate_limit_reached}, {@code usageLimitExceeded},
 *                    {@code http429}, …) or {@code opaque}
 * @param usedPercent the most used window's percentage, when codex said
 * @param windowMins  that window's length in minutes, when codex said
 * @param resetsAt    when the exhausted window resets, in epoch seconds as codex sends it, when codex said
 * @param retryAfterMs how long the model API asked to wait ({@code Retry-After}), when known
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RateLimitSignal(Status status, String type, Source source, @Nullable Integer usedPercent, @Nullable Long windowMins,
        @Nullable Long resetsAt, @Nullable Long retryAfterMs, @Nullable String message) {

    public static final String OPAQUE = "opaque";
    private static final Pattern RETRY_AFTER = Pattern.compile(
            "(?:try again in|retry after|retry-after:?|retry in)\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)?",
            Pattern.CASE_INSENSITIVE);

    public RateLimitSignal {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(source, "source");
        type = type == null || type.isBlank() ? OPAQUE : type;
    }

    /** Whether the account may call the model now. */
    public enum Status {
        ALLOWED, REJECTED;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where the signal came from. */
    public enum Source {
        /** {@code account/rateLimits/updated}. */
        NOTIFICATION("notification"),
        /** A turn that codex completed as failed with a usage-limit or 429 error. */
        TURN_FAILED("turnFailed"),
        /** An {@code error} notification codex retries itself ({@code willRetry}). */
        CODEX_RETRY("codexRetry"),
        /** Reported by the host. */
        HOST("host");

        private final String wire;

        Source(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }
    }

    /** {@link #resetsAt} as an instant, or null. */
    public @Nullable Instant resetTime() {
        return resetsAt == null ? null : Instant.ofEpochSecond(resetsAt);
    }

    /** {@link #retryAfterMs} as a duration, or null. */
    public @Nullable Duration retryAfter() {
        return retryAfterMs == null ? null : Duration.ofMillis(retryAfterMs);
    }

    public boolean rejected() {
        return status == Status.REJECTED;
    }

    /** A rejection with nothing known but its existence: the governor backs off with jitter. */
    public static RateLimitSignal rejected(Source source, @Nullable String message) {
        return new RateLimitSignal(Status.REJECTED, OPAQUE, source, null, null, null, null, message);
    }

    /**
     * The signal in an {@code account/rateLimits/updated} notification: rejected when codex names
     * the limit reached or a window is used up, with that window's reset; else allowed.
     */
    public static RateLimitSignal of(@Nullable AccountRateLimitsUpdatedNotification n) {
        RateLimitSnapshot s = n == null ? null : n.rateLimits();
        if (s == null) {
            return new RateLimitSignal(Status.ALLOWED, OPAQUE, Source.NOTIFICATION, null, null, null, null, null);
        }
        RateLimitWindow worst = worse(s.primary(), s.secondary());
        boolean exhausted = worst != null && worst.usedPercent() != null && worst.usedPercent() >= 100;
        boolean reached = s.rateLimitReachedType() != null || Boolean.TRUE.equals(s.spendControlReached());
        String type = s.rateLimitReachedType() != null ? s.rateLimitReachedType().wire()
                : Boolean.TRUE.equals(s.spendControlReached()) ? "spend_control_reached"
                : s.limitId() != null ? s.limitId() : OPAQUE;
        return new RateLimitSignal(exhausted || reached ? Status.REJECTED : Status.ALLOWED, type, Source.NOTIFICATION,
                worst == null ? null : worst.usedPercent(), worst == null ? null : worst.windowDurationMins(), worst == null ? null : worst.resetsAt(), null,
                s.limitName());
    }

    /** A usage-limit failure of a turn (or a codex retry of one), with any wait its message names. */
    static RateLimitSignal of(TurnFailure error, Source source) {
        String type = OPAQUE;
        com.fasterxml.jackson.databind.JsonNode info = error.codexErrorInfo();
        if (info != null) {
            if (info.isTextual()) {
                type = info.asText();
            } else if (info.isObject() && info.size() == 1) {
                String name = info.fieldNames().next();
                com.fasterxml.jackson.databind.JsonNode status = info.path(name).path("httpStatusCode");
                type = status.isInt() && status.asInt() == 429 ? "http429" : name;
            }
        } else if (error.message() != null && error.message().contains("429")) {
            type = "http429";
        }
        Duration after = retryAfter(error.message());
        return new RateLimitSignal(Status.REJECTED, type, source, null, null, null, after == null ? null : after.toMillis(), error.message());
    }

    /** A wait named in an error message ("try again in 20s", "retry after 3 seconds"), else null. */
    static Duration retryAfter(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = RETRY_AFTER.matcher(message);
        if (!m.find()) {
            return null;
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        long ms = unit.startsWith("ms") || unit.startsWith("milli") ? (long) amount
                : unit.startsWith("m") ? (long) (amount * 60_000) : (long) (amount * 1000);
        return Duration.ofMillis(ms);
    }

    private static RateLimitWindow worse(RateLimitWindow a, RateLimitWindow b) {
        if (a == null || a.usedPercent() == null) {
            return b != null && b.usedPercent() != null ? b : a;
        }
        if (b == null || b.usedPercent() == null) {
            return a;
        }
        if (a.usedPercent() >= 100 && b.usedPercent() >= 100) {
            // both used up: the later reset is the one that matters
            long ra = a.resetsAt() == null ? 0 : a.resetsAt();
            long rb = b.resetsAt() == null ? 0 : b.resetsAt();
            return rb > ra ? b : a;
        }
        return b.usedPercent() > a.usedPercent() ? b : a;
    }
}
