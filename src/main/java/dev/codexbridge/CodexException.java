package dev.codexbridge;

import org.jspecify.annotations.Nullable;

/**
 * Root of every exception codex-bridge throws. Unchecked, so a host can catch one type at its
 * boundary; the subclasses say which layer failed (process, connection, protocol, timeout).
 */
public class CodexException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CodexException(String message) {
        super(message);
    }

    public CodexException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
