package dev.codexbridge.session;

import dev.codexbridge.client.CodexClient;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a session on shared connections opens its thread once the connection it had has closed
 * for good: a codex process stopped while the session slept ({@link CodexSession.Builder#hibernateAfter}),
 * or one that died and is not reconnected. For hosts that start and stop codex processes under
 * their sessions, as {@code CodexTenants} does; given with {@link CodexSession.Builder#placement}.
 * Called on one of the library's threads, never two at once for one session, and may block while
 * a codex process starts; throwing fails the call that needed the thread (a turn ends
 * {@code notReceived}).
 */
@FunctionalInterface
public interface ClientPlacement {
    /**
     * The connection to open {@code threadId} on (null before the thread exists); the returned
     * {@link Placed#settled} runs once the thread has its place there, or could not be opened.
     */
    Placed place(@Nullable String threadId);

    /**
     * A connection, and what to run once the session holds its thread place there (a host's
     * reservation that keeps the process from being counted idle meanwhile); run exactly once.
     */
    record Placed(CodexClient client, Runnable settled) {
        public Placed {
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(settled, "settled");
        }
    }
}
