package dev.codexbridge.store;

import java.time.Clock;

/**
 * One implementation under the contract tests: stores opened on the same storage (each a "host"),
 * ways to damage a stored record behind the store's back, and how a child JVM opens it.
 */
interface StoreUnderTest {
    /** A new store instance on the shared storage; closed after the test. */
    ConversationStore open(StoreLimits limits, Clock clock);

    default ConversationStore open() {
        return open(StoreLimits.DEFAULTS, Clock.systemUTC());
    }

    /** Flips one bit of rollout {@code file} of the stored version, in the stored bytes themselves. */
    void flipByte(String threadId, int file) throws Exception;

    /** Cuts the last bytes off rollout {@code file} of the stored version. */
    void truncate(String threadId, int file) throws Exception;

    /** Removes rollout {@code file} of the stored version. */
    void removeRollout(String threadId, int file) throws Exception;

    /** Marks the stored version as written in record format {@code format}. */
    void setFormat(String threadId, int format) throws Exception;

    /** As someone who can write the storage would: sets the size the record gives rollout {@code file}, the record otherwise whole. */
    void setRecordedSize(String threadId, int file, long size) throws Exception;

    /**
     * As someone who can write the storage would: replaces rollout {@code file}'s bytes, with the
     * size and hash the record gives that file made to match, and any total the record keeps of its
     * lineage left as it was.
     */
    void replaceRollout(String threadId, int file, byte[] bytes) throws Exception;

    /** As someone who can write the storage would: sets the stored version's number, the record otherwise whole. */
    void setVersion(String threadId, long version) throws Exception;

    /** Checks that a writer killed mid-put left nothing behind once the conversation was changed again. */
    default void assertNothingLeftBehind(String threadId) throws Exception {
    }

    /** What {@link StoreChild} is given to open the same storage. */
    String childSpec();
}
