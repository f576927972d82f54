package dev.codexbridge.store;

import java.time.Instant;
import java.util.Objects;

/**
 * The right to write or wake one conversation, held by one host until {@link #expiresAt()}
 * unless renewed ({@link ConversationStore#renew}). {@link #token()} is new with every
 * {@link ConversationStore#lease}: a host whose lease expired and was taken by another cannot
 * use its old lease again, even under the same holder name.
 */
public record ConversationLease(String threadId, String holder, String token, Instant expiresAt) {
    public ConversationLease {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** Whether the lease is still in force at {@code now} (it is not at its expiry instant). */
    public boolean liveAt(Instant now) {
        return now.isBefore(expiresAt);
    }
}
