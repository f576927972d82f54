package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's tasks and contexts as the store the replicas share sees them (decision 0071): what
 * another replica's callers ask of the tasks running here, the conversations handed over, and
 * what each tick lets go of. Reads and changes the agent's principals under their monitors.
 */
final class LocalTasks implements SharedTasks.Local {
    /** The agent's logger: its messages keep one category whichever side logs them. */
    private static final Logger LOG = LoggerFactory.getLogger(A2aAgent.class);
    private final A2aAgent agent;
    private final Map<String, A2aAgent.Principal> principals;
    private final AtomicInteger taskCount;

    /** Over the agent's principals and the count of tasks kept (both the agent's own). */
    LocalTasks(A2aAgent agent, Map<String, A2aAgent.Principal> principals, AtomicInteger taskCount) {
        this.agent = agent;
        this.principals = principals;
        this.taskCount = taskCount;
    }

    /** The sessions of contexts whose conversation sleeps in the store are not kept (reopened from the record). */
    void dropAsleepSessions() {
        for (A2aAgent.Principal p : principals.values()) {
            List<A2aContext> contexts;
            synchronized (p) {
                contexts = List.copyOf(p.contexts.values());
            }
            contexts.forEach(A2aContext::dropIfAsleep);
        }
    }

    /**
     * An ended task whose end is recorded is not kept here. Any replica's {@code GetTask} and
     * {@code ListTasks} read it from its record ({@link A2aAgent#task}, {@link SharedTasks#tasks}),
     * so what stays in memory is what a live task needs; the limits apply to the records' listing.
     */
    void forgetRecordedEnds() {
        for (A2aAgent.Principal p : principals.values()) {
            synchronized (p) {
                int before = p.tasks.size();
                p.tasks.values().removeIf(A2aTask::endRecorded);
                taskCount.addAndGet(p.tasks.size() - before);
            }
        }
    }

    @Override
    public List<A2aTask> running() {
        return agent.running();
    }

    @Override
    public void cancel(String taskId) {
        runningTask(taskId).ifPresent(t -> asked(t::cancel));
    }

    @Override
    public void answer(String taskId, ObjectNode message) {
        runningTask(taskId).ifPresent(t -> asked(() -> t.answer(message)));
    }

    @Override
    public void orphaned(TaskRecord r) {
        asked(() -> agent.task(r.principal(), r.taskId()));
    }

    private Optional<A2aTask> runningTask(String taskId) {
        return running().stream().filter(t -> t.id.equals(taskId)).findFirst();
    }

    /** Something another replica's caller asked: refused or failed, it is that caller's to see in the task, not this replica's. */
    private static void asked(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.debug("a request passed on by another replica was not carried out: {}", e.getMessage());
        }
    }

    /** The contexts whose conversation this replica holds with nothing running, all callers together. */
    @Override
    public List<ContextKey> idleContexts() {
        List<A2aContext> all = new ArrayList<>();
        for (A2aAgent.Principal p : principals.values()) {
            synchronized (p) {
                all.addAll(p.contexts.values());
            }
        }
        return all.stream().filter(A2aContext::holdsIdle).map(A2aContext::key).toList();
    }

    /** Another replica wants the context's conversation: let go of it here, if nothing runs on it. */
    @Override
    public void letGo(ContextKey context) {
        A2aAgent.Principal p = principals.get(context.principal());
        if (p == null) {
            return;
        }
        A2aContext c;
        synchronized (p) {
            c = p.contexts.get(context.contextId());
            if (c == null || c.busy()) {
                return;
            }
            p.contexts.remove(context.contextId());
        }
        // stored, unloaded and its lease given back in the background; the asking replica waits for the lease
        c.close();
    }
}
