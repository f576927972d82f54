package dev.codexbridge.pool;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.transport.EndpointStatus;
import java.time.Duration;

/**
 * How the pool reaches an endpoint: its readiness probe and its connections. Over the network
 * in use; tests put in-memory app-servers behind it, so the pool's rules are tested without
 * sockets.
 */
interface EndpointLink {
    /** The endpoints' own {@code /readyz} and WebSocket connections. */
    EndpointLink NETWORK = new EndpointLink() {
        @Override
        public EndpointStatus readiness(PoolEndpoint endpoint, Duration timeout) {
            return endpoint.endpoint().readiness(timeout);
        }

        @Override
        public CodexClient connect(PoolEndpoint endpoint, CodexClient.Builder client) {
            return client.connect(endpoint.endpoint());
        }
    };

    /** Whether the endpoint accepts connections; never throws for an unreachable one. */
    EndpointStatus readiness(PoolEndpoint endpoint, Duration timeout);

    /** Opens a connection configured by {@code client} and performs the handshake. */
    CodexClient connect(PoolEndpoint endpoint, CodexClient.Builder client);
}
