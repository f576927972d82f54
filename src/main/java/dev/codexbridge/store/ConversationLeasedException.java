package dev.codexbridge.store;

import dev.codexbridge.FailureKind;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

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
    /** Not kept across serialization: a copy elsewhere waits on its own time. */
    private final transient @Nullable CompletionStage<Void> released;

    public ConversationLeasedException(String threadId, String holder, Instant expiresAt) {
        this(threadId, holder, expiresAt, false);
    }

    /** {@code handOverAsked}: the holder was asked for the conversation ({@link ConversationStore#askHandOver}) after this refusal. */
    public ConversationLeasedException(String threadId, String holder, Instant expiresAt, boolean handOverAsked) {
        this(threadId, holder, expiresAt, handOverAsked, null);
    }

    /**
     * As above, with what completes when the store hears that the holder gave the lease back
     * ({@link ConversationStore#whenReleased}; null: nothing will say).
     */
    public ConversationLeasedException(String threadId, String holder, Instant expiresAt, boolean handOverAsked,
                                       @Nullable CompletionStage<Void> released) {
        super(threadId, "conversation " + threadId + " is leased to " + holder + " until " + expiresAt
                + (handOverAsked ? " (asked to hand it over)" : ""), null, FailureKind.ALREADY_OPEN);
        this.holder = holder;
        this.expiresAt = expiresAt;
        this.handOverAsked = handOverAsked;
        this.released = released;
    }

    /**
     * Completes when the store hears that the holder gave the lease back after the ask (decision
     * 0118): a waiting host then tries again at once ({@link LeaseWait}). A hint; never completes
     * when the store does not say.
     */
    public CompletionStage<Void> released() {
        return released != null ? released : new CompletableFuture<Void>().minimalCompletionStage();
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
