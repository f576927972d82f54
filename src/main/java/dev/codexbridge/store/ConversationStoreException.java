package dev.codexbridge.store;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import org.jspecify.annotations.Nullable;

/**
 * A conversation store could not do what was asked: its storage failed (a disk, a database), or —
 * as one of the subclasses — the record is corrupt, the conversation is leased to another host,
 * the caller's lease is gone, the version changed, or a cap is reached. The message names the
 * conversation and what went wrong.
 */
public class ConversationStoreException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String threadId;

    public ConversationStoreException(@Nullable String threadId, String message, @Nullable Throwable cause) {
        this(threadId, message, cause, FailureKind.OTHER);
    }

    protected ConversationStoreException(@Nullable String threadId, String message, @Nullable Throwable cause, FailureKind kind) {
        super(message, cause, kind);
        this.threadId = threadId;
    }

    /** The conversation concerned; null for a failure of the store as a whole (opening it, listing). */
    public @Nullable String threadId() {
        return threadId;
    }
}
