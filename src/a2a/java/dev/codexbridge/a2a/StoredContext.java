package dev.codexbridge.a2a;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ContextStore} keeps of one A2A context: whose it is, the codex thread behind it,
 * the ids of its newest tasks (each the key of its codex turn), so that after a restart a message
 * in the context resumes the thread and {@code tasks/get} of an older task finds its turn in
 * codex's record, and the {@code messageId} of the caller's message each task was made of, so that
 * the message sent again is answered with its task (decision 0117).
 *
 * @param contextId  the context's id, as its principal names it: another principal's context of the same id is another context
 * @param principal  the caller that made it; no other caller reaches it
 * @param threadId   the codex thread
 * @param taskIds    the context's task ids, oldest first, at most {@link #MAX_TASKS}
 * @param updatedMs  when it last changed (epoch milliseconds): the least recently changed context is forgotten first
 * @param messageIds by task id, the {@code messageId} of the message the task was made of; only of tasks in {@code taskIds}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StoredContext(String contextId, String principal, String threadId, List<String> taskIds, long updatedMs,
        Map<String, String> messageIds) {
    /** Task ids kept per context: older tasks are no longer found after a restart. */
    public static final int MAX_TASKS = 100;

    @JsonCreator
    public StoredContext(@JsonProperty("contextId") String contextId, @JsonProperty("principal") String principal,
            @JsonProperty("threadId") String threadId, @JsonProperty("taskIds") List<String> taskIds, @JsonProperty("updatedMs") long updatedMs,
            @JsonProperty("messageIds") @Nullable Map<String, String> messageIds) {
        this.contextId = Objects.requireNonNull(contextId, "contextId");
        this.principal = Objects.requireNonNull(principal, "principal");
        this.threadId = Objects.requireNonNull(threadId, "threadId");
        this.taskIds = List.copyOf(taskIds.size() > MAX_TASKS ? taskIds.subList(taskIds.size() - MAX_TASKS, taskIds.size()) : taskIds);
        this.updatedMs = updatedMs;
        // a record written before message ids were kept has none
        Map<String, String> kept = new LinkedHashMap<>();
        if (messageIds != null) {
            this.taskIds.forEach(t -> {
                String m = messageIds.get(t);
                if (m != null) {
                    kept.put(t, m);
                }
            });
        }
        // most contexts hold one task: Map.of keeps it in 24 bytes, where a LinkedHashMap and its view took about 200
        this.messageIds = kept.isEmpty() ? Map.of()
                : kept.size() == 1 ? Map.of(kept.keySet().iterator().next(), kept.values().iterator().next())
                : java.util.Collections.unmodifiableMap(kept);
    }

    /** A context whose tasks' message ids are not known (a record from before they were kept). */
    public StoredContext(String contextId, String principal, String threadId, List<String> taskIds, long updatedMs) {
        this(contextId, principal, threadId, taskIds, updatedMs, Map.of());
    }

    /** What names this context in the stores: its principal and its id. */
    ContextKey key() {
        return new ContextKey(principal, contextId);
    }

    /** This context with one more task (the oldest dropped past {@link #MAX_TASKS}), on {@code threadId}, made of message {@code messageId}. */
    StoredContext withTask(String threadId, String taskId, @Nullable String messageId, long nowMs) {
        List<String> tasks = new java.util.ArrayList<>(taskIds);
        if (!tasks.contains(taskId)) {
            tasks.add(taskId);
        }
        Map<String, String> messages = new LinkedHashMap<>(messageIds);
        if (messageId != null) {
            messages.put(taskId, messageId);
        }
        return new StoredContext(contextId, principal, threadId, tasks, nowMs, messages);
    }

    /** {@link #withTask(String, String, String, long)} of a task whose message id is not known. */
    StoredContext withTask(String threadId, String taskId, long nowMs) {
        return withTask(threadId, taskId, null, nowMs);
    }

    StoredContext onThread(String newThreadId, long nowMs) {
        return new StoredContext(contextId, principal, newThreadId, taskIds, nowMs, messageIds);
    }
}
