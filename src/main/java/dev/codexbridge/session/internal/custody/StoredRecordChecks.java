package dev.codexbridge.session.internal.custody;

import dev.codexbridge.lineage.LineageException;
import dev.codexbridge.lineage.ThreadLineage;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.StoredConversation;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** What a wake checks of a stored record before anything of it is written on an app-server (decision 0067). */
public final class StoredRecordChecks {
    private StoredRecordChecks() {
    }

    /**
     * The stored owner is compared, never rewritten: a session whose storage names another owner
     * ({@code mine}) than the record does, no owner included, does not wake it. The session's puts
     * write its storage's owner, which past this check is the record's.
     */
    public static void requireOwner(StoredConversation c, @Nullable ConversationOwner mine) {
        if (!Objects.equals(c.owner(), mine)) {
            throw new ThreadAccessDeniedException(mine == null ? null : mine.principal(), c.threadId(), ThreadOperation.RESUME,
                    ThreadAccessDeniedException.STORED_OWNER);
        }
    }

    /** The record's lineage is its thread's own ({@link ThreadLineage#requireOwn}); else it is corrupt, and nothing is written. */
    public static void requireOwnLineage(StoredConversation c) {
        try {
            ThreadLineage.requireOwn(c.threadId(), c.lineage());
        } catch (LineageException e) {
            throw new CorruptConversationException(c.threadId(), e.getMessage(), e);
        }
    }
}
