package dev.codexbridge.session;

import dev.codexbridge.CodexException;

/**
 * Codex was reached but the session's thread could not be opened on it: {@code thread/start} or
 * {@code thread/resume} failed, timed out, or the connection ended before codex answered. The
 * message says which and why, and the category is what a turn that needed the thread fails with.
 */
final class ThreadOpenException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCategory category;

    ThreadOpenException(String message, ErrorCategory category, Throwable cause) {
        super(message, cause);
        this.category = category;
    }

    ErrorCategory category() {
        return category;
    }
}
