package dev.codexbridge.mcp;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of one server. Per principal: conversations held open (the least recently used one is
 * closed to make room; it can be resumed later), turns running at once (one more is refused
 * with an error result) and MCP sessions (Streamable HTTP; an {@code initialize} beyond them is
 * answered 429). {@code elicitationDeadline}: how long a client may take to answer an approval
 * before it counts as declined. {@code maxRequestBytes}: the largest HTTP request body.
 */
public record McpLimits(int conversationsPerPrincipal, int turnsPerPrincipal, int conversations, Duration elicitationDeadline,
        int maxRequestBytes, int sessionsPerPrincipal) {
    public static final McpLimits DEFAULTS = new McpLimits(32, 4, 1024, Duration.ofMinutes(5), 4 * 1024 * 1024, 16);

    /** The limits without a session cap of their own: {@link #DEFAULTS}'s 16 sessions per principal. */
    public McpLimits(int conversationsPerPrincipal, int turnsPerPrincipal, int conversations, Duration elicitationDeadline,
            int maxRequestBytes) {
        this(conversationsPerPrincipal, turnsPerPrincipal, conversations, elicitationDeadline, maxRequestBytes, 16);
    }

    public McpLimits {
        Objects.requireNonNull(elicitationDeadline, "elicitationDeadline");
        if (conversationsPerPrincipal < 1 || turnsPerPrincipal < 1 || conversations < 1 || maxRequestBytes < 1024
                || sessionsPerPrincipal < 1) {
            throw new IllegalArgumentException("limits must be at least 1 (maxRequestBytes at least 1024): " + conversationsPerPrincipal
                    + ", " + turnsPerPrincipal + ", " + conversations + ", " + maxRequestBytes);
        }
        if (elicitationDeadline.isNegative() || elicitationDeadline.isZero()) {
            throw new IllegalArgumentException("elicitationDeadline must be positive: " + elicitationDeadline);
        }
    }

    public McpLimits withConversationsPerPrincipal(int n) {
        return new McpLimits(n, turnsPerPrincipal, conversations, elicitationDeadline, maxRequestBytes, sessionsPerPrincipal);
    }

    public McpLimits withTurnsPerPrincipal(int n) {
        return new McpLimits(conversationsPerPrincipal, n, conversations, elicitationDeadline, maxRequestBytes, sessionsPerPrincipal);
    }

    public McpLimits withElicitationDeadline(Duration d) {
        return new McpLimits(conversationsPerPrincipal, turnsPerPrincipal, conversations, d, maxRequestBytes, sessionsPerPrincipal);
    }

    public McpLimits withSessionsPerPrincipal(int n) {
        return new McpLimits(conversationsPerPrincipal, turnsPerPrincipal, conversations, elicitationDeadline, maxRequestBytes, n);
    }
}
