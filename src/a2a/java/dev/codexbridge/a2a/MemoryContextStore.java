package dev.codexbridge.a2a;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Contexts in memory by principal and id ({@link ContextKey}), least recently changed first, with
 * indexes by task, by thread and by each principal's message ids; the file-backed store keeps one of
 * these as its index. Guarded by its own monitor.
 */
final class MemoryContextStore implements ContextStore {
    private final int max;
    private final LinkedHashMap<ContextKey, StoredContext> contexts = new LinkedHashMap<>();
    private final Map<String, ContextKey> contextOfTask = new HashMap<>();
    private final Map<String, String> ownerOfThread = new HashMap<>();
    /** A principal's message id, to the task it became (decision 0117): the newest context saved with it wins. */
    private final Map<MessageKey, String> taskOfMessage = new HashMap<>();

    /** A message id under its principal: another principal's message of that id is another message. */
    private record MessageKey(String principal, String messageId) {
    }

    MemoryContextStore(int maxContexts) {
        if (maxContexts < 1) {
            throw new IllegalArgumentException("maxContexts must be >= 1, not " + maxContexts);
        }
        this.max = maxContexts;
    }

    @Override
    public synchronized Optional<StoredContext> context(String principal, String contextId) {
        return Optional.ofNullable(contexts.get(new ContextKey(principal, contextId)));
    }

    @Override
    public synchronized Optional<StoredContext> contextOfTask(String taskId) {
        ContextKey c = contextOfTask.get(taskId);
        return c == null ? Optional.empty() : Optional.ofNullable(contexts.get(c));
    }

    @Override
    public synchronized Optional<String> ownerOfThread(String threadId) {
        return Optional.ofNullable(ownerOfThread.get(threadId));
    }

    @Override
    public synchronized Optional<String> taskOfMessage(String principal, String messageId) {
        return Optional.ofNullable(taskOfMessage.get(new MessageKey(principal, messageId)));
    }

    @Override
    public void save(StoredContext context) {
        put(context);
    }

    /** Keeps {@code context}; answers the contexts forgotten to make room. */
    synchronized List<StoredContext> put(StoredContext context) {
        ContextKey key = context.key();
        StoredContext old = contexts.remove(key);
        if (old != null) {
            unindex(old);
        }
        contexts.put(key, context);
        context.taskIds().forEach(t -> contextOfTask.put(t, key));
        ownerOfThread.put(context.threadId(), context.principal());
        context.messageIds().forEach((task, message) -> taskOfMessage.put(new MessageKey(context.principal(), message), task));
        List<StoredContext> gone = new ArrayList<>();
        while (contexts.size() > max) {
            StoredContext eldest = contexts.values().iterator().next();
            contexts.remove(eldest.key());
            unindex(eldest);
            gone.add(eldest);
        }
        return gone;
    }

    private void unindex(StoredContext c) {
        c.taskIds().forEach(t -> contextOfTask.remove(t, c.key()));
        ownerOfThread.remove(c.threadId(), c.principal());
        c.messageIds().forEach((task, message) -> taskOfMessage.remove(new MessageKey(c.principal(), message), task));
    }

    synchronized int size() {
        return contexts.size();
    }
}
