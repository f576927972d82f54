package dev.codexbridge.rpc;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where a peer writes its outbound messages, one whole message per call: on stdio each followed by
 * a newline, on a WebSocket each as one text message. The peer calls it under its write lock, so
 * calls never overlap.
 */
public interface MessageSender extends Closeable {
    /**
     * Sends one message, compact JSON without a line terminator; returns once the connection took
     * it. The array is not changed afterwards.
     */
    void send(byte[] message) throws IOException;

    /** Ends the connection's outbound side (codex sees its input end); later sends fail. */
    @Override
    void close() throws IOException;
}
