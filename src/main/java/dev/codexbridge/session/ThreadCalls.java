package dev.codexbridge.session;

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
import dev.codexbridge.protocol.ThreadRevertResponse;
import dev.codexbridge.protocol.ThreadSetNameParams;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.rpc.internal.Futures;
import java.util.Objects;
import java.util.Optional;

/**
 * The thread's operations behind {@link CodexSession}'s (read, fork, rename, compact, archive,
 * revert, goals, finding a turn by its key or the running one): each opens (resumes) the session's thread if needed, then sends its request on the
 * thread's connection and waits for codex's answer. Checking the host's access rule is the
 * session's, before it calls here.
 */
final class ThreadCalls {
    private final ThreadConnection connection;

    ThreadCalls(ThreadConnection connection) {
        this.connection = connection;
    }

    /** The thread's id, once it is open (the calling thread waits). */
    private String open() {
        return Futures.join(connection.startAsync());
    }

    private CodexClient client() {
        return connection.client();
    }

    /** Codex's id for the turn started with {@code key}, from its record of the thread's newest turns. */
    Optional<String> findTurn(String key) {
        String id = open();
        Turn found = Futures.join(TurnCatchUp.keyedTurn(client(), id, clientId -> TurnKeys.ofKey(clientId, key)));
        return Optional.ofNullable(found).map(Turn::id);
    }

    /** The turn codex runs on the thread now, if any. */
    Optional<String> runningTurnId() {
        String id = open();
        return Futures.join(TurnCatchUp.runningTurn(client(), id));
    }

    ThreadReadResponse read(boolean includeTurns) {
        String id = open();
        return client().threadRead(new ThreadReadParams(includeTurns, id));
    }

    ThreadForkResponse fork() {
        String id = open();
        return client().threadFork(ThreadForkParams.builder().threadId(id).cwd(connection.settings().cwd().toString()).build());
    }

    void rename(String name) {
        String id = open();
        client().threadNameSet(new ThreadSetNameParams(Objects.requireNonNull(name, "name"), id));
    }

    void compact() {
        String id = open();
        client().threadCompactStart(new ThreadCompactStartParams(id));
    }

    void archive() {
        String id = open();
        client().threadArchive(new ThreadArchiveParams(id));
    }

    ThreadRevertResponse revert(String beforeTurnId) {
        String id = open();
        return client().threadRevert(new ThreadRevertParams(Objects.requireNonNull(beforeTurnId, "beforeTurnId"), id));
    }

    ThreadGoalSetResponse setGoal(String objective) {
        String id = open();
        return client().threadGoalSet(ThreadGoalSetParams.builder().threadId(id).objective(objective).build());
    }

    ThreadGoalGetResponse goal() {
        String id = open();
        return client().threadGoalGet(new ThreadGoalGetParams(id));
    }

    ThreadGoalClearResponse clearGoal() {
        String id = open();
        return client().threadGoalClear(new ThreadGoalClearParams(null, id));
    }
}
