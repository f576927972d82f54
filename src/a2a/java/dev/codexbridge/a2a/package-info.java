/**
 * Codex sessions served as an Agent2Agent (A2A) agent: {@link dev.codexbridge.a2a.A2aServer}
 * answers the agent card, A2A 1.0's JSON-RPC and HTTP+JSON bindings and 0.3's JSON-RPC (SSE
 * streaming, push notifications) for callers holding a bearer token or a JWT. A task is one codex
 * turn, a context one codex thread; codex's server requests become {@code input-required}.
 * docs/a2a.md; decisions 0034 and 0035.
 */
@NullMarked
package dev.codexbridge.a2a;

import org.jspecify.annotations.NullMarked;
