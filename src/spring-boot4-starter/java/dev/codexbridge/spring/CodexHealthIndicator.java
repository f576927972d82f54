package dev.codexbridge.spring;

import dev.codexbridge.client.CodexClient;
import java.time.Duration;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The health of the application's {@link CodexClient} in {@code spring-boot-health}'s types
 * (Spring Boot 4): UP while its connection is open and past its handshake (and, for a running
 * app-server, its {@code /readyz} answers ready); DOWN while it is lost (reconnecting, with the
 * attempt's generation) or for good. Details: connection generation, reconnects, threads attached
 * and the cap, where codex is.
 */
public final class CodexHealthIndicator extends AbstractHealthIndicator {
    private final CodexClient client;
    private final Duration readinessTimeout;

    CodexHealthIndicator(CodexClient client, Duration readinessTimeout) {
        super("codex health check failed");
        this.client = client;
        this.readinessTimeout = readinessTimeout;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        CodexHealthCheck.Verdict v = CodexHealthCheck.client(client, readinessTimeout);
        (v.up() ? builder.up() : builder.down()).withDetails(v.details());
    }
}
