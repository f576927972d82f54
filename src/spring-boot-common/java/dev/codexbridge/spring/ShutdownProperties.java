package dev.codexbridge.spring;

import java.time.Duration;

/**
 * The {@code codex-bridge.shutdown.*} properties: what happens to running turns when the
 * application stops.
 */
public class ShutdownProperties {
    /** How long running turns may go on before they are interrupted; keep it inside spring.lifecycle.timeout-per-shutdown-phase. */
    private Duration awaitTurns = Duration.ofSeconds(20);

    public Duration getAwaitTurns() {
        return awaitTurns;
    }

    public void setAwaitTurns(Duration awaitTurns) {
        this.awaitTurns = awaitTurns;
    }
}
