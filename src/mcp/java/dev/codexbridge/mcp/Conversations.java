package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.callers.LetGo;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.LeaseWait;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conversations this server holds open, by thread id, each its principal's. A thread id is a
 * capability: another principal naming it is told it does not exist, as for an id never seen.
 * A thread id not held open is resumed through the session source, whose thread-access rule (when
 * the host set one) decides whether the principal may have it. Bounded per principal and in all:
 * the least recently used idle conversation is closed to make room. One asleep in the store is
 * closed once idle ({@link #letGoStoredAway}).
 */
final class Conversations implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Conversations.class);
    /**
     * The longest a {@code codex-reply} waits for another replica's hold on its conversation to run out (a door's lease and a
     * margin): a dead replica's lease runs out within it, and the caller's request is served without a retry of its own
     * (decision 0076); a live replica renews its hold, which then ends past the wait ({@link LeaseWait}).
     */
    static final java.time.Duration LEASE_WAIT = LeaseWait.DEFAULT_BOUND;
    /** How often conversations asleep in the store are let go; one used within this long stays. */
    static final java.time.Duration LET_GO_EVERY = java.time.Duration.ofSeconds(1);

    private final McpSessions sessions;
    private final McpLimits limits;
    private final Executor askers;
    private final PendingElicitations elicitations;
    private final Map<String, Conversation> byThread = new LinkedHashMap<>();
    private final Map<String, Integer> runningTurns = new LinkedHashMap<>();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "codex-bridge-mcp-conversations");
        t.setDaemon(true);
        return t;
    });

    Conversations(McpSessions sessions, McpLimits limits, Executor askers, PendingElicitations elicitations) {
        this.sessions = sessions;
        this.limits = limits;
        this.askers = askers;
        this.elicitations = elicitations;
        sweeper.scheduleWithFixedDelay(this::letGoStoredAway, LET_GO_EVERY.toMillis(), LET_GO_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Closes the idle conversations asleep in the store ({@link CodexSession#isStoredAway}): the
     * next {@code codex-reply} resumes one from the store ({@link #find}), as it does another
     * replica's, so the server keeps nothing per stored conversation; the bounds count the open ones.
     */
    void letGoStoredAway() {
        List<Conversation> asleep = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            byThread.values().removeIf(c -> {
                // one just found is about to run a turn (its lock is taken after find): it stays
                boolean go = c.idle() && now - c.lastUsedNanos > LET_GO_EVERY.toNanos() && c.session.isStoredAway();
                if (go) {
                    asleep.add(c);
                }
                return go;
            });
        }
        for (Conversation c : asleep) {
            try {
                c.session.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the session of {}: {}", c.threadId, e.toString());
            }
        }
    }

    /**
     * The MCP session {@code sessionId} ended (its client deleted it, or it idled past its lifetime):
     * the idle conversations it used last are closed at once — with a store, stored and their lease
     * given back — so the client's next call by thread id may take them up on any replica without
     * waiting for this one's hold to run out. One a turn runs on stays until the turn's end, and a
     * call of another of its principal's sessions resumes it here as it would anywhere.
     */
    void sessionEnded(String sessionId) {
        List<Conversation> going = new ArrayList<>();
        synchronized (this) {
            byThread.values().removeIf(c -> {
                boolean go = sessionId.equals(c.lastSession) && c.idle();
                if (go) {
                    going.add(c);
                }
                return go;
            });
        }
        for (Conversation c : going) {
            LOG.debug("MCP session {} ended: letting go of conversation {}", sessionId, c.threadId);
            c.session.closeGracefully().whenComplete((done, failed) -> {
                if (failed != null) {
                    LOG.info("conversation {}, let go as its MCP session ended, was not stored: {}", c.threadId, failed.toString());
                }
            });
        }
    }

    /** Interrupts the turn of every conversation that runs one. */
    void interruptRunning() {
        List<Conversation> running;
        synchronized (this) {
            running = byThread.values().stream().filter(c -> !c.idle()).toList();
        }
        running.forEach(c -> c.session.interrupt());
    }

    /** A new conversation of {@code principal}'s, its thread started. */
    Conversation open(String principal, @Nullable UnaryOperator<ThreadOptions> thread) {
        makeRoom(principal);
        CallerElicitation caller = new CallerElicitation(askers, limits.elicitationDeadline(), elicitations);
        ApprovalHandler asks = sessions.callerApprovals() ? caller : null;
        CodexSession session = thread == null ? sessions.open(principal, asks) : sessions.open(principal, asks, thread);
        return register(principal, session, caller);
    }

    /** {@code principal}'s conversation on {@code threadId}: held open, or resumed. */
    Conversation find(String principal, String threadId) {
        Conversation lost = null;
        synchronized (this) {
            Conversation c = byThread.get(threadId);
            if (c != null && c.session.leaseLost() && c.idle()) {
                // this replica was cut off from the store: another may have the conversation now, so it is resumed anew
                byThread.remove(threadId, c);
                lost = c;
                c = null;
            }
            if (c != null) {
                if (!c.principal.equals(principal)) {
                    throw notFound(threadId);
                }
                c.lastUsedNanos = System.nanoTime();
                return c;
            }
        }
        if (lost != null) {
            lost.session.close();
        }
        makeRoom(principal);
        CallerElicitation caller = new CallerElicitation(askers, limits.elicitationDeadline(), elicitations);
        CodexSession session;
        try {
            session = LeaseWait.retrying(LEASE_WAIT, () -> sessions.resume(principal, threadId, sessions.callerApprovals() ? caller : null));
        } catch (RuntimeException e) {
            throw refusedResume(principal, threadId, e, LeaseWait.refusal(e));
        }
        return register(principal, session, caller);
    }

    /** Whether the store itself failed (unreachable, timed out) anywhere in {@code failure}'s causes; not its refusals, which are subclasses. */
    private static boolean storeFailed(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t.getClass() == ConversationStoreException.class) {
                return true;
            }
        }
        return false;
    }

    private RuntimeException refusedResume(String principal, String threadId, RuntimeException e,
            @Nullable ConversationLeasedException elsewhere) {
        if (e instanceof StartingSessions.NotUp notUp) {
            // codex is not up: nothing was looked up, and "no conversation" would send the caller to start a new one
            return notUp;
        }
        if (elsewhere != null) {
            // the principal's own (the gateway asked the stored owner first), awake on another replica: it is
            // never opened a second time beside it, and the caller learns when to try again
            return new McpCallException("conversation " + threadId + " is in use on another replica of this server; "
                    + "try again once its turn there has ended (at the latest after " + elsewhere.expiresAt() + ")");
        }
        if (storeFailed(e)) {
            // the store did not answer (it is asked before the owner is compared: alike for every thread id, no
            // oracle); "no conversation" would send the caller to start a new one and leave its history behind
            LOG.warn("resume of {} for {}: the conversation store failed: {}", threadId, principal, e.toString());
            return new McpCallException("conversation " + threadId + " cannot be reached now: the conversation store did not "
                    + "answer; nothing was run; try again");
        }
        LOG.debug("resume of {} for {} refused: {}", threadId, principal, e.toString());
        return notFound(threadId);
    }

    /** The conversation on {@code threadId} when it is {@code principal}'s and held open. */
    synchronized Optional<Conversation> held(String principal, String threadId) {
        Conversation c = byThread.get(threadId);
        return c != null && c.principal.equals(principal) ? Optional.of(c) : Optional.empty();
    }

    synchronized List<Conversation> of(String principal) {
        return byThread.values().stream().filter(c -> c.principal.equals(principal)).toList();
    }

    synchronized int size() {
        return byThread.size();
    }

    /** Takes one of {@code principal}'s turn slots, or refuses: the per-principal bound on turns at once. */
    synchronized void beginTurn(String principal) {
        int n = runningTurns.getOrDefault(principal, 0);
        if (n >= limits.turnsPerPrincipal()) {
            throw new McpCallException("too many turns running for you at once (" + n + ", the limit is " + limits.turnsPerPrincipal()
                    + "); wait for one to end");
        }
        runningTurns.put(principal, n + 1);
    }

    synchronized void endTurn(String principal) {
        int n = runningTurns.getOrDefault(principal, 1) - 1;
        if (n <= 0) {
            runningTurns.remove(principal);
        } else {
            runningTurns.put(principal, n);
        }
    }

    private Conversation register(String principal, CodexSession session, CallerElicitation caller) {
        String threadId;
        try {
            threadId = session.start();
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        Conversation c = new Conversation(principal, threadId, session, caller);
        Conversation first;
        synchronized (this) {
            first = byThread.putIfAbsent(threadId, c);
        }
        if (first != null) {
            // two calls resumed the same thread at once: the first one's session serves both
            session.close();
            if (!first.principal.equals(principal)) {
                throw notFound(threadId);
            }
            return first;
        }
        return c;
    }

    /** Drops and closes a conversation the call that opened it refused before its first turn. */
    void discard(Conversation c) {
        synchronized (this) {
            byThread.remove(c.threadId, c);
        }
        c.session.close();
    }

    /** Closes idle conversations until {@code principal} may open one more and the server holds fewer than its bound. */
    private void makeRoom(String principal) {
        List<Conversation> closing = new ArrayList<>();
        synchronized (this) {
            List<Conversation> mine = of(principal);
            if (mine.size() >= limits.conversationsPerPrincipal()) {
                closing.add(evictable(mine, "you hold " + mine.size() + " conversations, the limit is " + limits.conversationsPerPrincipal()));
            }
            if (byThread.size() - closing.size() >= limits.conversations()) {
                closing.add(evictable(byThread.values().stream().filter(c -> !closing.contains(c)).toList(),
                        "the server holds " + byThread.size() + " conversations, its limit"));
            }
            closing.forEach(c -> byThread.remove(c.threadId));
        }
        closing.forEach(c -> c.session.close());
    }

    private static Conversation evictable(List<Conversation> among, String why) {
        return among.stream().filter(Conversation::idle).min(Comparator.comparingLong(c -> c.lastUsedNanos))
                .orElseThrow(() -> new McpCallException(why + " and every one is running a turn; wait for one to end"));
    }

    static McpCallException notFound(String threadId) {
        return new McpCallException("no conversation with thread id " + threadId + " (start one with the codex tool)");
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        List<Conversation> all;
        synchronized (this) {
            all = new ArrayList<>(byThread.values());
            byThread.clear();
        }
        // each conversation stored and its lease given back before the server is gone, so any replica may take it at once
        int left = LetGo.all(all.stream().map(c -> c.session).toList(), LetGo.DEFAULT_BOUND);
        if (left > 0) {
            LOG.warn("{} conversation(s) not stored and let go within {} s as the MCP server closed; each keeps its last stored turn, "
                    + "and its lease runs out on its own", left, LetGo.DEFAULT_BOUND.toSeconds());
        }
    }
}
