package dev.codexbridge.internal;

import java.util.Set;

/**
 * A throwable as it may be shown when its own has something unsafe in a message: the original's
 * {@code toString()} (class and message) made safe, its stack trace, and its causes and suppressed
 * throwables shown the same way. What {@code printStackTrace} prints of it reads like the
 * original's, minus control characters and secrets.
 */
final class EscapedFailure extends Throwable {
    private static final long serialVersionUID = 1L;

    private EscapedFailure(String shown, Throwable cause) {
        super(shown, cause, true, true);
    }

    static EscapedFailure of(Throwable original, Set<Throwable> seen, int depth, int maxDepth) {
        seen.add(original);
        Throwable cause = original.getCause();
        EscapedFailure shownCause = cause != null && depth < maxDepth && !seen.contains(cause)
                ? of(cause, seen, depth + 1, maxDepth) : null;
        EscapedFailure e = new EscapedFailure(UntrustedText.of(original.toString()), shownCause);
        e.setStackTrace(original.getStackTrace());
        for (Throwable s : original.getSuppressed()) {
            if (depth < maxDepth && !seen.contains(s)) {
                e.addSuppressed(of(s, seen, depth + 1, maxDepth));
            }
        }
        return e;
    }

    /** The original's stack trace is set instead. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /** What {@code printStackTrace} prints first: the original's class and message, made safe. */
    @Override
    public String toString() {
        return getMessage();
    }
}
