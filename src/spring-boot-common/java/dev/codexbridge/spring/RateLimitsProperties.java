package dev.codexbridge.spring;

/**
 * The {@code codex-bridge.rate-limits.*} properties: one RateLimitGovernor for every session
 * (one account), unless the application has its own.
 */
public class RateLimitsProperties {
    /** Whether the starter makes the shared governor. */
    private boolean enabled = true;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }
}
