package dev.codexbridge.store;

import dev.codexbridge.FailureKind;
import org.jspecify.annotations.Nullable;

/**
 * The store was closed: nothing more is read or written through it. Unlike a store that did not
 * answer, trying again cannot help, so what holds a lease on it (a session's renewer) stops at the
 * first one instead of retrying until the lease runs out ({@link FailureKind#CODEX_UNAVAILABLE}:
 * the host is stopping, or closed its store before its sessions).
 */
public class StoreClosedException extends ConversationStoreException {
    private static final long serialVersionUID = 1L;

    public StoreClosedException(@Nullable String threadId, String store) {
        super(threadId, "the conversation store " + store + " is closed: nothing more is read or written there"
                + (threadId == null ? "" : " (conversation " + threadId + ")"), null, FailureKind.CODEX_UNAVAILABLE);
    }
}
