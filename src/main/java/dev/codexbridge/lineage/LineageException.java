package dev.codexbridge.lineage;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import org.jspecify.annotations.Nullable;

/**
 * A lineage could not be moved as asked: codex could not give it whole (a file missing, a fork
 * source gone, a file not named as codex names rollouts), a file is beyond the cap, what was
 * written does not read back byte for byte, a file to remove has changed, or an app-server's
 * {@code fs/*} call failed or took longer than the call's timeout. The message names the thread
 * and the file. {@link #kind()}: {@code INVALID_INPUT} for a cap, {@code UNKNOWN_THREAD} for a
 * thread codex does not know, the failed call's kind for a call, {@code OTHER} otherwise.
 */
public class LineageException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String threadId;

    public LineageException(@Nullable String threadId, String message, @Nullable Throwable cause, FailureKind kind) {
        super(message, cause, kind);
        this.threadId = threadId;
    }

    LineageException(@Nullable String threadId, String message) {
        this(threadId, message, null, FailureKind.OTHER);
    }

    /** The thread whose lineage it was; null when a list of files was given without one. */
    public @Nullable String threadId() {
        return threadId;
    }
}
