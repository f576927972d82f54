package dev.codexbridge.a2a;

import java.time.Duration;

/**
 * How the server sends push notifications to callers' webhooks. Webhook URLs must be http(s);
 * by default, hosts that resolve to loopback, link-local, private (site-local, unique-local),
 * multicast or wildcard addresses are refused, so a caller cannot make the server POST into its
 * own network (SSRF). {@link #allowingPrivateAddresses()} lifts that for a trusted network.
 *
 * @param allowPrivateAddresses webhooks on loopback and private networks allowed
 * @param configsPerTask        push configs kept per task; one more is refused
 * @param queuePerWebhook       notifications waiting per webhook; when full, the newest is dropped
 * @param attempts              tries per notification on a 5xx answer or a failed connection (never on 4xx)
 * @param firstBackoff          the wait before the first retry, doubled for each next one
 * @param timeout               how long one POST may take
 */
public record PushOptions(boolean allowPrivateAddresses, int configsPerTask, int queuePerWebhook, int attempts,
        Duration firstBackoff, Duration timeout) {
    public static final PushOptions DEFAULTS = new PushOptions(false, 8, 256, 4, Duration.ofMillis(500), Duration.ofSeconds(10));

    public PushOptions {
        if (configsPerTask < 1 || queuePerWebhook < 1 || attempts < 1) {
            throw new IllegalArgumentException("push limits too small: " + configsPerTask + " configs per task, "
                    + queuePerWebhook + " queued per webhook, " + attempts + " attempts");
        }
        if (firstBackoff.isNegative() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("push firstBackoff must not be negative and timeout must be positive");
        }
    }

    /** These options with webhooks on loopback and private networks allowed: only where every caller is trusted. */
    public PushOptions allowingPrivateAddresses() {
        return new PushOptions(true, configsPerTask, queuePerWebhook, attempts, firstBackoff, timeout);
    }

    public PushOptions withRetries(int attempts, Duration firstBackoff) {
        return new PushOptions(allowPrivateAddresses, configsPerTask, queuePerWebhook, attempts, firstBackoff, timeout);
    }

    public PushOptions withTimeout(Duration timeout) {
        return new PushOptions(allowPrivateAddresses, configsPerTask, queuePerWebhook, attempts, firstBackoff, timeout);
    }
}
