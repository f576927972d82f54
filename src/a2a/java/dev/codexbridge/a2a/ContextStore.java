package dev.codexbridge.a2a;

import dev.codexbridge.session.ThreadAccess;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the server keeps which codex thread each A2A context is, and whose it is, so contexts
 * outlive the server: after a restart on the same store (and the same codex homes), a message
 * in a known context resumes its thread, and {@code tasks/get} of a task from before the restart
 * reads the turn from codex's record. Bounded: past its size the least recently changed context is
 * forgotten (a later message naming it starts a new context, on a new codex thread).
 *
 * <p>A context is its principal's and the id it gave (decision 0102): the same context id from two
 * principals names two contexts, each found by its own principal only, so another principal's id
 * is, to a caller, an id nobody used.
 *
 * <p>{@link #inMemory(int)} (the default) lasts as long as the server; {@link #files(Path, int)}
 * survives restarts; {@link #postgres} is shared by several servers at once. Implementations are
 * thread-safe.
 */
public interface ContextStore {
    /** The contexts a store holds by default. */
    int DEFAULT_MAX_CONTEXTS = 10_000;

    /** {@code principal}'s context {@code contextId}; another principal's of that id is never it. */
    Optional<StoredContext> context(String principal, String contextId);

    /** The context a task id belongs to. */
    Optional<StoredContext> contextOfTask(String taskId);

    /**
     * The task {@code principal}'s message {@code messageId} became, while the store keeps that task
     * (decision 0117): a message sent again is answered with it, never run twice. Another
     * principal's message of that id is never it. This default knows none (a store of a host's own
     * that keeps no message ids: a message sent again after a restart runs again).
     */
    default Optional<String> taskOfMessage(String principal, String messageId) {
        return Optional.empty();
    }

    /** The caller a codex thread belongs to, for {@link #threadAccess()}. */
    Optional<String> ownerOfThread(String threadId);

    /**
     * Keeps {@code context}, replacing what was kept under its principal and id (another principal's
     * of that id untouched), with its tasks' message ids ({@link StoredContext#messageIds()}).
     */
    void save(StoredContext context);

    /**
     * Puts context {@code was.contextId()} of {@code was.principal()} on the codex thread
     * {@code threadId} in place of {@code was.threadId()}, a thread that can never be resumed
     * (decision 0093), unless the record names another thread by now (another replica put it on a
     * fresh thread first): one check and write, so every replica agrees on the context's thread.
     * Returns the record as it is after: on {@code threadId} when this call replaced it. This
     * default serves a store in this process only (it holds the store's monitor); {@link #postgres}
     * does it in one statement.
     */
    default StoredContext replaceThread(StoredContext was, String threadId) {
        synchronized (this) {
            StoredContext now = context(was.principal(), was.contextId()).orElse(was);
            if (!now.threadId().equals(was.threadId())) {
                return now;
            }
            StoredContext replaced = now.onThread(threadId, System.currentTimeMillis());
            save(replaced);
            return replaced;
        }
    }

    /**
     * The rule that a thread belongs to the caller whose context it is behind: give it to a
     * {@code CodexPool} or {@code CodexTenants} the server's {@link SessionSource} uses, so that a
     * thread of one principal is never resumed, read or answered for another, whatever id is tried.
     */
    default ThreadAccess threadAccess() {
        return ThreadAccess.owners(thread -> ownerOfThread(thread).orElse(null));
    }

    /** Held in memory only, at most {@code maxContexts}. */
    static ContextStore inMemory(int maxContexts) {
        return new MemoryContextStore(maxContexts);
    }

    /**
     * Contexts, tasks and push configs in PostgreSQL, shared by the replicas of one agent behind a
     * load balancer, so that any replica answers any caller (docs/a2a.md, "Replicas"; decision
     * 0071): each task's record (its state, status, artifacts and history as A2A JSON) is written
     * by the replica running it and read by the others; a cancel, an answer or a push config given
     * to another replica reaches the one running the task; a dead replica's tasks are settled from
     * codex's record by the next replica asked. Give every replica its own {@code replica} name (say,
     * its host name) and the same database; the gateway's sessions need a conversation store the
     * replicas share too ({@code CodexGateway.Builder.storage}), so that a context's conversation
     * wakes on whichever replica serves it. Plain JDBC on {@code dataSource}, the host's pool and
     * driver; the tables ({@code codex_a2a_*}) are created or migrated now. At most
     * {@code maxContexts} contexts, the least recently changed forgotten with their tasks.
     *
     * @throws dev.codexbridge.CodexException when the tables cannot be created or are newer than this library
     */
    static ContextStore postgres(javax.sql.DataSource dataSource, String replica, int maxContexts) {
        return PostgresContextStore.open(dataSource, replica, maxContexts, new dev.codexbridge.store.spi.OutageGate());
    }

    /**
     * {@link #postgres(javax.sql.DataSource, String, int)}, behind {@code gate}: the outage gate of
     * the conversation store on the same database ({@code ConversationStore.outageGate()}), so a
     * database that stays away costs a call one wait in all, not one per store it touches (decision
     * 0099): once either store found the database away, both refuse at once while one call a second
     * asks it again.
     */
    static ContextStore postgres(javax.sql.DataSource dataSource, String replica, int maxContexts,
                                 dev.codexbridge.store.spi.OutageGate gate) {
        return PostgresContextStore.open(dataSource, replica, maxContexts, gate);
    }

    /**
     * {@link #postgres(javax.sql.DataSource, String, int)} beside {@code conversations}, the
     * conversation store the replicas share on the same database: behind its outage gate (as
     * above), and each replica alive only while that store's session with the database lives
     * (decision 0138) — a replica whose process died, or whose session the database ended, is dead
     * to the others at once, its running tasks settled as its conversations come free, not after
     * its heartbeat grew 5 s old. A store with no gate or session of its own (a disk store) gives
     * what {@link #postgres(javax.sql.DataSource, String, int)} does.
     */
    static ContextStore postgres(javax.sql.DataSource dataSource, String replica, int maxContexts,
                                 dev.codexbridge.store.ConversationStore conversations) {
        return PostgresContextStore.open(dataSource, replica, maxContexts,
                conversations.outageGate().orElseGet(dev.codexbridge.store.spi.OutageGate::new), conversations.databaseSession().orElse(null));
    }

    /**
     * One small JSON file per context in {@code directory}, each written atomically (a new file
     * moved over the old one), read back when the store is opened; at most {@code maxContexts}.
     * The directory is created owner-only when missing, and refused when others may write to it.
     *
     * @throws IllegalArgumentException when the directory is world- or group-writable, or not a directory
     * @throws java.io.UncheckedIOException when it cannot be created or read
     */
    static ContextStore files(Path directory, int maxContexts) {
        return FileContextStore.open(directory, maxContexts);
    }
}
