package dev.codexbridge.rpc;

/**
 * Where the peer's reader thread hands every request and notification, in arrival order.
 *
 * <p>Called on the reader thread, so it must return quickly and never block: append to a queue
 * and let another thread do the work. Requests taken from the sink are answered
 * with {@link JsonRpcPeer#serve}, {@link JsonRpcPeer#respond} or {@link JsonRpcPeer#respondError}.
 */
public interface InboundSink {
    void accept(JsonRpcMessage.Inbound message);

    /**
     * Offers a whole message's bytes before the peer parses it: a sink that can decode it more
     * directly than the peer's tree (a notification it knows the type of) does so and returns
     * true, and the peer goes on to the next message; false, always the default, lets the peer
     * parse and classify it. The bytes are the peer's (or its source's) buffer, valid only during
     * the call. Responses must never be taken here.
     */
    default boolean acceptBytes(byte[] message, int offset, int length) {
        return false;
    }

    /**
     * The reader is about to wait for more input, or to do work that may take a while (a large
     * message, a message off the {@link #acceptBytes} path). A sink that wakes its consumer once
     * per burst of messages rather than once per message (a fast stream arrives in reads of many
     * messages) must hand on what it holds now. The default does nothing.
     */
    default void endOfBurst() {
    }

    /** The connection closed; called once, after every pending request has been failed. */
    default void closed(ConnectionClosedException cause) {
    }
}
