package dev.codexbridge.mcp;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Which principal opened each MCP session (the SDK's {@code Mcp-Session-Id}), and how many each
 * holds. A session is used, read ({@code GET}) and ended ({@code DELETE}) by its principal only;
 * to another it does not exist. A principal holds at most {@code perPrincipal} sessions at once; a
 * session leaves the count when it is deleted, when the SDK no longer knows it, or after
 * {@code idleNanos} without a request (the SDK's own sweep closes such sessions; the client then
 * opens a new one).
 */
final class SessionOwners {
    private record Owner(String principal, long lastUsed) {
    }

    private final int perPrincipal;
    private final long idleNanos;
    private final LongSupplier clock;
    private final Map<String, Owner> bySession = new HashMap<>();

    SessionOwners(int perPrincipal, long idleNanos, LongSupplier clock) {
        this.perPrincipal = perPrincipal;
        this.idleNanos = idleNanos;
        this.clock = clock;
    }

    /** Whether {@code principal} may use {@code sessionId}: it opened it, or the server never gave it out (the SDK answers that). */
    synchronized boolean mayUse(String principal, String sessionId) {
        Owner o = bySession.get(sessionId);
        if (o == null) {
            return true;
        }
        if (!o.principal().equals(principal)) {
            return false;
        }
        bySession.put(sessionId, new Owner(principal, clock.getAsLong()));
        return true;
    }

    /** Whether {@code principal} may open one more session. */
    synchronized boolean mayOpen(String principal) {
        expire();
        return bySession.values().stream().filter(o -> o.principal().equals(principal)).count() < perPrincipal;
    }

    synchronized void opened(String principal, String sessionId) {
        bySession.put(sessionId, new Owner(principal, clock.getAsLong()));
    }

    synchronized void ended(String sessionId) {
        bySession.remove(sessionId);
    }

    synchronized int size() {
        return bySession.size();
    }

    private void expire() {
        long now = clock.getAsLong();
        bySession.values().removeIf(o -> now - o.lastUsed() > idleNanos);
    }
}
