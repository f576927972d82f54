package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.session.TurnHandle;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The A2A operations over codex sessions, per authenticated caller: each principal has its own
 * tasks and contexts, so nothing of one is found by another (another's task id is "not found").
 */
final class A2aAgent implements AutoCloseable {
    private final SessionSource sessions;
    private final A2aLimits limits;
    private final Map<String, Principal> principals = new ConcurrentHashMap<>();

    /** One caller's tasks and contexts, oldest first; guarded by its own monitor. */
    private static final class Principal {
        final LinkedHashMap<String, A2aTask> tasks = new LinkedHashMap<>();
        final LinkedHashMap<String, A2aContext> contexts = new LinkedHashMap<>();
    }

    /** A message accepted: its task, and what sets it going once a stream is subscribed (or at once). */
    record Accepted(A2aTask task, Runnable go, boolean answer) {
    }

    A2aAgent(SessionSource sessions, A2aLimits limits) {
        this.sessions = sessions;
        this.limits = limits;
    }

    A2aLimits limits() {
        return limits;
    }

    /**
     * {@code message/send} and {@code message/stream}: a message naming a task answers that task's
     * pending request; otherwise it is a new task (a new codex turn) in its context, a new context
     * when it names none (or one this caller does not have).
     */
    Accepted message(String principal, JsonNode params) {
        JsonNode message = params.path("message");
        if (!message.isObject()) {
            throw A2aError.invalidParams("params.message is required");
        }
        if (!"user".equals(message.path("role").asText("user"))) {
            throw A2aError.invalidParams("message.role must be 'user'");
        }
        if (message.hasNonNull("taskId")) {
            A2aTask task = task(principal, message.path("taskId").asText());
            if (message.hasNonNull("contextId") && !message.path("contextId").asText().equals(task.contextId)) {
                throw A2aError.invalidParams("task " + task.id + " belongs to context " + task.contextId);
            }
            return new Accepted(task, () -> task.answer(message), true);
        }
        String text = A2aWire.text(message);
        if (text.isBlank()) {
            throw A2aError.invalidParams("the message has no text");
        }
        String contextId = message.hasNonNull("contextId") ? message.path("contextId").asText() : UUID.randomUUID().toString();
        Principal p = principals.computeIfAbsent(principal, k -> new Principal());
        List<A2aContext> closing = new ArrayList<>();
        A2aContext context;
        A2aTask task;
        synchronized (p) {
            context = p.contexts.get(contextId);
            if (context == null) {
                closing.addAll(makeRoom(p));
                context = new A2aContext(contextId, principal, sessions, limits.approvalDeadline());
                p.contexts.put(contextId, context);
            } else if (context.busy()) {
                throw new A2aError(A2aError.UNSUPPORTED, "context " + contextId + " has a running task; one task at a time per context");
            }
            if (p.tasks.size() >= limits.tasksPerPrincipal() && !forgetOldestEnded(p)) {
                throw new A2aError(A2aError.UNSUPPORTED, "too many running tasks (" + limits.tasksPerPrincipal() + ")");
            }
            String id = UUID.randomUUID().toString();
            task = new A2aTask(id, contextId, A2aWire.userMessage(message, id, contextId), limits.queuedEvents(), limits.approvalDeadline());
            p.tasks.put(id, task);
            context.run(task);
        }
        closing.forEach(A2aContext::close);
        A2aContext ctx = context;
        return new Accepted(task, () -> start(task, ctx, text), false);
    }

    private static void start(A2aTask task, A2aContext context, String text) {
        try {
            // the task's id is the turn's key: codex keeps it with the turn (decision 0032)
            TurnHandle h = context.session().startTurn(TurnInput.text(text), TurnOptions.builder().key(task.id).build(), task);
            task.onInterrupt(h::interrupt);
            h.result().whenComplete(task::finish);
        } catch (RuntimeException e) {
            task.finish(null, e);
        }
    }

    /** Contexts to close so one more fits: the least recently used idle ones. */
    private List<A2aContext> makeRoom(Principal p) {
        List<A2aContext> out = new ArrayList<>();
        while (p.contexts.size() >= limits.contextsPerPrincipal()) {
            A2aContext idle = p.contexts.values().stream().filter(c -> !c.busy())
                    .min(Comparator.comparingLong(A2aContext::lastUsed)).orElse(null);
            if (idle == null) {
                throw new A2aError(A2aError.UNSUPPORTED, "too many busy contexts (" + limits.contextsPerPrincipal() + ")");
            }
            p.contexts.remove(idle.id);
            out.add(idle);
        }
        return out;
    }

    private static boolean forgetOldestEnded(Principal p) {
        for (Map.Entry<String, A2aTask> e : p.tasks.entrySet()) {
            if (e.getValue().ended()) {
                p.tasks.remove(e.getKey());
                return true;
            }
        }
        return false;
    }

    /** This caller's task, or "task not found" (also for another caller's task). */
    A2aTask task(String principal, @Nullable String id) {
        if (id == null || id.isBlank()) {
            throw A2aError.invalidParams("params.id is required");
        }
        Principal p = principals.get(principal);
        A2aTask t;
        if (p == null) {
            t = null;
        } else {
            synchronized (p) {
                t = p.tasks.get(id);
            }
        }
        if (t == null) {
            throw A2aError.taskNotFound(id);
        }
        return t;
    }

    @Override
    public void close() {
        List<A2aContext> all = new ArrayList<>();
        for (Principal p : principals.values()) {
            synchronized (p) {
                all.addAll(p.contexts.values());
                p.contexts.clear();
            }
        }
        all.forEach(A2aContext::close);
    }
}
