package dev.codexbridge.spring;

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
 * are closed and the client or pool closed, which stops the codex processes the application started.
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
    private volatile boolean running;

    CodexShutdown(CodexSessions sessions, Duration awaitTurns) {
        this.sessions = sessions;
        this.awaitTurns = awaitTurns;
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
        open.forEach(s -> safely(s::close));
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
