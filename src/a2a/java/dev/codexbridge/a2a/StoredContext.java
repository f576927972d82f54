package dev.codexbridge.a2a;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link ContextStore} keeps of one A2A context: whose it is, the codex thread behind it,
 * and the ids of its newest tasks (each the key of its codex turn), so that after a restart a
 * message in the context resumes the thread and {@code tasks/get} of an older task finds its turn
 * in codex's record.
 *
 * @param contextId the context's id, as its principal names it: another principal's context of the same id is another context
 * @param principal the caller that made it; no other caller reaches it
 * @param threadId  the codex thread
 * @param taskIds   the context's task ids, oldest first, at most {@link #MAX_TASKS}
 * @param updatedMs when it last changed (epoch milliseconds): the least recently changed context is forgotten first
 */
public record StoredContext(String contextId, String principal, String threadId, List<String> taskIds, long updatedMs) {
    /** Task ids kept per context: older tasks are no longer found after a restart. */
    public static final int MAX_TASKS = 100;

    public StoredContext {
        Objects.requireNonNull(contextId, "contextId");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(threadId, "threadId");
        taskIds = List.copyOf(taskIds.size() > MAX_TASKS ? taskIds.subList(taskIds.size() - MAX_TASKS, taskIds.size()) : taskIds);
    }

    /** What names this context in the stores: its principal and its id. */
    ContextKey key() {
        return new ContextKey(principal, contextId);
    }

    /** This context with one more task (the oldest dropped past {@link #MAX_TASKS}), on {@code threadId}. */
    StoredContext withTask(String threadId, String taskId, long nowMs) {
        List<String> tasks = new java.util.ArrayList<>(taskIds);
        if (!tasks.contains(taskId)) {
            tasks.add(taskId);
        }
        return new StoredContext(contextId, principal, threadId, tasks, nowMs);
    }

    StoredContext onThread(String newThreadId, long nowMs) {
        return new StoredContext(contextId, principal, newThreadId, taskIds, nowMs);
    }
}
