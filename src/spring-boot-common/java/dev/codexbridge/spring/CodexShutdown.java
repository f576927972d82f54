package dev.codexbridge.spring;

import dev.codexbridge.callers.LetGo;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.session.CodexSession;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.springframework.context.SmartLifecycle;

/**
 * Graceful shutdown within Spring's shutdown phases: no new sessions, running turns get
 * {@code codex-bridge.shutdown.await-turns} to finish, the rest are interrupted, then the sessions
 * are closed — with a store, each conversation stored and its lease given back, waited for up to
 * {@code codex-bridge.shutdown.await-store}, so another replica may wake it at once — and the
 * client, pool or tenants closed, which stops the codex processes the application started. The
 * store itself is closed after this, with the context's beans.
 *
 * <p>Its phase ({@link #PHASE}) comes after the web server's graceful shutdown (requests in flight
 * still see their turns end) and before the web server stops.
 */
public final class CodexShutdown implements SmartLifecycle {
    /** Between the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and its stop ({@code - 2048}). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;
    /** How long interrupted turns get to end before their connection is closed under them. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);
    private static final Logger LOG = SafeLogger.getLogger(CodexShutdown.class);

    private final CodexSessions sessions;
    private final Duration awaitTurns;
    private final Duration awaitStore;
    private volatile boolean running;

    CodexShutdown(CodexSessions sessions, Duration awaitTurns, Duration awaitStore) {
        this.sessions = sessions;
        this.awaitTurns = awaitTurns;
        this.awaitStore = awaitStore;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        sessions.refuseNewSessions();
        List<CodexSession> open = sessions.openSessions();
        List<CodexSession> left = awaitTurns(sessions, open, awaitTurns);
        if (!left.isEmpty()) {
            LOG.info("codex-bridge: interrupting {} turn(s) still running after {}", left.size(), awaitTurns);
            left.forEach(s -> safely(s::interrupt));
            left = awaitTurns(sessions, left, INTERRUPT_GRACE);
            if (!left.isEmpty()) {
                LOG.warn("codex-bridge: {} turn(s) did not end after their interrupt; closing under them", left.size());
            }
        }
        closeAndStore(open);
        if (sessions.client() != null) {
            safely(sessions.client()::close);
        } else if (sessions.pool() != null) {
            safely(sessions.pool()::close);
        } else {
            safely(sessions.tenants()::close);
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Closes every session, then waits up to {@link #awaitStore} until those with a store have
     * stored their conversation and given back its lease (at once without a store). The library
     * logs each conversation it could not store, with the version the store keeps.
     */
    private void closeAndStore(List<CodexSession> open) {
        int left = LetGo.all(open, awaitStore);
        if (left > 0) {
            // their steps are cut short as codex stops: the store keeps what it had, each lease runs out on its own
            LOG.warn("codex-bridge: {} conversation(s) not stored {} after their sessions closed; stopping codex under them",
                    left, awaitStore);
        }
    }

    /** The sessions whose turn still runs after waiting up to {@code wait}. */
    private static List<CodexSession> awaitTurns(CodexSessions sessions, List<CodexSession> open, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<CodexSession> busy = open.stream().filter(sessions::turnRunning).toList();
            if (busy.isEmpty() || System.nanoTime() - deadline >= 0) {
                return busy;
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    private static void safely(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.warn("codex-bridge shutdown: {}", e.toString());
        }
    }
}
