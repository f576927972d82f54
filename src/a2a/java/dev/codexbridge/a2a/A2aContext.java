package dev.codexbridge.a2a;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.session.CodexSession;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One A2A context: one codex thread, its session opened on the first message (or resumed, when
 * the {@link ContextStore} knows the context from before) and kept for the next ones, one task
 * (turn) at a time. Codex's requests go to the task running on it. Each task is written to the
 * store before its turn starts, so a restart finds it.
 */
final class A2aContext implements AutoCloseable {
    final String id;
    final String principal;
    private final SessionSource sessions;
    private final ContextStore store;
    private final ApprovalHandler caller = this::ask;
    private @Nullable StoredContext stored;
    private @Nullable CodexSession session;
    private volatile @Nullable A2aTask current;
    private volatile long lastUsed = System.nanoTime();

    A2aContext(String id, String principal, SessionSource sessions, ContextStore store, @Nullable StoredContext stored) {
        this.id = id;
        this.principal = principal;
        this.sessions = sessions;
        this.store = store;
        this.stored = stored;
    }

    /** Asks the running task's caller: only what the host's policy left open gets here ({@link SessionSource}). */
    private CompletableFuture<ApprovalDecision> ask(ApprovalRequest request) {
        A2aTask t = current;
        return t == null ? CompletableFuture.completedFuture(ApprovalDecision.deny("no task is running in this context"))
                : t.ask(request);
    }

    /** The context's session, started: its codex thread resumed when the store knows it, else a new one. */
    synchronized CodexSession session() {
        if (session == null) {
            CodexSession s = stored == null ? sessions.open(principal, id, caller)
                    : sessions.resume(principal, id, stored.threadId(), caller);
            try {
                s.start();
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
            session = s;
        }
        return session;
    }

    /** Opens the session if needed and records {@code taskId} in the store, before its turn starts. */
    synchronized CodexSession begin(String taskId) {
        CodexSession s = session();
        String thread = s.threadId();
        long now = System.currentTimeMillis();
        stored = stored == null ? new StoredContext(id, principal, thread, List.of(taskId), now) : stored.withTask(thread, taskId, now);
        store.save(stored);
        return s;
    }

    /** The turn ended on {@code threadId}: a thread codex replaced is recorded, so a restart resumes the new one. */
    synchronized void ended(@Nullable String threadId) {
        if (stored != null && threadId != null && !threadId.equals(stored.threadId())) {
            stored = stored.onThread(threadId, System.currentTimeMillis());
            store.save(stored);
        }
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
