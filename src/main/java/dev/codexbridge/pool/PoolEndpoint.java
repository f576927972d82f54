package dev.codexbridge.pool;

import dev.codexbridge.transport.CodexEndpoint;
import java.util.Objects;

/**
 * One app-server of a {@link CodexPool}: a name for messages and affinity, where it listens, and
 * how many threads the pool may place on it at once.
 *
 * @param name       unique within the pool, e.g. the pod name {@code codex-0}
 * @param endpoint   where it listens, with its credentials
 * @param maxThreads threads attached at once before the pool places new sessions elsewhere
 */
public record PoolEndpoint(String name, CodexEndpoint endpoint, int maxThreads) {
    public PoolEndpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(endpoint, "endpoint");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an endpoint needs a name");
        }
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1");
        }
    }
}
