package dev.codexbridge.cli;

import dev.codexbridge.callers.LetGo;
import dev.codexbridge.session.CodexSession;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

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
    /** What a stopping server may spend past its drain before it stores: interrupted turns' ends (5 s), its listener (2 s). */
    static final Duration SERVER_AFTER_DRAIN = Duration.ofSeconds(7);

    private final Map<CodexSession, Boolean> open = Collections.synchronizedMap(new WeakHashMap<>());
    private final String command;
    private final PrintStream err;
    /** How long {@link #close} waits, asked when it does. */
    private final Supplier<Duration> wait;

    OpenSessions(String command, PrintStream err) {
        this(command, err, () -> WAIT);
    }

    /** {@code wait} says, when this closes, how long it may wait for the stores. */
    OpenSessions(String command, PrintStream err, Supplier<Duration> wait) {
        this.command = command;
        this.err = err;
        this.wait = wait;
    }

    /**
     * A wait that shares its {@link #WAIT} with a server closed before, which stores and lets go
     * of its own sessions after {@code before} (its drain) and waits for them itself: what is
     * left of {@code before} plus {@code WAIT} since {@code stop} began, so the two waits do not
     * add up when a store does not answer.
     */
    static Supplier<Duration> sharedWith(OrderlyStop stop, Duration before) {
        return () -> {
            Duration left = before.plus(WAIT).minus(stop.stopping());
            return left.isNegative() ? Duration.ZERO : left;
        };
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
        Duration waited = wait.get();
        int left = LetGo.all(sessions, waited);
        if (left > 0) {
            err.println("codex-bridge " + command + ": " + left + " conversation(s) not stored and let go within the stop's " + waited.toSeconds()
                    + " s; the store keeps each as of its last stored turn, and its lease runs out on its own");
        }
    }
}
