package dev.codexbridge.client.internal;

import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.rpc.ConnectionClosedException;

/**
 * Where one thread's messages go, in wire order, on the connection's reader thread: both methods
 * must return at once without blocking (append to a queue). The one exception is an inbox that is
 * alone on its connection, which may hold the reader back while its queue is full: that slows
 * codex down and nobody else. A thread's server requests go here
 * instead of to the client's fallback handler; the inbox's owner answers them with
 * {@link dev.codexbridge.client.CodexClient#respond} or
 * {@link dev.codexbridge.client.CodexClient#respondError}. Attached with
 * {@link ClientPlumbing#attach} or {@link ClientPlumbing#attachUnscoped}.
 */
public interface ThreadInbox {
    void accept(CodexEvent event);

    /**
     * The reader has handed over everything it has read and may now wait for more input: an inbox
     * that wakes its consumer once per burst (see {@link dev.codexbridge.rpc.InboundSink#endOfBurst})
     * hands on what it holds. Called on the reader thread; the default does nothing.
     */
    default void endOfBurst() {
    }

    /** The connection closed; called once. */
    void closed(ConnectionClosedException cause);
}
