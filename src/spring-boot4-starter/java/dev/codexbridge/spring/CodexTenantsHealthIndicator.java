package dev.codexbridge.spring;

import dev.codexbridge.tenant.CodexTenants;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The health of the application's tenants in {@code spring-boot-health}'s types (Spring Boot 4): the verdict and counts of
 * {@link CodexHealthCheck#tenants} (DOWN only while codex cannot be started or reached for a
 * tenant; a tenant codex that died is counted, and restarted by its next session).
 */
final class CodexTenantsHealthIndicator extends AbstractHealthIndicator {
    private final CodexTenants tenants;
    private final TenantCounts counts;
    private final CodexSessions sessions;

    CodexTenantsHealthIndicator(CodexTenants tenants, TenantCounts counts, CodexSessions sessions) {
        super("codex tenants health check failed");
        this.tenants = tenants;
        this.counts = counts;
        this.sessions = sessions;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        CodexHealthCheck.Verdict v = CodexHealthCheck.tenants(tenants, counts, sessions);
        (v.up() ? builder.up() : builder.down()).withDetails(v.details());
    }
}
