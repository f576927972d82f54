package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.UntrustedText;

/** The host's {@link ThreadAccess} rule refused an operation on a thread; nothing of the thread was read. */
public final class ThreadAccessDeniedException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final String caller;
    private final String threadId;
    private final ThreadOperation operation;

    public ThreadAccessDeniedException(String caller, String threadId, ThreadOperation operation) {
        super("thread access refused: " + (caller == null ? "an unnamed caller" : "caller " + UntrustedText.of(caller))
                + " may not " + operation.name().toLowerCase(java.util.Locale.ROOT) + " thread " + UntrustedText.of(threadId)
                + " (the host's ThreadAccess rule)", FailureKind.ACCESS_REFUSED);
        this.caller = caller;
        this.threadId = threadId;
        this.operation = operation;
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
