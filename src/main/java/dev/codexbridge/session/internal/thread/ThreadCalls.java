package dev.codexbridge.session.internal.thread;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.ThreadArchiveParams;
import dev.codexbridge.protocol.ThreadCompactStartParams;
import dev.codexbridge.protocol.ThreadForkParams;
import dev.codexbridge.protocol.ThreadForkResponse;
import dev.codexbridge.protocol.ThreadGoalClearParams;
import dev.codexbridge.protocol.ThreadGoalClearResponse;
import dev.codexbridge.protocol.ThreadGoalGetParams;
import dev.codexbridge.protocol.ThreadGoalGetResponse;
import dev.codexbridge.protocol.ThreadGoalSetParams;
import dev.codexbridge.protocol.ThreadGoalSetResponse;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.ThreadRevertParams;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.protocol.ThreadRevertResponse;
import dev.codexbridge.protocol.ThreadSetNameParams;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.session.internal.inbox.TurnCatchUp;
import dev.codexbridge.session.internal.inbox.TurnKeys;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The thread's operations behind {@code CodexSession}'s (read, fork, rename, compact, archive,
 * revert, goals, finding a turn by its key or the running one): each opens (resumes) the session's thread if needed, then sends its request on the
 * thread's connection and waits for codex's answer. Checking the host's access rule is the
 * session's, before it calls here.
 */
public final class ThreadCalls {
    /** How long {@link #revert} asks again while codex still holds the thread's writer after a turn. */
    static final java.time.Duration WRITER_WAIT = java.time.Duration.ofSeconds(10);
    private static final java.time.Duration WRITER_LOOK = java.time.Duration.ofMillis(100);
    private final ThreadConnection connection;

    public ThreadCalls(ThreadConnection connection) {
        this.connection = connection;
    }

    /**
     * Runs {@code op} with the thread's id and its client, once the thread is open (the calling
     * thread waits). The session counts as busy meanwhile, so the idle timer cannot let go of the
     * thread between the open and the request, however long the open waits for a reconnect.
     */
    private <T> T call(BiFunction<CodexClient, String, T> op) {
        SessionHibernation hibernation = connection.hibernation();
        hibernation.callStarted();
        try {
            String id = Futures.join(connection.startAsync());
            return op.apply(connection.client(), id);
        } finally {
            hibernation.callEnded();
        }
    }

    /** Codex's id for the turn started with {@code key}, from its record of the thread's newest turns. */
    public Optional<String> findTurn(String key) {
        Turn found = call((client, id) -> Futures.join(TurnCatchUp.keyedTurn(client, id, clientId -> TurnKeys.ofKey(clientId, key))));
        return Optional.ofNullable(found).map(Turn::id);
    }

    /** The turn codex runs on the thread now, if any. */
    public Optional<String> runningTurnId() {
        return call((client, id) -> Futures.join(TurnCatchUp.runningTurn(client, id)));
    }

    public ThreadReadResponse read(boolean includeTurns) {
        return call((client, id) -> client.threadRead(new ThreadReadParams(includeTurns, id)));
    }

    public ThreadForkResponse fork() {
        return call((client, id) -> client.threadFork(ThreadForkParams.builder().threadId(id).cwd(connection.settings().cwd().toString()).build()));
    }

    public void rename(String name) {
        Objects.requireNonNull(name, "name");
        call((client, id) -> client.threadNameSet(new ThreadSetNameParams(name, id)));
    }

    public void compact() {
        call((client, id) -> client.threadCompactStart(new ThreadCompactStartParams(id)));
    }

    public void archive() {
        call((client, id) -> client.threadArchive(new ThreadArchiveParams(id)));
    }

    /**
     * Reverts the thread to before {@code beforeTurnId}. Right after a turn codex may still hold the
     * thread's writer for a moment and refuse ("already has an active writer", -32600, seen on a
     * loaded machine): that refusal is asked again until codex lets go, for up to
     * {@link #WRITER_WAIT}; any other error, or the same past the wait, is the caller's.
     */
    public ThreadRevertResponse revert(String beforeTurnId) {
        Objects.requireNonNull(beforeTurnId, "beforeTurnId");
        long deadline = System.nanoTime() + WRITER_WAIT.toNanos();
        while (true) {
            try {
                return call((client, id) -> client.threadRevert(new ThreadRevertParams(beforeTurnId, id)));
            } catch (RpcException e) {
                if (!writerHeld(e) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(WRITER_LOOK.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.codexbridge.CodexException("interrupted while waiting for codex to let go of the thread's writer", e);
            }
        }
    }

    /** Codex's refusal while another writer (here: the turn just ended) still holds the thread. */
    private static boolean writerHeld(RpcException e) {
        return e.error() != null && e.error().code() == -32600 && e.error().message() != null
                && e.error().message().contains("already has an active writer");
    }

    public ThreadGoalSetResponse setGoal(String objective) {
        return call((client, id) -> client.threadGoalSet(ThreadGoalSetParams.builder().threadId(id).objective(objective).build()));
    }

    public ThreadGoalGetResponse goal() {
        return call((client, id) -> client.threadGoalGet(new ThreadGoalGetParams(id)));
    }

    public ThreadGoalClearResponse clearGoal() {
        return call((client, id) -> client.threadGoalClear(new ThreadGoalClearParams(null, id)));
    }
}
