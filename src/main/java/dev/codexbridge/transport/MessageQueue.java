package dev.codexbridge.transport;

import dev.codexbridge.rpc.MessageSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * Whole inbound messages handed over by a callback-driven WebSocket, taken one by one by the
 * peer's reader thread, each as it arrived. Bounded: once {@code highWater} bytes wait unread,
 * {@link #offer} stops granting the socket more demand, so the server is held back by TCP flow
 * control instead of this queue growing; the reader grants it again when it has drained to half.
 */
final class MessageQueue implements MessageSource {
    private final long highWater;
    private final Runnable demand;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean ended;
    private IOException failure;
    private boolean demandOwed;
    private static final byte[] NONE = new byte[0];
    /** The message the last {@link #next} returned; the reader thread's own. */
    private byte[] current = NONE;

    /** {@code demand} asks the socket for one more message; it must not block. */
    MessageQueue(long highWater, Runnable demand) {
        this.highWater = highWater;
        this.demand = demand;
    }

    /** Queues one message; grants more demand while below the mark. */
    void offer(byte[] message) {
        boolean more;
        synchronized (this) {
            if (ended) {
                return;
            }
            queue.add(message);
            queuedBytes += message.length;
            more = queuedBytes < highWater;
            demandOwed = !more;
            notifyAll();
        }
        if (more) {
            demand.run();
        }
    }

    /** No more messages: the reader gets what is queued, then the end, or {@code error} once it has drained. */
    synchronized void end(IOException error) {
        if (!ended) {
            ended = true;
            failure = error;
            notifyAll();
        }
    }

    /** Whether demand is withheld because the reader is behind: the server then waits on this side. */
    synchronized boolean holdingBack() {
        return demandOwed;
    }

    /** Whether no more messages will come (the connection ended or was closed). */
    synchronized boolean ended() {
        return ended;
    }

    /** Bytes queued and not yet taken (tests, stats). */
    synchronized long queuedBytes() {
        return queuedBytes;
    }

    /** The next message whole, waiting for one if none is queued; {@code beforeWait} runs first then. */
    @Override
    public int next(Runnable beforeWait) throws IOException {
        current = NONE;     // a large message is not kept alive while the reader waits for the next
        byte[] message = take(false);
        if (message == null) {
            beforeWait.run();
            message = take(true);
            if (message == null) {
                return END;
            }
        }
        current = message;
        return message.length;
    }

    @Override
    public byte[] buffer() {
        return current;
    }

    @Override
    public int offset() {
        return 0;
    }

    /** The next queued message, or null at the end (or, without {@code wait}, when none is queued). */
    private byte[] take(boolean wait) throws IOException {
        byte[] message;
        boolean grant = false;
        synchronized (this) {
            while ((message = queue.poll()) == null) {
                if (ended) {
                    if (failure != null) {
                        throw failure;
                    }
                    return null;
                }
                if (!wait) {
                    return null;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for codex");
                }
            }
            queuedBytes -= message.length;
            if (demandOwed && queuedBytes <= highWater / 2) {
                demandOwed = false;
                grant = true;
            }
        }
        if (grant) {
            demand.run();
        }
        return message;
    }

    /** Drops what is queued and ends the queue: a waiting reader sees the end. */
    @Override
    public void close() {
        synchronized (this) {
            queue.clear();
            queuedBytes = 0;
        }
        end(null);
    }
}
