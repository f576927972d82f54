package dev.codexbridge.rpc;

/**
 * Counters of one peer since it started. Malformed, over-long and unmatched messages are counted
 * here instead of failing the connection.
 */
public record PeerStats(
        long linesRead,
        long messagesSent,
        long malformedLines,
        long oversizedLines,
        long unmatchedResponses,
        long overloadRetries,
        int pendingRequests,
        int unansweredInboundRequests) {
}
