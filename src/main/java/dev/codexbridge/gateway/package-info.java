/**
 * {@link dev.codexbridge.gateway.CodexGateway}: the one place front ends (A2A, MCP, the CLI, the
 * Spring starters, a host's own web layer) get sessions from, with the host's settings, approval
 * policy, tenant model and thread-access rule applied. Depends on {@code session}, {@code client},
 * {@code pool}, {@code tenant} and {@code approval}; nothing in the library depends on it.
 */
@NullMarked
package dev.codexbridge.gateway;

import org.jspecify.annotations.NullMarked;
