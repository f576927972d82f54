package dev.codexbridge.rpc;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test helper: an unbounded FIFO {@link InboundSink}: the reader thread appends, one consumer thread takes in
 * arrival order. Closing the connection wakes a blocked consumer.
 */
public final class Inbox implements InboundSink {
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile ConnectionClosedException closedCause;

    private static final Object CLOSED = new Object();

    @Override
    public void accept(JsonRpcMessage.Inbound message) {
        queue.add(message);
    }

    @Override
    public void closed(ConnectionClosedException cause) {
        closedCause = cause;
        queue.add(CLOSED);
    }

    /**
     * Next message, waiting at most {@code timeout}; null on timeout.
     *
     * @throws ConnectionClosedException once the connection closed and every earlier message was taken
     */
    public JsonRpcMessage.Inbound poll(Duration timeout) throws InterruptedException {
        Object next = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (next == CLOSED) {
            queue.add(CLOSED);
            throw closedCause;
        }
        return (JsonRpcMessage.Inbound) next;
    }

    public int size() {
        int n = queue.size();
        return closedCause != null ? Math.max(0, n - 1) : n;
    }

    public boolean isClosed() {
        return closedCause != null;
    }
}
