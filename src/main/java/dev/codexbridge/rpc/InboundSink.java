package dev.codexbridge.rpc;

/**
 * Where the peer's reader thread hands every request and notification, in arrival order.
 *
 * <p>Called on the reader thread, so it must return quickly and never block: append to a queue
 * (see {@link Inbox}) and let another thread do the work. Requests taken from the sink are answered
 * with {@link JsonRpcPeer#serve}, {@link JsonRpcPeer#respond} or {@link JsonRpcPeer#respondError}.
 */
public interface InboundSink {
    void accept(JsonRpcMessage.Inbound message);

    /** The connection closed; called once, after every pending request has been failed. */
    default void closed(ConnectionClosedException cause) {
    }
}
