package dev.codexbridge.store;

import dev.codexbridge.FailureKind;

/**
 * A put that appended to a rollout ({@link ConversationStore#putAppending}) named a base the store
 * does not hold at that path in the version it replaces: another size or hash, or no such file.
 * Nothing was changed; the caller puts the whole lineage instead ({@link FailureKind#ALREADY_OPEN}).
 */
public class StaleAppendException extends ConversationStoreException {
    private static final long serialVersionUID = 1L;

    private final String relativePath;

    public StaleAppendException(String threadId, String relativePath, String why) {
        super(threadId, "conversation " + threadId + ": the append to rollout " + relativePath + " does not start from the stored file ("
                + why + "); nothing was changed, put the whole lineage", null, FailureKind.ALREADY_OPEN);
        this.relativePath = relativePath;
    }

    /** The rollout whose base did not match. */
    public String relativePath() {
        return relativePath;
    }
}
