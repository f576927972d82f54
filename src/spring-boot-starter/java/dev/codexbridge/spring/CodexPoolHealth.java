package dev.codexbridge.spring;

import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.pool.EndpointState;
import java.util.Iterator;
import java.util.Optional;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;

/**
 * The health of a {@link CodexPool}: one indicator per endpoint, by its name
 * ({@code /actuator/health/codex/<name>}), UP when the pool's last {@code /readyz} probe answered
 * ready and its connection, if any, is open. The pool's own status is Actuator's aggregation of
 * them (DOWN when one is DOWN; a health group decides what a probe sees). Details are state
 * only (no endpoint URL or failure text: Actuator may show them to anyone).
 */
final class CodexPoolHealth implements CompositeHealthContributor {
    private final CodexPool pool;

    CodexPoolHealth(CodexPool pool) {
        this.pool = pool;
    }

    @Override
    public HealthContributor getContributor(String name) {
        return pool.endpoints().stream().anyMatch(e -> e.name().equals(name)) ? indicator(name) : null;
    }

    @Override
    public Iterator<NamedContributor<HealthContributor>> iterator() {
        return pool.endpoints().stream()
                .map(e -> NamedContributor.of(e.name(), (HealthContributor) indicator(e.name())))
                .iterator();
    }

    private HealthIndicator indicator(String name) {
        return () -> {
            Optional<EndpointState> state = pool.endpoints().stream().filter(e -> e.name().equals(name)).findFirst();
            if (state.isEmpty()) {
                return Health.unknown().build();
            }
            EndpointState s = state.get();
            Health.Builder b = s.healthy() ? Health.up() : Health.down();
            b.withDetail("connected", s.connected())
                    .withDetail("threads", s.threads())
                    .withDetail("maxThreads", s.maxThreads());
            if (s.lastProbe() != null) {
                b.withDetail("lastProbe", s.lastProbe().toString());
            }
            return b.build();
        };
    }
}
