package dev.codexbridge.spring;

import java.time.Duration;

/**
 * The {@code codex-bridge.health.*} properties: the Actuator health indicator "codex".
 */
public class HealthProperties {
    /** How long the /readyz probe of a remote endpoint may take. */
    private Duration readinessTimeout = Duration.ofSeconds(2);

    public Duration getReadinessTimeout() {
        return readinessTimeout;
    }

    public void setReadinessTimeout(Duration readinessTimeout) {
        this.readinessTimeout = readinessTimeout;
    }
}
