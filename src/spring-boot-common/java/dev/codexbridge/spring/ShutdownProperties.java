package dev.codexbridge.spring;

import java.time.Duration;

/**
 * The {@code codex-bridge.shutdown.*} properties: what happens to running turns, and to the
 * conversations of a store, when the application stops.
 */
public class ShutdownProperties {
    /** How long running turns may go on before they are interrupted; keep it inside spring.lifecycle.timeout-per-shutdown-phase. */
    private Duration awaitTurns = Duration.ofSeconds(20);
    /**
     * With a store (codex-bridge.store.*): how long the closed sessions get to store their
     * conversations and give back their leases before codex is stopped under them. A session on a
     * remote app-server waits for codex to unload its thread, up to the re-attach window and 10s.
     */
    private Duration awaitStore = Duration.ofSeconds(45);

    public Duration getAwaitTurns() {
        return awaitTurns;
    }

    public void setAwaitTurns(Duration awaitTurns) {
        this.awaitTurns = awaitTurns;
    }

    public Duration getAwaitStore() {
        return awaitStore;
    }

    public void setAwaitStore(Duration awaitStore) {
        this.awaitStore = awaitStore;
    }
}
