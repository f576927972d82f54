package dev.codexbridge.session;

import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcMessage;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The session's one ordered queue: codex's notifications and requests as they arrive, and the
 * session's own events (a decision is ready, interrupt asked, turn/start answered). The turn's
 * thread is its only consumer, so everything is handled in order on that thread.
 */
final class SessionInbox implements InboundSink {
    /** The connection this inbox belongs to closed. */
    record Closed(ConnectionClosedException cause) {
    }

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

    @Override
    public void accept(JsonRpcMessage.Inbound message) {
        queue.add(message);
    }

    @Override
    public void closed(ConnectionClosedException cause) {
        queue.add(new Closed(cause));
    }

    void post(Object event) {
        queue.add(event);
    }

    Object poll(Duration timeout) throws InterruptedException {
        return queue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    void clear() {
        queue.clear();
    }
}
