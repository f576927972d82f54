package dev.codexbridge.store;

import dev.codexbridge.FailureKind;

/**
 * A put named a version that is not the stored one: the conversation was written since the
 * caller read it (or it was never read: 0 for a conversation the store already has). Nothing was
 * changed ({@link FailureKind#ALREADY_OPEN}).
 */
public class VersionConflictException extends ConversationStoreException {
    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long actual;

    public VersionConflictException(String threadId, long expected, long actual) {
        super(threadId, "conversation " + threadId + " is at version " + actual + ", not " + expected + " as the put expected; read it again",
                null, FailureKind.ALREADY_OPEN);
        this.expected = expected;
        this.actual = actual;
    }

    /** The version the put was made from. */
    public long expected() {
        return expected;
    }

    /** The version stored (0: none). */
    public long actual() {
        return actual;
    }
}
