package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnHandle;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.store.ConversationLeasedException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The A2A operations over codex sessions, per authenticated caller: each principal has its own
 * tasks and contexts, so nothing of one is found by another: another's task id is "not found", and
 * context ids are each principal's own (decision 0102), so another's context id names a context of
 * the caller's, as an id nobody used does.
 */
final class A2aAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(A2aAgent.class);
    /** How long a closing server waits for its contexts' conversations to be stored and let go. */
    private static final long CLOSE_WAIT_SECONDS = 30;
    /** Tasks whose turn runs on an app-server this server does not stop ({@link #outlivesServer}). */
    private final java.util.Set<A2aTask> outliving = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final SessionSource sessions;
    private final ContextStore store;
    private final A2aLimits limits;
    private final Map<String, Principal> principals = new ConcurrentHashMap<>();
    /** Tasks kept, all callers together ({@link A2aLimits#tasks()}); changed only under a principal's monitor. */
    private final java.util.concurrent.atomic.AtomicInteger taskCount = new java.util.concurrent.atomic.AtomicInteger();
    /** With a store the replicas share: the records of every replica's tasks (decision 0071); null otherwise. */
    private final @Nullable SharedTasks shared;
    /** Which task each caller's message became: a message sent again is answered with it (decision 0117). */
    private final SentMessages sent;

    /** One caller's tasks and contexts, oldest first; guarded by its own monitor. */
    static final class Principal {
        final LinkedHashMap<String, A2aTask> tasks = new LinkedHashMap<>();
        final LinkedHashMap<String, A2aContext> contexts = new LinkedHashMap<>();
    }

    /**
     * A message accepted: its task, and what sets it going once a stream is subscribed (or at once);
     * {@code resent}: the message was sent before and is answered with its task, nothing run (decision 0117).
     */
    record Accepted(A2aTask task, Runnable go, boolean answer, boolean resent) {
        Accepted(A2aTask task, Runnable go, boolean answer) {
            this(task, go, answer, false);
        }

        static Accepted again(A2aTask task, boolean answer) {
            return new Accepted(task, () -> { }, answer, true);
        }
    }

    /** Why a task accepted before its conversation's lease was lost here ends without running. */
    static final String NOT_RUN_AFTER_LOSS = "this replica lost the conversation's lease while the message waited to start (another replica "
            + "may have gone on with the conversation meanwhile): the message was not run; send it again";

    A2aAgent(SessionSource sessions, ContextStore store, A2aLimits limits) {
        this.sessions = sessions;
        this.store = store;
        this.limits = limits;
        this.sent = new SentMessages(store, limits.tasks());
        if (store instanceof PostgresContextStore pg) {
            LocalTasks local = new LocalTasks(this, principals, taskCount);
            this.shared = new SharedTasks(pg.board(), local, limits);
            shared.onTick(local::dropAsleepSessions);
            shared.onTick(local::forgetRecordedEnds);
            shared.start();
        } else {
            this.shared = null;
        }
    }

    /** How many contexts hold a session now, all callers together. */
    int sessionsHeld() {
        int n = 0;
        for (Principal p : principals.values()) {
            synchronized (p) {
                n += (int) p.contexts.values().stream().filter(A2aContext::holdsSession).count();
            }
        }
        return n;
    }

    /** How many tasks this replica keeps in memory, all callers together. */
    int tasksHeld() {
        return taskCount.get();
    }

    @Nullable SharedTasks shared() {
        return shared;
    }

    A2aLimits limits() {
        return limits;
    }

    /**
     * {@code message/send} and {@code message/stream}: a message naming a task answers that task's pending request; otherwise it
     * is a new task (a new codex turn) in its context, a new context when it names none (or one this caller never used, whoever
     * else did: context ids are each caller's own). {@code message.metadata.outputSchema} (a JSON Schema) asks for structured output.
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
            if (SentMessages.took(task, message.path("messageId").asText(""))) {
                // this answer was taken before: sent again, it is answered with the task as it is now
                return Accepted.again(task, true);
            }
            if (task.elsewhere() && !task.ended()) {
                // left for the replica running it ({@link SharedTasks#answerElsewhere})
                return new Accepted(task, shared.answering(task, message), true);
            }
            return new Accepted(task, () -> task.answer(message), true);
        }
        TurnAsked asked = TurnAsked.of(message);
        try (SentMessages.Claim claim = sent.claim(principal, message, id -> task(principal, id))) {
            if (claim.earlier() != null) {
                return Accepted.again(claim.earlier(), false);
            }
            Accepted a = accept(principal, message, asked, claim);
            claim.made(a.task());
            return a;
        }
    }

    /** A message that is no earlier one's copy, made a new task in its context. */
    private Accepted accept(String principal, JsonNode message, TurnAsked asked, SentMessages.Claim claim) {
        String contextId = message.hasNonNull("contextId") ? message.path("contextId").asText() : UUID.randomUUID().toString();
        String messageId = message.path("messageId").asText("");
        Principal p = principals.computeIfAbsent(principal, k -> new Principal());
        if (taskCount.get() >= limits.tasks()) {
            forgetEndedAnywhere(p);
        }
        List<A2aContext> closing = new ArrayList<>();
        A2aContext context;
        A2aTask task;
        long losses;
        synchronized (p) {
            context = p.contexts.get(contextId);
            if (context == null) {
                context = known(p, principal, contextId, closing);
            } else if (context.busy()) {
                throw SharedTasks.runningHere(contextId, context.running());
            }
            context.reserve(true);
        }
        closing.forEach(A2aContext::close);
        try {
            if (shared != null) {
                // before the task exists: a context busy on another replica is refused, not a task failed
                readyHere(principal, context);
            }
            synchronized (p) {
                if (p.tasks.size() >= limits.tasksPerPrincipal() && !forgetOldestEnded(p)) {
                    throw limits.tasksFull(true);
                }
                if (taskCount.get() >= limits.tasks() && !forgetOldestEnded(p)) {
                    throw limits.tasksFull(false);
                }
                String id = UUID.randomUUID().toString();
                task = new A2aTask(id, contextId, A2aWire.userMessage(message, id, contextId), limits.queuedEvents(), limits.approvalDeadline());
                if (asked.schema() != null) {
                    task.expectStructuredOutput();
                }
                if (shared != null) {
                    task.recordTo(shared);
                }
                p.tasks.put(id, task);
                taskCount.incrementAndGet();
                context.run(task);
                losses = context.leaseLosses();
            }
        } finally {
            context.reserve(false);
        }
        A2aContext ctx = context;
        // the task's id is the turn's key: codex keeps it with the turn (decision 0032)
        TurnOptions turn = asked.options().key(task.id).build();
        if (shared != null) {
            // recorded before it is answered: any replica asked next knows it, and a push config set with it has its task
            try {
                ctx.begin(task.id, messageId);
            } catch (PostgresContextStore.SentBefore e) {
                // a copy of this message sent to another replica at the same moment became a task there first: answered with it
                withdraw(p, task, ctx);
                return Accepted.again(claim.theirs(id -> task(principal, id)), false);
            } catch (RuntimeException e) {
                if (StoreOutage.in(e) || LostLease.answer(e) != null) {
                    // nothing ran and no replica knows the task: the call is answered "send again", not a failed task
                    // the others could never find (its context's record was not written)
                    withdraw(p, task, ctx);
                    throw e;
                }
                return new Accepted(task, () -> task.finish(null, e), false);
            }
            return new Accepted(task, () -> start(task, ctx, asked.input(), turn, null, losses), false);
        }
        return new Accepted(task, () -> start(task, ctx, asked.input(), turn, messageId, losses), false);
    }

    /**
     * This caller's context {@code contextId}, not yet in memory: the stored one when the store keeps it (its thread is resumed),
     * else a new one. Only this caller's own are looked at: another caller's context of the same id is never read, touched or
     * waited on. Called holding {@code p}'s monitor.
     */
    private A2aContext known(Principal p, String principal, String contextId, List<A2aContext> closing) {
        StoredContext stored = store.context(principal, contextId).orElse(null);
        closing.addAll(makeRoom(p));
        A2aContext context = new A2aContext(contextId, principal, sessions, store, stored);
        p.contexts.put(contextId, context);
        return context;
    }

    /**
     * Starts the task's turn, unless the conversation's lease was lost here since the task was
     * accepted ({@code losses}, {@link A2aContext#leaseLosses}): another replica may have gone on with
     * the conversation meanwhile, and a message its caller may have given up on is never run on top of
     * newer turns; it ends failed, not run, and the caller sends it again (docs/deploy, "A stalled replica").
     * {@code begin}: the message id to record the task with first, null when it is recorded already.
     */
    private void start(A2aTask task, A2aContext context, TurnInput input, TurnOptions options, @Nullable String begin, long losses) {
        try {
            CodexSession session = begin == null ? context.session() : context.begin(task.id, begin);
            if (context.leaseLosses() > losses) {
                task.finish(null, new TaskEnd.NotRun(NOT_RUN_AFTER_LOSS));
                return;
            }
            TurnHandle h = session.startTurn(input, options, task);
            task.onInterrupt(h::interrupt);
            if (session.client() != null && session.client().options().launch() == null) {
                outliving.add(task);    // on a running app-server, not a codex this process started: a stop leaves it to be followed
            }
            h.result().whenComplete((r, e) -> {
                try {
                    outliving.remove(task);
                    task.finish(r, e);
                } finally {
                    // after the task's end: a store that cannot be written must not leave the task running
                    context.ended(r == null ? null : r.threadId());
                }
            });
        } catch (RuntimeException e) {
            task.finish(null, e);
        }
    }

    /** Takes back a task that never began: forgotten here, its context free, nothing of it written. */
    private void withdraw(Principal p, A2aTask task, A2aContext context) {
        synchronized (p) {
            if (p.tasks.remove(task.id, task)) {
                taskCount.decrementAndGet();
            }
        }
        context.withdraw(task);
        shared.withdrawn(task);
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

    /** Forgets {@code p}'s oldest ended task; called holding {@code p}'s monitor. */
    private boolean forgetOldestEnded(Principal p) {
        for (Map.Entry<String, A2aTask> e : p.tasks.entrySet()) {
            if (e.getValue().ended()) {
                p.tasks.remove(e.getKey());
                taskCount.decrementAndGet();
                return true;
            }
        }
        return false;
    }

    /** The server holds all the tasks it may: one ended task of another caller's is forgotten (one monitor at a time). */
    private void forgetEndedAnywhere(Principal asking) {
        for (Principal q : principals.values()) {
            if (q != asking) {
                synchronized (q) {
                    if (forgetOldestEnded(q)) {
                        return;
                    }
                }
            }
        }
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
        return t != null ? t : recover(principal, id);
    }

    /**
     * A task of this caller's not held here: from before a restart, its context resumed and the turn read from codex's record
     * (followed, when codex still runs it), then kept like any other task. With a shared store, a task another replica runs or
     * ran is a copy of its record; one whose replica died is settled here the same way once its conversation is free.
     */
    private A2aTask recover(String principal, String id) {
        A2aTask seed = null;
        if (shared != null) {
            TaskRecord r = shared.board().task(id).filter(t -> t.principal().equals(principal)).orElseThrow(() -> A2aError.taskNotFound(id));
            if (r.ended() || r.replicaAlive() && !r.replica().equals(shared.board().replica()) || shared.heldUntil(id) != null) {
                return shared.copyOf(r);
            }
            seed = A2aTask.ofRecord(r, false, limits.queuedEvents(), limits.approvalDeadline());
        }
        StoredContext stored = store.contextOfTask(id).filter(c -> c.principal().equals(principal))
                .orElseThrow(() -> A2aError.taskNotFound(id));
        Principal p = principals.computeIfAbsent(principal, k -> new Principal());
        List<A2aContext> closing = new ArrayList<>();
        A2aContext context;
        synchronized (p) {
            A2aTask again = p.tasks.get(id);
            if (again != null) {
                return again;
            }
            context = p.contexts.get(stored.contextId());
            if (context == null) {
                context = known(p, principal, stored.contextId(), closing);
            }
        }
        closing.forEach(A2aContext::close);
        if (shared != null) {
            try {
                context.session();
            } catch (RuntimeException e) {
                ConversationLeasedException held = SharedTasks.leased(e);
                if (held != null) {
                    // the dead replica's hold on the conversation has not run out: the record answers until it has
                    shared.heldUntil(id, held.expiresAt());
                    return shared.copyOf(shared.board().task(id).orElseThrow(() -> A2aError.taskNotFound(id)));
                }
                // any other failure settles the task as failed below, as after a restart
            }
        }
        if (seed != null) {
            shared.takeOver(seed);
        }
        A2aTask task = TaskRecovery.recover(seed != null ? seed : new A2aTask(id, context.id, null, limits.queuedEvents(),
                limits.approvalDeadline()), context);
        synchronized (p) {
            A2aTask raced = p.tasks.putIfAbsent(id, task);
            if (raced != null) {
                return raced;
            }
            taskCount.incrementAndGet();
            if (p.tasks.size() > limits.tasksPerPrincipal() || taskCount.get() > limits.tasks()) {
                forgetOldestEnded(p);
            }
        }
        return task;
    }

    /**
     * With a shared store, before a message becomes a task of {@code context}: refused when the context's newest task runs on
     * another (live) replica; a dead replica's unfinished task is settled first; then the context's conversation is opened here,
     * another replica holding it idle asked to hand it over ({@link SharedTasks#handedOver}).
     */
    private void readyHere(String principal, A2aContext context) {
        if (context.holdsAwake()) {
            // its conversation's lease is this replica's: no other replica ran a task in it since this one opened it
            return;
        }
        TaskRecord latest = shared.board().latest(principal, context.id).filter(r -> !r.ended()).orElse(null);
        if (latest != null && !latest.replica().equals(shared.board().replica())) {
            if (latest.replicaAlive()) {
                throw SharedTasks.busy(context.id, latest, null);
            }
            // a dead replica's unfinished task first: codex ended its turn, still runs it, or never got it
            A2aTask settled = task(principal, latest.taskId());
            if (settled.elsewhere() && SharedTasks.waitForLeaseEnd(shared.heldUntil(latest.taskId()))) {
                // its hold ends within a door's lease: the caller waits for it rather than being told to come back
                settled = task(principal, latest.taskId());
            }
            if (settled.elsewhere()) {
                throw SharedTasks.busy(context.id, null, shared.heldUntil(latest.taskId()));
            }
            if (!settled.ended()) {
                throw SharedTasks.runningHere(context.id, settled);
            }
        }
        shared.handedOver(context.key(), context::session);
    }

    /** This caller's tasks, oldest first: with a shared store, every replica's newest ones, the ones running here as they are here. */
    List<A2aTask> tasks(String principal) {
        Principal p = principals.get(principal);
        List<A2aTask> here;
        if (p == null) {
            here = List.of();
        } else {
            synchronized (p) {
                here = List.copyOf(p.tasks.values());
            }
        }
        return shared == null ? here : shared.tasks(principal, here);
    }

    /** Whether the task's turn runs on an app-server that outlives this server: a stop leaves it to be followed, not interrupted. */
    boolean outlivesServer(A2aTask task) {
        return outliving.contains(task);
    }

    /** The tasks running here (not copies), all callers together. */
    List<A2aTask> running() {
        List<A2aTask> out = new ArrayList<>();
        for (Principal p : principals.values()) {
            synchronized (p) {
                p.tasks.values().stream().filter(t -> !t.ended() && !t.elsewhere()).forEach(out::add);
            }
        }
        return out;
    }

    /** What went wrong, never "null": the innermost of the futures' wrappers, by its message or else its kind. */
    static String reason(@Nullable Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t == null) {
            return "no reason given";
        }
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
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
        // each conversation stored and its lease given back before the server is gone, so any replica may take it at once
        CompletableFuture<?>[] closed = all.stream().map(A2aContext::closeGracefully).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closed).get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("not every A2A context's conversation was stored and let go within {} s as the server closed; "
                    + "the rest are another replica's once their leases run out", CLOSE_WAIT_SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("not every A2A context's conversation was stored and let go as the server closed: {}", reason(e.getCause()));
        }
        if (shared != null) {
            shared.close();
        }
    }
}
