package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.UntrustedText;

/**
 * A {@link ThreadAccess} rule refused an operation on a thread — the host's, or the library's own
 * scoping (the tenants': a thread another tenant started); {@link #refusedBy()} says which.
 * Nothing of the thread was read.
 */
public final class ThreadAccessDeniedException extends CodexException {
    private static final long serialVersionUID = 1L;

    /** {@link #refusedBy()} when the host's rule refused. */
    public static final String HOST_RULE = "the host's ThreadAccess rule";
    /**
     * {@link #refusedBy()} when the conversation's stored owner refused: {@link ThreadAccess#storedOwner}, or a
     * wake whose {@link ConversationStorage#owner()} is not the one the store's record names.
     */
    public static final String STORED_OWNER = "the stored conversation's owner";

    private final String caller;
    private final String threadId;
    private final ThreadOperation operation;
    private final String refusedBy;

    /** Refused by the host's rule. */
    public ThreadAccessDeniedException(String caller, String threadId, ThreadOperation operation) {
        this(caller, threadId, operation, HOST_RULE);
    }

    /** Refused by {@code refusedBy} (who or what refused, in words: {@link #HOST_RULE}, the tenants' scoping). */
    public ThreadAccessDeniedException(String caller, String threadId, ThreadOperation operation, String refusedBy) {
        super("thread access refused: " + (caller == null ? "an unnamed caller" : "caller " + UntrustedText.of(caller))
                + " may not " + operation.name().toLowerCase(java.util.Locale.ROOT) + " thread " + UntrustedText.of(threadId)
                + " (refused by " + refusedBy + ")", FailureKind.ACCESS_REFUSED);
        this.caller = caller;
        this.threadId = threadId;
        this.operation = operation;
        this.refusedBy = refusedBy;
    }

    /** Who refused: {@link #HOST_RULE}, or the library's own scoping in words. */
    public String refusedBy() {
        return refusedBy;
    }

    public String caller() {
        return caller;
    }

    public String threadId() {
        return threadId;
    }

    public ThreadOperation operation() {
        return operation;
    }
}
