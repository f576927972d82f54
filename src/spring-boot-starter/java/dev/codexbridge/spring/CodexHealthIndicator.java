package dev.codexbridge.spring;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.EndpointStatus;
import java.time.Duration;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The health of the application's {@link CodexClient}: UP while its connection is open (and, for
 * a running app-server, its {@code /readyz} answers ready); DOWN while it is lost (reconnecting,
 * with the attempt's generation) or for good. Details: connection generation, reconnects, threads
 * attached and the cap, where codex is.
 */
public final class CodexHealthIndicator extends AbstractHealthIndicator {
    private final CodexClient client;
    private final CodexEndpoint endpoint;
    private final Duration readinessTimeout;

    CodexHealthIndicator(CodexClient client, Duration readinessTimeout) {
        super("codex health check failed");
        this.client = client;
        this.endpoint = client.options().endpoint();
        this.readinessTimeout = readinessTimeout;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        int generation = client.generation();
        builder.withDetail("codex", endpoint == null ? "own process" : endpoint.toString())
                .withDetail("generation", generation)
                .withDetail("reconnects", Math.max(0, generation - 1))
                .withDetail("threads", client.attachedThreads())
                .withDetail("maxThreads", client.maxThreads());
        if (client.closedFuture().isDone()) {
            builder.down().withDetail("state", "closed").withDetail("reason", String.valueOf(client.closedFuture().getNow(null)));
            return;
        }
        if (!client.isOpen()) {
            builder.down().withDetail("state", client.options().reconnect() != null ? "reconnecting" : "lost");
            return;
        }
        if (endpoint != null) {
            EndpointStatus ready = endpoint.readiness(readinessTimeout);
            builder.withDetail("readyz", ready.ok() ? "ready" : ready.detail());
            if (!ready.ok()) {
                builder.down().withDetail("state", "connected, not ready");
                return;
            }
        }
        builder.up().withDetail("state", "connected");
    }
}
