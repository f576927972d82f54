package dev.codexbridge.rpc;

/**
 * Counters of one peer since it started. Malformed, over-long and unmatched messages are counted
 * here instead of failing the connection.
 */
public record PeerStats(
        long messagesRead,
        long messagesSent,
        long malformedMessages,
        long oversizedMessages,
        long unmatchedResponses,
        long overloadRetries,
        int pendingRequests,
        int unansweredInboundRequests) {
}
