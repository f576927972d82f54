package dev.codexbridge.spring;

import dev.codexbridge.callers.Readiness;
import dev.codexbridge.store.ConversationStore;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code /actuator/health/codexStore}: the health of the application's conversation store in
 * {@code spring-boot-health}'s types (Spring Boot 4). UP while the store answers its cheapest question within
 * {@link Readiness#PROBE_BOUND}, DOWN when it fails or keeps silent; a readiness group that
 * includes it takes a replica cut from its database out of rotation. Details: which store, and
 * its state.
 */
public final class CodexStoreHealthIndicator extends AbstractHealthIndicator implements AutoCloseable {
    private final ConversationStore store;
    private final Readiness readiness;

    CodexStoreHealthIndicator(ConversationStore store) {
        super("codex-bridge store health check failed");
        this.store = store;
        this.readiness = Readiness.of(store);
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        CodexHealthCheck.Verdict v = CodexHealthCheck.store(store, readiness);
        (v.up() ? builder.up() : builder.down()).withDetails(v.details());
    }

    /** As the context closes: a check still waiting on the store is interrupted, its thread not left behind. */
    @Override
    public void close() {
        readiness.close();
    }
}
