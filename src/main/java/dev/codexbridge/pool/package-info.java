/**
 * {@link dev.codexbridge.pool.CodexPool}: sessions spread over several running app-servers, each
 * reached through a {@link dev.codexbridge.transport.CodexEndpoint}. New sessions go to the
 * least-loaded healthy endpoint, a thread is resumed where it lives (found by asking the
 * endpoints when the pool has no record of it), endpoints are probed on
 * {@code /readyz}, and a thread moves to another endpoint only when all of them share one
 * {@code CODEX_HOME}. Depends on {@code client}, {@code session} and {@code transport}; nothing
 * depends on it. Deployment: {@code docs/deploy/}.
 */
@NullMarked
package dev.codexbridge.pool;

import org.jspecify.annotations.NullMarked;
