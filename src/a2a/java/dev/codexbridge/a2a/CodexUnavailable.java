package dev.codexbridge.a2a;

import dev.codexbridge.client.ThreadOpenCapacityException;
import dev.codexbridge.rpc.ConnectionClosedException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A call that failed because codex could not serve it just then, not through a fault of the
 * server's: its connection ended while the call was served (a tenant's codex killed; the
 * connection starts it again), or codex had no room for another thread load. The caller is told
 * to send again, with the code A2A's "busy" answers use, never "internal error".
 */
final class CodexUnavailable {
    /** When to send again after codex stopped: by then its connection has started it again. */
    static final int RETRY_AFTER_SECONDS = 2;

    private CodexUnavailable() {
    }

    /** The answer for {@code failure} when codex's connection ended or its window was full, else null. */
    static @Nullable A2aError answer(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof ThreadOpenCapacityException full) {
                long seconds = Math.max(1, (full.retryAfter().toMillis() + 999) / 1000);
                return error("codex is opening as many conversations as it can take: send again in " + seconds + " s", seconds);
            }
            if (t instanceof ConnectionClosedException) {
                return error("codex stopped while this call was served, and is being started again: send again in "
                        + RETRY_AFTER_SECONDS + " s", RETRY_AFTER_SECONDS);
            }
        }
        return null;
    }

    private static A2aError error(String message, long seconds) {
        return new A2aError(A2aError.UNSUPPORTED, message, Map.of("retryAfterSeconds", Long.toString(seconds), "codexUnavailable", "true"));
    }
}
