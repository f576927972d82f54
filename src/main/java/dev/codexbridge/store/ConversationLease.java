package dev.codexbridge.store;

import java.time.Instant;
import java.util.Objects;

/**
 * The right to write or wake one conversation, held by one host until {@link #expiresAt()}
 * unless renewed ({@link ConversationStore#renew}). {@link #token()} is new with every
 * {@link ConversationStore#lease}: a host whose lease expired and was taken by another cannot
 * use its old lease again, even under the same holder name.
 *
 * <p>{@link #handOverAsked()}, on a lease a renewal returns: another host asked for the
 * conversation ({@link ConversationStore#askHandOver}) a moment before. The holder stores it and
 * gives the lease back when it is idle, so the asking host can take it (decision 0105).
 */
public record ConversationLease(String threadId, String holder, String token, Instant expiresAt, boolean handOverAsked) {
    public ConversationLease {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** A lease no other host has asked for. */
    public ConversationLease(String threadId, String holder, String token, Instant expiresAt) {
        this(threadId, holder, token, expiresAt, false);
    }

    /** Whether the lease is still in force at {@code now} (it is not at its expiry instant). */
    public boolean liveAt(Instant now) {
        return now.isBefore(expiresAt);
    }
}
