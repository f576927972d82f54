package dev.codexbridge.rpc;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retry of requests that codex rejected with {@code -32001 "Server overloaded"}: exponential
 * backoff with jitter, bounded in count; the request's own deadline still applies.
 */
public record RetryPolicy(int maxRetries, Duration initialDelay, Duration maxDelay) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(50), Duration.ofSeconds(2));
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0");
        }
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
    }

    /** Delay before retry number {@code attempt} (1-based): uniform in [cap/2, cap]. */
    public Duration delayBefore(int attempt) {
        long base = initialDelay.toNanos();
        long cap = Math.min(maxDelay.toNanos(), base << Math.min(attempt - 1, 30));
        if (cap <= 0) {
            return Duration.ZERO;
        }
        long half = cap / 2;
        return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(cap - half + 1));
    }
}
