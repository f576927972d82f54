package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The events of one task for one SSE stream, bounded: a client that falls {@code capacity}
 * events behind loses the stream (it is ended, and the client can resubscribe) rather than
 * making the server hold an unbounded backlog.
 */
final class TaskStream {
    private static final ObjectNode END = A2aWire.object();
    private final BlockingQueue<ObjectNode> queue;
    private volatile boolean ended;

    TaskStream(int capacity) {
        // one slot more than the events: the end marker always fits
        this.queue = new ArrayBlockingQueue<>(capacity + 1);
    }

    /** Queues an event; false when the stream is ended or its client fell too far behind. */
    boolean offer(ObjectNode event) {
        if (ended) {
            return false;
        }
        return queue.remainingCapacity() > 1 && queue.offer(event);
    }

    void end() {
        if (!ended) {
            ended = true;
            queue.offer(END);
        }
    }

    /** The next event, or null once the stream has ended; {@code heartbeat} bounds one wait (null on time-out too, see {@link #done}). */
    @Nullable ObjectNode next(Duration heartbeat) throws InterruptedException {
        ObjectNode e = queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        return e == END ? null : e;
    }

    boolean done() {
        return ended && queue.isEmpty();
    }
}
