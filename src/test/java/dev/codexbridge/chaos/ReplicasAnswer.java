package dev.codexbridge.chaos;

import org.jspecify.annotations.Nullable;

/**
 * What one client was told about one message it sent through the proxy ({@code bin/bench chaos
 * --replicas}): every message carries a key of its own ({@code s3-t7}: slot 3's seventh message), so
 * a message refused and sent again is a new key, and codex's record is searched by key. A message
 * that got no answer is sent again with the same key and the same identity (A2A's {@code messageId},
 * MCP's idempotency key, the OpenAI door's {@code Idempotency-Key}): each copy is an answer of its
 * own, numbered by {@code copy}.
 *
 * @param slot the client's conversation (one A2A context, MCP conversation or OpenAI conversation)
 * @param door {@code a2a}, {@code mcp} or {@code openai}
 * @param copy 1 for the message's first send, 2 and up for the copies sent again with its identity
 * @param told what the answer said
 * @param replica the replica that served the answer ({@code r2}), null when none did
 * @param taskId the A2A task, else null
 * @param state the A2A task's state as told, or the OpenAI response's status, else null
 * @param turnId the codex turn the answer named, when it named one
 * @param threadId the conversation's codex thread, when known
 */
record ReplicasAnswer(int slot, String door, String key, int copy, long sentMs, long answeredMs, Told told, @Nullable String replica,
                      @Nullable String taskId, @Nullable String state, @Nullable String turnId, @Nullable String threadId, String detail) {
    /** The start of {@link #detail} for a call that got no answer at all: its connection ended, or the client's timeout. */
    static final String NO_ANSWER = "no answer: ";
    /** The {@link #detail} of a call the proxy answered 502: no replica took its connection, so nothing was sent. */
    static final String NO_REPLICA = "no replica reachable";

    /** Whether the caller heard nothing back: it cannot know whether its message ran. */
    boolean unanswered() {
        return told == Told.UNKNOWN && detail.startsWith(NO_ANSWER);
    }

    /** Whether the caller gave the call up at its own timeout ({@code CHAOS_CLIENT_TIMEOUT}): no answer, but nothing cut it. */
    boolean timedOut() {
        return unanswered() && detail.contains("HttpTimeoutException");
    }

    /** Whether the proxy answered 502 for want of a replica. */
    boolean proxyRefused() {
        return NO_REPLICA.equals(detail);
    }

    /** What a client was told, as the verdict reads it. */
    enum Told {
        /** The turn completed, its reply given. */
        COMPLETED,
        /** The turn failed, was canceled or was never run (a task in a final state other than completed; a tool error on a turn). */
        FAILED,
        /** Refused before anything ran: the conversation is busy elsewhere, or the request was refused. */
        REFUSED,
        /** No answer: the connection ended or timed out, or the proxy found no replica. Either outcome is right. */
        UNKNOWN
    }
}
