package dev.codexbridge.client;

import dev.codexbridge.rpc.RetryPolicy;
import java.time.Duration;

/**
 * How a {@link CodexClient} opens a new connection when its connection is lost (codex died, a
 * socket dropped): up to {@code maxAttempts} tries with jittered exponential backoff, then each
 * thread that was open on it is resumed, at most {@code concurrentResumes} at a time. Requests in
 * flight when the connection was lost fail and are never sent again: their outcome is unknown.
 */
public record ReconnectPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, int concurrentResumes) {
    /** 8 attempts from 100 ms up to 5 s apart, 16 resumes at a time. */
    public static final ReconnectPolicy DEFAULT = new ReconnectPolicy(8, Duration.ofMillis(100), Duration.ofSeconds(5), 16);

    public ReconnectPolicy {
        if (maxAttempts < 1 || concurrentResumes < 1) {
            throw new IllegalArgumentException("maxAttempts and concurrentResumes must be at least 1");
        }
        if (initialDelay.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative");
        }
    }

    /** The wait before attempt {@code attempt} (1-based); the first attempt waits little. */
    Duration delayBefore(int attempt) {
        return new RetryPolicy(maxAttempts, initialDelay, maxDelay).delayBefore(attempt);
    }
}
