package dev.codexbridge.client;

import dev.codexbridge.CodexException;

/**
 * Receives a connection's events, one at a time and in arrival order, on a shared pool (never on
 * the connection's reader thread). A listener that falls behind by more than the client's
 * {@code eventBuffer} loses events and is told how many before the next one it gets.
 */
@FunctionalInterface
public interface CodexEventListener {
    void onEvent(CodexEvent event);

    /** {@code dropped} events were not delivered because this listener fell too far behind. */
    default void onOverflow(long dropped) {
    }

    /** The connection closed; nothing follows. */
    default void onClosed(CodexException cause) {
    }
}
