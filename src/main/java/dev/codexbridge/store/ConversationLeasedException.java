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

    public ConversationLeasedException(String threadId, String holder, Instant expiresAt) {
        super(threadId, "conversation " + threadId + " is leased to " + holder + " until " + expiresAt, null, FailureKind.ALREADY_OPEN);
        this.holder = holder;
        this.expiresAt = expiresAt;
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
