package dev.codexbridge.session.internal.thread;

import dev.codexbridge.session.internal.inbox.SessionInbox;

/**
 * How a turn waiting to re-attach after its connection dropped hears that its thread is back
 * (decision 0022): {@link ThreadConnection} holds at most one, and tells it once.
 */
public interface ResumeWatch {
    /**
     * The thread was resumed on a new connection whose inbox is {@code box}; called on the
     * connection's reader thread as codex's answer is read, before any message that follows it.
     */
    void resumed(SessionInbox box);

    /** The thread could not be resumed (codex has no record of it, the session closed): the turn is gone. */
    void failed(Throwable why);
}
