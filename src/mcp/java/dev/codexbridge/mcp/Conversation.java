package dev.codexbridge.mcp;

import dev.codexbridge.session.CodexSession;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One codex thread served to one principal: its session (started), the handler that asks the MCP
 * client, and the lock that lets one turn run at a time.
 */
final class Conversation {
    final String principal;
    final String threadId;
    final CodexSession session;
    final CallerElicitation caller;
    final ReentrantLock turn = new ReentrantLock();
    volatile long lastUsedNanos = System.nanoTime();
    /** The MCP session of the last call that used it (Streamable HTTP), or null: when that session ends, it is let go. */
    volatile @Nullable String lastSession;

    Conversation(String principal, String threadId, CodexSession session, CallerElicitation caller) {
        this.principal = principal;
        this.threadId = threadId;
        this.session = session;
        this.caller = caller;
    }

    boolean idle() {
        return !turn.isLocked();
    }
}
