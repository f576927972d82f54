package dev.codexbridge.a2a;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.session.CodexSession;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One A2A context: one codex thread, its session opened on the first message and kept for the
 * next ones, one task (turn) at a time. Codex's requests go to the task running on it.
 */
final class A2aContext implements AutoCloseable {
    final String id;
    private final String principal;
    private final SessionSource sessions;
    private final ApprovalPolicy approvals;
    private @Nullable CodexSession session;
    private volatile @Nullable A2aTask current;
    private volatile long lastUsed = System.nanoTime();

    A2aContext(String id, String principal, SessionSource sessions, Duration approvalDeadline) {
        this.id = id;
        this.principal = principal;
        this.sessions = sessions;
        // the library's own deadline a little later than the task's, which declines first and says why
        this.approvals = ApprovalPolicy.builder().handler(this::ask).deadline(approvalDeadline.plusSeconds(5)).build();
    }

    private CompletableFuture<ApprovalDecision> ask(ApprovalRequest request) {
        A2aTask t = current;
        return t == null ? CompletableFuture.completedFuture(ApprovalDecision.deny("no task is running in this context"))
                : t.ask(request);
    }

    synchronized CodexSession session() {
        if (session == null) {
            session = sessions.open(principal, id, approvals);
        }
        return session;
    }

    /** Whether a task runs here now. */
    boolean busy() {
        A2aTask t = current;
        return t != null && !t.ended();
    }

    void run(A2aTask task) {
        current = task;
        lastUsed = System.nanoTime();
    }

    long lastUsed() {
        return lastUsed;
    }

    @Override
    public synchronized void close() {
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
