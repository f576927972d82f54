package dev.codexbridge.openai;

import dev.codexbridge.callers.LetGo;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ExperimentalApiRequiredException;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.LeaseWait;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conversations the door holds open, by thread id, each its principal's. Another principal
 * naming a thread is told it does not exist, as for one never seen. A thread not held open is
 * resumed through the session source, whose access rule decides. Bounded in all and per principal:
 * the least recently used idle conversation is closed to make room (its thread stays in codex and
 * is resumed when next used).
 */
final class Conversations implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Conversations.class);
    /** Whether this JVM's log already says why callers' function tools are refused (once, not at every request). */
    private static final AtomicBoolean TOOLS_REFUSED_WARNED = new AtomicBoolean();
    /** How long a resume waits for another replica that holds the conversation to let it go (when idle it does at once). */
    static final java.time.Duration LEASE_WAIT = LeaseWait.DEFAULT_BOUND;

    private final OpenAiSessions sessions;
    private final java.time.Duration bound;
    private final int max;
    private final int maxPerPrincipal;
    private final Map<String, Conversation> byThread = new LinkedHashMap<>();

    Conversations(OpenAiSessions sessions, java.time.Duration bound, int max, int maxPerPrincipal) {
        this.sessions = sessions;
        this.bound = bound;
        this.max = max;
        this.maxPerPrincipal = maxPerPrincipal;
    }

    /**
     * A new conversation of {@code principal}'s with the caller's {@code tools}, its thread started.
     * When the session source lets callers answer approvals, they go to the held turn, which asks
     * the caller of each turn that declared it answers them and declines the rest.
     */
    Conversation open(String principal, List<FunctionTool> tools) {
        makeRoom(principal);
        Opening o = new Opening(tools);
        CodexSession session;
        try {
            session = sessions.open(principal, o.dynamicTools, o.approvals);
        } catch (RuntimeException e) {
            throw refused(principal, null, e);
        }
        return register(principal, session, o);
    }

    /** What a session opens with: the held turn its tools and approvals hand questions to. */
    private final class Opening {
        final java.util.concurrent.atomic.AtomicReference<@Nullable CodexSession> session = new java.util.concurrent.atomic.AtomicReference<>();
        final HeldTurn held = new HeldTurn(bound, () -> {
            CodexSession s = session.get();
            if (s != null) {
                s.interrupt();
            }
        });
        final List<dev.codexbridge.tool.DynamicTool> dynamicTools;
        final dev.codexbridge.approval.@Nullable ApprovalHandler approvals;
        final List<String> names;

        Opening(List<FunctionTool> tools) {
            this.dynamicTools = tools.stream().map(t -> dev.codexbridge.tool.DynamicTool.ofCalls(t.name(), t.description(),
                    dev.codexbridge.json.Json.write(t.parameters()), held.tools())).toList();
            this.approvals = sessions.callerApprovals() ? held.approvals() : null;
            this.names = FunctionTool.names(tools);
        }
    }

    /** {@code principal}'s conversation whose held turn waits for the answer to {@code questionId}; null for none (or another's). */
    synchronized @Nullable Conversation holding(String principal, String questionId) {
        for (Conversation c : byThread.values()) {
            if (c.principal.equals(principal) && c.held.awaits(questionId)) {
                return c;
            }
        }
        return null;
    }

    /** {@code principal}'s conversation on {@code threadId}: held open, or resumed. */
    Conversation find(String principal, String threadId, String what, String id, String param, List<FunctionTool> tools) {
        Conversation lost = null;
        synchronized (this) {
            Conversation c = byThread.get(threadId);
            if (c != null && c.session.leaseLost() && c.idle()) {
                // this replica lost the store's lease (cut off, stalled): another may have gone on with it, so it is resumed anew
                byThread.remove(threadId, c);
                lost = c;
                c = null;
            }
            if (c != null) {
                if (!c.principal.equals(principal)) {
                    throw OpenAiError.notFound(what, id, param);
                }
                c.lastUsedNanos = System.nanoTime();
                return c;
            }
        }
        if (lost != null) {
            lost.session.close();
        }
        makeRoom(principal);
        Opening o = new Opening(tools);
        CodexSession session;
        try {
            // another replica that holds it idle is asked for it and lets go (decisions 0105, 0118): waited for, within a bound
            session = LeaseWait.retrying(LEASE_WAIT, () -> {
                CodexSession resumed = sessions.resume(principal, threadId, o.dynamicTools, o.approvals);
                try {
                    resumed.start();
                    return resumed;
                } catch (RuntimeException e) {
                    resumed.close();
                    throw e;
                }
            });
        } catch (ThreadAccessDeniedException e) {
            throw OpenAiError.notFound(what, id, param);
        } catch (RuntimeException e) {
            throw refused(principal, threadId, e);
        }
        return register(principal, session, o);
    }

    /** 503: another replica holds the conversation (a turn of its own runs there); nothing was run here. */
    static OpenAiError elsewhere(int retryAfterSeconds) {
        return OpenAiError.unavailable("conversation_elsewhere", "this conversation is in use on another replica; nothing was run: "
                + "send this again once its turn there has ended", retryAfterSeconds);
    }

    /**
     * 503 {@code conversation_elsewhere} when {@code r} failed before it went out to codex because
     * another replica holds the conversation (its wake refused, the holder asked for it in vain
     * within the bound): nothing ran, so the caller may send it again; else null.
     */
    static @Nullable OpenAiError heldElsewhere(dev.codexbridge.session.@Nullable TurnResult r) {
        java.time.Instant until = r != null && r.status() == dev.codexbridge.session.TurnOutcome.FAILED && r.error() != null
                ? r.error().heldUntil() : null;
        if (until == null) {
            return null;
        }
        return elsewhere((int) Math.max(1, Math.min(60, java.time.Duration.between(java.time.Instant.now(), until).toSeconds() + 1)));
    }

    /** What a caller is told when its conversation could not be opened or resumed: nothing ran either way. */
    static OpenAiError refused(String principal, @Nullable String threadId, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OpenAiError answer) {
                return answer;
            }
            if (t instanceof ConversationLeasedException) {
                return elsewhere(2);
            }
            if (t.getClass() == ConversationStoreException.class) {
                return OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again",
                        2);
            }
            if (t instanceof ExperimentalApiRequiredException) {
                // the host's setup refuses every request with tools alike: "send again" would be sent again forever
                if (TOOLS_REFUSED_WARNED.compareAndSet(false, true)) {
                    LOG.warn("callers' function tools are refused (400): {}", t.getMessage());
                }
                return OpenAiError.unsupported("tools", "this server's codex was opened without its experimental API, which "
                        + "function tools need; nothing was run: send the request without tools, or ask the operator to open "
                        + "codex with its experimental API (codex-bridge.experimental-api=true, CodexClient.builder().experimentalApi(true))");
            }
        }
        LOG.warn("{}'s conversation {} could not be opened", principal, threadId == null ? "(new)" : threadId, e);
        return OpenAiError.unavailable("codex_unavailable", "codex could not open the conversation now; nothing was run: send this again",
                2);
    }

    private Conversation register(String principal, CodexSession session, Opening o) {
        o.session.set(session);
        String threadId;
        try {
            threadId = session.start();
        } catch (RuntimeException e) {
            session.close();
            throw refused(principal, null, e);
        }
        Conversation c = new Conversation(principal, threadId, session, o.held, o.names);
        Conversation first;
        synchronized (this) {
            first = byThread.putIfAbsent(threadId, c);
        }
        if (first == null) {
            return c;
        }
        // two requests resumed the same thread at once: the first one's session serves both
        session.close();
        return first;
    }

    /** Closes idle conversations until {@code principal} may hold one more and the door holds fewer than its bound. */
    private void makeRoom(String principal) {
        List<Conversation> closing = new ArrayList<>();
        synchronized (this) {
            List<Conversation> mine = byThread.values().stream().filter(c -> c.principal.equals(principal)).toList();
            if (mine.size() >= maxPerPrincipal) {
                closing.add(evictable(mine));
            }
            if (byThread.size() - closing.size() >= max) {
                closing.add(evictable(byThread.values().stream().filter(c -> !closing.contains(c)).toList()));
            }
            closing.forEach(c -> byThread.remove(c.threadId));
        }
        closing.forEach(c -> {
            c.held.close();
            c.session.close();
        });
    }

    private static Conversation evictable(List<Conversation> among) {
        return among.stream().filter(Conversation::idle).min(Comparator.comparingLong(c -> c.lastUsedNanos))
                .orElseThrow(() -> OpenAiError.busy("too_many_conversations", "every conversation this door may hold runs a turn; "
                        + "nothing was run: send this again once one has answered", 2));
    }

    /** Interrupts the turn of every conversation that runs one (a stopping door past its drain). */
    void interruptRunning() {
        List<Conversation> running;
        synchronized (this) {
            running = byThread.values().stream().filter(c -> !c.idle()).toList();
        }
        running.forEach(c -> c.session.interrupt());
    }

    synchronized int awaited() {
        return byThread.values().stream().mapToInt(c -> c.held.awaited().size()).sum();
    }

    synchronized int size() {
        return byThread.size();
    }

    @Override
    public void close() {
        List<Conversation> all;
        synchronized (this) {
            all = new ArrayList<>(byThread.values());
            byThread.clear();
        }
        for (Conversation c : all) {
            try {
                c.held.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the held turn of {}: {}", c.threadId, e.toString());
            }
        }
        // each conversation stored and its lease given back before the door is gone, so any replica may take it at once
        int left = LetGo.all(all.stream().map(c -> c.session).toList(), LetGo.DEFAULT_BOUND);
        if (left > 0) {
            LOG.warn("{} conversation(s) not stored and let go within {} s as the OpenAI door closed; each keeps its last stored turn, "
                    + "and its lease runs out on its own", left, LetGo.DEFAULT_BOUND.toSeconds());
        }
    }
}
