package dev.codexbridge.store;

import dev.codexbridge.FailureKind;

/**
 * A put was refused before anything was written because it is beyond one of the store's
 * {@link StoreLimits}: {@link #limit()} names it, with the value found and the cap
 * ({@link FailureKind#INVALID_INPUT}).
 */
public class ConversationTooLargeException extends ConversationStoreException {
    private static final long serialVersionUID = 1L;

    private final String limit;
    private final long value;
    private final long cap;

    public ConversationTooLargeException(String threadId, String limit, long value, long cap) {
        super(threadId, "conversation " + threadId + " is refused: " + limit + " is " + value + ", above the store's cap of " + cap,
                null, FailureKind.INVALID_INPUT);
        this.limit = limit;
        this.value = value;
        this.cap = cap;
    }

    /** The cap reached: {@code lineage bytes}, {@code rollout files}, or a text field's name. */
    public String limit() {
        return limit;
    }

    public long value() {
        return value;
    }

    public long cap() {
        return cap;
    }
}
