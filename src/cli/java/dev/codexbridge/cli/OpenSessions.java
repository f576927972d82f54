package dev.codexbridge.cli;

import dev.codexbridge.session.CodexSession;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The sessions a server's gateway opened ({@code CodexGateway.Builder.onOpen}), closed gracefully
 * when the server stops: each one's conversation stored and its lease given back before codex and
 * the store are closed (docs/store.md, "Shutting down"), waited for up to {@link #WAIT}. Held
 * weakly, as the Spring Boot starter holds them: a session the server dropped is forgotten.
 */
final class OpenSessions implements AutoCloseable {
    /**
     * How long a stop waits for the sessions' stores: above a close's own bound on a local codex
     * (10 s for codex to unload the thread, then the store's writes), within the 30 s a container
     * platform gives a process between SIGTERM and SIGKILL by default, less the other steps.
     */
    static final Duration WAIT = Duration.ofSeconds(25);

    private final Map<CodexSession, Boolean> open = Collections.synchronizedMap(new WeakHashMap<>());
    private final String command;
    private final PrintStream err;

    OpenSessions(String command, PrintStream err) {
        this.command = command;
        this.err = err;
    }

    /** For {@code CodexGateway.Builder.onOpen}. */
    void opened(CodexSession session) {
        open.put(session, Boolean.TRUE);
    }

    /** Closes every session gracefully and waits, up to {@link #WAIT}, for their conversations to be stored and let go. */
    @Override
    public void close() {
        List<CodexSession> sessions;
        synchronized (open) {
            sessions = new ArrayList<>(open.keySet());
            open.clear();
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (CodexSession s : sessions) {
            try {
                // a failure is logged by the library with the version the store kept; the others are still waited for
                closing.add(s.closeGracefully().exceptionally(failure -> null));
            } catch (RuntimeException e) {
                err.println("codex-bridge " + command + ": a session did not close: " + ApiText.escape(String.valueOf(e.getMessage())));
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            long left = closing.stream().filter(f -> !f.isDone()).count();
            err.println("codex-bridge " + command + ": " + left + " conversation(s) not stored and let go within " + WAIT.toSeconds()
                    + " s; the store keeps each as of its last stored turn, and its lease runs out on its own");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // cannot happen: each failure was turned into a completion above
        }
    }
}
