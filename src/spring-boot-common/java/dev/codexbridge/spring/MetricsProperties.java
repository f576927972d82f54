package dev.codexbridge.spring;

/**
 * The {@code codex-bridge.metrics.*} properties: Micrometer meters (codex.bridge.*) when the
 * application has a MeterRegistry.
 */
public class MetricsProperties {
    /** Whether the connection gauges and turn counts are registered. */
    private boolean enabled = true;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }
}
