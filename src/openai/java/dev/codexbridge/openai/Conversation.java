package dev.codexbridge.openai;

import dev.codexbridge.session.CodexSession;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One codex thread the door holds for one principal: its session, its function tools (the
 * caller's, registered when the thread started), the turn held open for the caller's answers, and
 * whether a turn runs (one at a time; a turn may end on another thread than the one that began it).
 */
final class Conversation {
    final String principal;
    final String threadId;
    final CodexSession session;
    final HeldTurn held;
    /** The names of the thread's function tools, sorted. */
    final List<String> tools;
    private final AtomicBoolean running = new AtomicBoolean();
    volatile long lastUsedNanos = System.nanoTime();

    Conversation(String principal, String threadId, CodexSession session, HeldTurn held, List<String> tools) {
        this.principal = principal;
        this.threadId = threadId;
        this.session = session;
        this.held = held;
        this.tools = List.copyOf(tools);
    }

    /**
     * Refuses {@code tools} other than those the thread started with: codex registers a thread's
     * tools when it starts. Leaving them out is taken (the thread keeps its own).
     */
    void sameTools(List<FunctionTool> asked, String param) {
        List<String> names = FunctionTool.names(asked);
        if (!names.isEmpty() && !names.equals(tools)) {
            throw OpenAiError.unsupported(param, "this conversation's codex thread has the tools " + tools + ", registered when it "
                    + "started; a request on it can give the same ones or leave them out, not " + names + ": start a new conversation");
        }
    }

    boolean idle() {
        return !running.get();
    }

    /** Takes the conversation for one turn, or refuses: a turn of it is still running (nothing ran, send again later). */
    void enter() {
        if (held.holding()) {
            throw OpenAiError.invalid("input", "codex waits for the answers to " + held.awaited() + " in this conversation's turn: "
                    + "send them (function_call_output, mcp_approval_response, tool messages) before new input");
        }
        if (!running.compareAndSet(false, true)) {
            throw OpenAiError.busy("conversation_busy", "a turn is still running on this conversation; send this again once it has answered",
                    1);
        }
        held.fresh();
        lastUsedNanos = System.nanoTime();
    }

    void leave() {
        lastUsedNanos = System.nanoTime();
        running.set(false);
    }
}
