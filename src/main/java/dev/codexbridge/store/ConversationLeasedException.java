package dev.codexbridge.store;

import dev.codexbridge.FailureKind;
import java.time.Instant;

/**
 * {@link ConversationStore#lease} found the conversation leased to a host (perhaps the caller
 * itself, under another lease) until {@link #expiresAt()}: only one host writes or wakes a
 * conversation at a time. {@link FailureKind#ALREADY_OPEN}: a web host answers 409.
 */
public class ConversationLeasedException extends ConversationStoreException {
    private static final long serialVersionUID = 1L;

    private final String holder;
    private final Instant expiresAt;
    private final boolean handOverAsked;

    public ConversationLeasedException(String threadId, String holder, Instant expiresAt) {
        this(threadId, holder, expiresAt, false);
    }

    /** {@code handOverAsked}: the holder was asked for the conversation ({@link ConversationStore#askHandOver}) after this refusal. */
    public ConversationLeasedException(String threadId, String holder, Instant expiresAt, boolean handOverAsked) {
        super(threadId, "conversation " + threadId + " is leased to " + holder + " until " + expiresAt
                + (handOverAsked ? " (asked to hand it over)" : ""), null, FailureKind.ALREADY_OPEN);
        this.holder = holder;
        this.expiresAt = expiresAt;
        this.handOverAsked = handOverAsked;
    }

    /** Whether the holder was asked to hand the conversation over: it lets go at its next renewal when idle (decision 0105). */
    public boolean handOverAsked() {
        return handOverAsked;
    }

    /** Who holds the lease. */
    public String holder() {
        return holder;
    }

    /** When it expires unless renewed. */
    public Instant expiresAt() {
        return expiresAt;
    }
}
