package dev.codexbridge;

import org.jspecify.annotations.Nullable;

/**
 * Root of every exception codex-bridge throws. Unchecked, so a host can catch one type at its
 * boundary; the subclasses say which layer failed (process, connection, protocol, timeout), and
 * {@link #kind()} what a host does about it (answer 404, 409, 403, 503, ...).
 */
public class CodexException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final FailureKind kind;

    public CodexException(String message) {
        this(message, null, FailureKind.OTHER);
    }

    public CodexException(String message, @Nullable Throwable cause) {
        this(message, cause, FailureKind.OTHER);
    }

    public CodexException(String message, FailureKind kind) {
        this(message, null, kind);
    }

    public CodexException(String message, @Nullable Throwable cause, FailureKind kind) {
        super(message, cause);
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
    }

    /** What kind of failure this is, for a host to branch on. */
    public FailureKind kind() {
        return kind;
    }
}
