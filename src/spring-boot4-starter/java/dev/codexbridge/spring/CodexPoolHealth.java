package dev.codexbridge.spring;

import dev.codexbridge.pool.CodexPool;
import java.util.stream.Stream;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of a {@link CodexPool} in {@code spring-boot-health}'s types (Spring Boot 4): one
 * indicator per endpoint, by its name ({@code /actuator/health/codex/<name>}). The pool's own
 * status is Actuator's aggregation of them (DOWN when one is DOWN; a health group decides what a
 * probe sees).
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
    public Stream<Entry> stream() {
        return CodexHealthCheck.poolEndpointNames(pool).stream().map(name -> new Entry(name, indicator(name)));
    }

    private HealthIndicator indicator(String name) {
        return () -> CodexHealthCheck.poolEndpoint(pool, name)
                .map(v -> (v.up() ? Health.up() : Health.down()).withDetails(v.details()).build())
                .orElseGet(() -> Health.unknown().build());
    }
}
