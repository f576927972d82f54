package dev.codexbridge.openai;

import dev.codexbridge.session.CodexSession;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One codex thread the door holds for one principal: its session, and whether a turn runs (one at
 * a time; a turn may end on another thread than the one that began it).
 */
final class Conversation {
    final String principal;
    final String threadId;
    final CodexSession session;
    private final AtomicBoolean running = new AtomicBoolean();
    volatile long lastUsedNanos = System.nanoTime();

    Conversation(String principal, String threadId, CodexSession session) {
        this.principal = principal;
        this.threadId = threadId;
        this.session = session;
    }

    boolean idle() {
        return !running.get();
    }

    /** Takes the conversation for one turn, or refuses: a turn of it is still running (nothing ran, send again later). */
    void enter() {
        if (!running.compareAndSet(false, true)) {
            throw OpenAiError.busy("conversation_busy", "a turn is still running on this conversation; send this again once it has answered",
                    1);
        }
        lastUsedNanos = System.nanoTime();
    }

    void leave() {
        lastUsedNanos = System.nanoTime();
        running.set(false);
    }
}
