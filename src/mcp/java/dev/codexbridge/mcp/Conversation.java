package dev.codexbridge.mcp;

import dev.codexbridge.session.CodexSession;
import java.util.concurrent.locks.ReentrantLock;

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
