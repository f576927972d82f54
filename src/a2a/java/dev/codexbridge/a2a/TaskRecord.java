package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One task as the replicas sharing a store see it ({@link TaskBoard}): whose it is, its state,
 * the task as A2A JSON (0.3's shape, what {@code tasks/get} answers) at its {@code revision},
 * the replica running it and whether that replica is alive (seen lately).
 *
 * @param task null until the replica running it wrote it (it was recorded before its turn started)
 */
record TaskRecord(String taskId, String contextId, String principal, String state, long revision, @Nullable ObjectNode task,
        String replica, boolean replicaAlive, Instant updated) {

    boolean ended() {
        return A2aTask.isEnd(state);
    }

    /** The task as A2A's {@code Task}: as its replica last wrote it, or, before it wrote any, submitted. */
    ObjectNode taskJson() {
        if (task != null) {
            return task.deepCopy();
        }
        ObjectNode t = A2aWire.object().put("kind", "task").put("id", taskId).put("contextId", contextId);
        t.putObject("status").put("state", state).put("timestamp", updated.toString());
        t.putArray("artifacts");
        t.putArray("history");
        t.putObject("metadata");
        return t;
    }
}
