package dev.codexbridge.spring;

import dev.codexbridge.pool.CodexPool;
import java.util.Iterator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;

/**
 * The health of a {@link CodexPool} in Actuator's types (Spring Boot 3): one indicator per
 * endpoint, by its name ({@code /actuator/health/codex/<name>}). The pool's own status is
 * Actuator's aggregation of them (DOWN when one is DOWN; a health group decides what a probe sees).
 */
final class CodexPoolHealth implements CompositeHealthContributor {
    private final CodexPool pool;

    CodexPoolHealth(CodexPool pool) {
        this.pool = pool;
    }

    @Override
    public HealthContributor getContributor(String name) {
        return CodexHealthCheck.poolEndpointNames(pool).contains(name) ? indicator(name) : null;
    }

    @Override
    public Iterator<NamedContributor<HealthContributor>> iterator() {
        return CodexHealthCheck.poolEndpointNames(pool).stream()
                .map(name -> NamedContributor.of(name, (HealthContributor) indicator(name)))
                .iterator();
    }

    private HealthIndicator indicator(String name) {
        return () -> CodexHealthCheck.poolEndpoint(pool, name)
                .map(v -> (v.up() ? Health.up() : Health.down()).withDetails(v.details()).build())
                .orElseGet(() -> Health.unknown().build());
    }
}
