package dev.codexbridge.a2a;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadAccessDeniedException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
    /** Read without the monitor by {@link #holdsIdle}: a resume under way must not hold up the replica's tick. */
    private volatile @Nullable CodexSession session;
    private volatile @Nullable A2aTask current;
    /** A message is being accepted into this context: it is not idle, so it is neither closed to make room nor handed over. */
    private volatile boolean reserved;
    private volatile long lastUsed = System.nanoTime();
    /** Sessions of this context let go because they had lost the conversation's lease ({@link #leaseLosses}). */
    private final java.util.concurrent.atomic.AtomicLong lostLeases = new java.util.concurrent.atomic.AtomicLong();
    private static final VarHandle SESSION;
    private static final VarHandle CURRENT;

    static {
        try {
            SESSION = MethodHandles.lookup().findVarHandle(A2aContext.class, "session", CodexSession.class);
            CURRENT = MethodHandles.lookup().findVarHandle(A2aContext.class, "current", A2aTask.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    A2aContext(String id, String principal, SessionSource sessions, ContextStore store, @Nullable StoredContext stored) {
        this.id = id;
        this.principal = principal;
        this.sessions = sessions;
        this.store = store;
        this.stored = stored;
    }

    /** What names this context in the stores and on the board: its principal and its id. */
    ContextKey key() {
        return new ContextKey(principal, id);
    }

    /** Asks the running task's caller: only what the host's policy left open gets here ({@link SessionSource}). */
    private CompletableFuture<ApprovalDecision> ask(ApprovalRequest request) {
        A2aTask t = current;
        return t == null ? CompletableFuture.completedFuture(ApprovalDecision.deny("no task is running in this context"))
                : t.ask(request);
    }

    /** The context's session, started: its codex thread resumed when the store knows it, else a new one. */
    synchronized CodexSession session() {
        CodexSession held = session;       // read once: dropIfAsleep may take it meanwhile
        if (held != null && held.leaseLost()) {
            // cut off from the store for a while: another replica may have the conversation, so it is opened anew
            lostLeases.incrementAndGet();
            SESSION.compareAndSet(this, held, null);
            held.close();
        }
        CodexSession asleep = session;
        if (asleep != null && asleep.isHibernated() && store instanceof PostgresContextStore) {
            // asleep in the shared store: another replica may have woken it and moved on since, so it is
            // opened anew from the store's record (its thread, the conversation's lease), not woken as it was
            SESSION.compareAndSet(this, asleep, null);
            asleep.close();
        }
        if (session == null) {
            if (stored != null && store instanceof PostgresContextStore) {
                stored = store.context(principal, id).orElse(stored);
            }
            session = stored == null ? started(sessions.open(principal, id, caller)) : resumed(1);
        }
        return session;
    }

    /**
     * The session on the stored thread; when its resume is refused because that thread can never be
     * resumed (its first turn's lease was lost before anything was stored: decision 0093), a fresh
     * thread the record is put on, unless another replica put it on one first, which is then resumed.
     */
    private CodexSession resumed(int replacements) {
        StoredContext was = stored;
        try {
            return started(sessions.resume(principal, id, was.threadId(), caller));
        } catch (ThreadAccessDeniedException refused) {
            // replaced only when no store ever kept the thread and no host holds it (a holder's lease is thrown, to wait
            // for or hand over): nothing is lost, as the lost turn's caller was told it failed, and a fresh thread is
            // this principal's own (the record was checked to be theirs before the context was made)
            if (!sessions.abandoned(principal, id, was.threadId()) || replacements == 0) {
                throw refused;
            }
        }
        CodexSession fresh = started(sessions.open(principal, id, caller));
        StoredContext now = store.replaceThread(was, fresh.threadId());
        stored = now;
        if (now.threadId().equals(fresh.threadId())) {
            return fresh;
        }
        fresh.close();
        return resumed(replacements - 1);
    }

    private static CodexSession started(CodexSession s) {
        try {
            s.start();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * How many times this context's conversation was lost to its lease here, counting a session held
     * now that has lost it: a task accepted at one count whose turn would start at a higher one waited
     * through the loss (a replica stalled or cut off meanwhile), and another replica may have gone on
     * with the conversation since.
     */
    long leaseLosses() {
        CodexSession held = session;
        return lostLeases.get() + (held != null && held.leaseLost() ? 1 : 0);
    }

    /** Opens the session if needed and records {@code taskId} in the store with the message it was made of, before its turn starts. */
    synchronized CodexSession begin(String taskId, String messageId) {
        CodexSession s = session();
        String thread = s.threadId();
        long now = System.currentTimeMillis();
        StoredContext next = (stored == null ? new StoredContext(id, principal, thread, List.of(), now) : stored)
                .withTask(thread, taskId, messageId.isEmpty() ? null : messageId, now);
        store.save(next);
        stored = next;      // only once written: a task whose record failed is not in it
        return s;
    }

    /** The turn ended on {@code threadId}: a thread codex replaced is recorded, so a restart resumes the new one. */
    synchronized void ended(@Nullable String threadId) {
        A2aTask t = current;
        if (t != null && t.ended()) {
            // the context does not keep its ended task: with the shared store the task's record is all that stays
            CURRENT.compareAndSet(this, t, null);
        }
        if (stored != null && threadId != null && !threadId.equals(stored.threadId())) {
            stored = stored.onThread(threadId, System.currentTimeMillis());
            store.save(stored);
        }
    }

    /** {@code task} never began (its record could not be written): the context is free again. */
    void withdraw(A2aTask task) {
        CURRENT.compareAndSet(this, task, null);
    }

    /** Whether a task runs here now, or a message is being accepted. */
    boolean busy() {
        A2aTask t = current;
        return reserved || t != null && !t.ended();
    }

    /** The task running here now, or null. */
    @Nullable A2aTask running() {
        A2aTask t = current;
        return t != null && !t.ended() ? t : null;
    }

    /** Whether a task runs here now. */
    boolean runsTask() {
        A2aTask t = current;
        return t != null && !t.ended();
    }

    void reserve(boolean on) {
        reserved = on;
    }

    /**
     * With the shared store, lets go of a session whose conversation is asleep there and nothing
     * runs on: {@link #session} would open it anew from the record anyway, and a replica keeps
     * nothing per sleeping conversation meanwhile. Called on the replica's tick, without the
     * monitor (a resume under way holds it).
     */
    void dropIfAsleep() {
        CodexSession s = session;
        if (s != null && store instanceof PostgresContextStore && s.isHibernated() && !busy() && SESSION.compareAndSet(this, s, null)) {
            s.close();
        }
    }

    /** Whether this replica holds the context's conversation awake, and with it the conversation's lease. */
    boolean holdsAwake() {
        CodexSession s = session;
        return s != null && !s.isHibernated() && !s.leaseLost();
    }

    /** Whether a session is held (awake or asleep). */
    boolean holdsSession() {
        return session != null;
    }

    /** Whether this replica holds the context's conversation awake, with no task running on it. */
    boolean holdsIdle() {
        CodexSession s = session;
        return s != null && !s.isHibernated() && !busy();
    }

    void run(A2aTask task) {
        current = task;
        lastUsed = System.nanoTime();
    }

    long lastUsed() {
        return lastUsed;
    }

    @Override
    public void close() {
        closeGracefully();
    }

    /** Closes the session; done once its conversation is stored and its lease given back (with a conversation store). */
    synchronized CompletableFuture<Void> closeGracefully() {
        CodexSession s = session;
        session = null;
        return s == null ? CompletableFuture.completedFuture(null) : s.closeGracefully();
    }
}
