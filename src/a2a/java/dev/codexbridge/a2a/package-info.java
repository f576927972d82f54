/**
 * Codex sessions served as an Agent2Agent (A2A) agent: {@link dev.codexbridge.a2a.A2aServer}
 * answers the agent card and the JSON-RPC binding (A2A protocol 0.3, with SSE streaming) for
 * callers holding a bearer token. A task is one codex turn, a context one codex thread; codex's
 * server requests become {@code input-required}. docs/a2a.md; decision 0034.
 */
@NullMarked
package dev.codexbridge.a2a;

import org.jspecify.annotations.NullMarked;
