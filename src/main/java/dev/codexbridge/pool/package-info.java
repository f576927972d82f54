/**
 * {@link dev.codexbridge.pool.CodexPool}: sessions spread over several running app-servers, each
 * reached through a {@link dev.codexbridge.transport.CodexEndpoint}. New sessions go to the
 * least-loaded healthy endpoint, a thread is resumed where it lives (found by asking the
 * endpoints when the pool has no record of it), endpoints are probed on
 * {@code /readyz}, and a thread moves to another endpoint only when all of them share one
 * {@code CODEX_HOME}. Depends on {@code client}, {@code session} and {@code transport}; nothing
 * depends on it. Deployment: {@code docs/deploy/}.
 *
 * <p>Its rooms, one sentence each: {@code CodexPool} is the public face and its builder;
 * {@code PoolPlacement} chooses the endpoint for a new session or a thread (least loaded, preferred,
 * affinity); {@code ThreadLocator} with {@code ThreadFinder} finds which endpoint holds a thread;
 * {@code PoolHealth} probes the endpoints; {@code PoolSessionOpener} opens a session on the chosen
 * endpoint and tells an endpoint's failure from the session's; {@code PoolNode},
 * {@code EndpointLink}, {@code PoolEndpoint} and {@code EndpointState} are one endpoint: its
 * connection, how it is reached, its settings and its snapshot.
 */
@NullMarked
package dev.codexbridge.pool;

import org.jspecify.annotations.NullMarked;
