package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the replicas of one agent share besides their contexts (decision 0071): each task's
 * record, written by the replica running it; what callers ask of a task or a context on another
 * replica (a cancel, an answer to its request, its conversation handed over), left for the replica
 * that has it; push configs; and which replicas are alive. Implementations are thread-safe and
 * every call blocks on storage.
 */
interface TaskBoard {
    /** This replica as the records name it: its name and the boot it is in, so a restarted replica is another. */
    String replica();

    Optional<TaskRecord> task(String taskId);

    /** The records of these tasks, those that have one. */
    List<TaskRecord> tasks(Collection<String> taskIds);

    /** The principal's newest {@code newest} tasks, newest first. */
    List<TaskRecord> tasks(String principal, int newest);

    /** The newest task of {@code principal}'s context {@code contextId}, if any (never another principal's of that id). */
    Optional<TaskRecord> latest(String principal, String contextId);

    /** The running replica's write: the task at {@code revision}, kept unless a later revision is there already. */
    void write(String taskId, long revision, String state, ObjectNode task);

    void askCancel(String taskId);

    /** Leaves the caller's answer to a task's pending request for the replica running it. */
    void askAnswer(String taskId, ObjectNode message);

    /** Asks whichever replica holds the context's conversation idle to let it go. */
    void askHandoff(ContextKey context);

    /** What callers asked elsewhere of these tasks (running here) and contexts (held here, idle), each taken once. */
    Asked takeAsked(Collection<String> runningTasks, Collection<ContextKey> idleContexts);

    record Asked(Set<String> cancels, Map<String, ObjectNode> answers, Set<ContextKey> handoffs) {
        boolean none() {
            return cancels.isEmpty() && answers.isEmpty() && handoffs.isEmpty();
        }
    }

    /**
     * A push config as the store keeps it: its task, the task's principal, its id, and its text
     * as the server gave it (sealed, decision 0104; the board neither reads nor trusts it).
     */
    record StoredPush(String taskId, String principal, String configId, String text) {
    }

    /** The push configs of these tasks, in the order they were set. */
    Map<String, List<StoredPush>> pushConfigs(Collection<String> taskIds);

    /** Keeps {@code config}, replacing one of its id; refused beyond {@code perTask} configs on its task. */
    void savePush(StoredPush config, int perTask);

    /** Removes the task's config {@code configId}; without one, its only config. */
    void deletePush(String taskId, @Nullable String configId);

    /** This replica is alive. */
    void heartbeat();

    /**
     * Whether a heartbeat is due before its time: what says this replica is alive changed since
     * the last one (the conversation store's session, decision 0138).
     */
    default boolean heartbeatDue() {
        return false;
    }

    /** This replica stops: its tasks are no longer followed as running, at once. */
    void leave();
}
