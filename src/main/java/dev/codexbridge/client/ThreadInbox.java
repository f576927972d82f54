package dev.codexbridge.client;

import dev.codexbridge.rpc.ConnectionClosedException;

/**
 * Where one thread's messages go, in wire order, on the connection's reader thread: both methods
 * must return at once without blocking (append to a queue). The one exception is an inbox that is
 * alone on its connection, which may hold the reader back while its queue is full: that slows
 * codex down and nobody else. A thread's server requests go here
 * instead of to the client's fallback handler; the inbox's owner answers them with
 * {@link CodexClient#respond} or {@link CodexClient#respondError}.
 */
public interface ThreadInbox {
    void accept(CodexEvent event);

    /** The connection closed; called once. */
    void closed(ConnectionClosedException cause);
}
