package dev.codexbridge.client;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import java.time.Duration;

/**
 * A request that loads a thread ({@code thread/start}, {@code thread/resume}, {@code thread/fork}:
 * a new session, a wake, an open) was not sent: the connection's window for them stayed full past
 * its wait, or too many callers already waited ({@link CodexClient.Builder#threadOpens}). Nothing
 * reached codex, so trying again is safe; an HTTP host answers 429 with {@code Retry-After}.
 */
public class ThreadOpenCapacityException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final int window;
    private final int waiting;
    private final Duration waited;
    private final Duration retryAfter;

    public ThreadOpenCapacityException(int window, int waiting, Duration waited, Duration retryAfter) {
        super("codex is busy loading threads: " + window + " at a time on this connection, " + waiting
                + " more waiting; refused after " + waited.toMillis() + " ms, nothing sent; retry after "
                + retryAfter.toMillis() + " ms", FailureKind.CAPACITY);
        this.window = window;
        this.waiting = waiting;
        this.waited = waited;
        this.retryAfter = retryAfter;
    }

    /** How many thread loads the connection lets run at once. */
    public int window() {
        return window;
    }

    /** How many other callers were waiting for the window when this one was refused. */
    public int waiting() {
        return waiting;
    }

    /** How long this caller waited before it was refused (zero: refused at once, the queue was full). */
    public Duration waited() {
        return waited;
    }

    /** When trying again may succeed: a hint, not a reservation. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
