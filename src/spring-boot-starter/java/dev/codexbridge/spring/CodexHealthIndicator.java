package dev.codexbridge.spring;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.EndpointStatus;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The health of the application's {@link CodexClient}: UP while its connection is open and past
 * its handshake (and, for
 * a running app-server, its {@code /readyz} answers ready); DOWN while it is lost (reconnecting,
 * with the attempt's generation) or for good. Details: connection generation, reconnects, threads
 * attached and the cap, whether codex is the application's own process or an app-server. Details
 * are state only: no endpoint URL, token file or failure text, since Actuator shows them to
 * anonymous callers under {@code show-details=always}; the application's log has the rest.
 */
public final class CodexHealthIndicator extends AbstractHealthIndicator {
    /** A ready connection answers at once; longer means a reconnect is under way. */
    private static final Duration READY_WAIT = Duration.ofMillis(500);

    private final CodexClient client;
    private final CodexEndpoint endpoint;
    private final Duration readinessTimeout;

    CodexHealthIndicator(CodexClient client, Duration readinessTimeout) {
        super("codex health check failed");
        this.client = client;
        this.endpoint = client.options().endpoint();
        this.readinessTimeout = readinessTimeout;
    }

    /** Whether the connection has finished its handshake; a check waits at most {@link #READY_WAIT} for it. */
    private boolean ready() {
        try {
            client.whenReady().get(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        int generation = client.generation();
        builder.withDetail("codex", endpoint == null ? "own process" : "app-server")
                .withDetail("generation", generation)
                .withDetail("reconnects", Math.max(0, generation - 1))
                .withDetail("threads", client.attachedThreads())
                .withDetail("maxThreads", client.maxThreads());
        if (client.closedFuture().isDone()) {
            builder.down().withDetail("state", "closed");
            return;
        }
        // open is not enough: a restarted codex's connection is open before it answered initialize
        if (!client.isOpen() || !ready()) {
            builder.down().withDetail("state", client.options().reconnect() != null ? "reconnecting" : "lost");
            return;
        }
        if (endpoint != null) {
            EndpointStatus ready = endpoint.readiness(readinessTimeout);
            builder.withDetail("readyz", ready.ok() ? "ready" : ready.httpStatus() > 0 ? "HTTP " + ready.httpStatus() : "unreachable");
            if (!ready.ok()) {
                builder.down().withDetail("state", "connected, not ready");
                return;
            }
        }
        builder.up().withDetail("state", "connected");
    }
}
