package dev.codexbridge.pool;

import java.net.URI;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one endpoint of a {@link CodexPool}.
 *
 * @param name        the endpoint's name
 * @param uri         where it listens (no credentials)
 * @param healthy     the last probe answered ready and the connection, if any, is open
 * @param connected   the pool holds an open connection to it
 * @param threads     threads attached on that connection (its load)
 * @param maxThreads  the most the pool places there
 * @param lastProbe   when it was last probed, null before the first probe
 * @param detail      the last probe's or connection's word, for a person
 * @param draining    drained ({@link CodexPool#drain}): it takes no new thread and no wake
 */
public record EndpointState(String name, URI uri, boolean healthy, boolean connected, int threads, int maxThreads,
                            @Nullable Instant lastProbe, String detail, boolean draining) {
}
