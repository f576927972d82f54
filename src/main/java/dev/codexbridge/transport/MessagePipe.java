package dev.codexbridge.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * Whole inbound messages handed over by a callback-driven WebSocket, read back by the peer's
 * reader thread as lines. Bounded: once {@code highWater} bytes wait unread, {@link #offer}
 * stops granting the socket more demand, so the server is held back by TCP flow control instead
 * of this queue growing; the reader grants it again when it has drained to half.
 */
final class MessagePipe extends InputStream {
    private final long highWater;
    private final Runnable demand;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queuedBytes;
    private byte[] current;
    private int position;
    private boolean ended;
    private IOException failure;
    private boolean demandOwed;

    /** {@code demand} asks the socket for one more message; it must not block. */
    MessagePipe(long highWater, Runnable demand) {
        this.highWater = highWater;
        this.demand = demand;
    }

    /** Queues one message (its line terminator included); grants more demand while below the mark. */
    void offer(byte[] line) {
        boolean more;
        synchronized (this) {
            if (ended) {
                return;
            }
            queue.add(line);
            queuedBytes += line.length;
            more = queuedBytes < highWater;
            demandOwed = !more;
            notifyAll();
        }
        if (more) {
            demand.run();
        }
    }

    /** No more messages: readers see end of stream after what is queued, or {@code error} at once. */
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

    /** Bytes queued and not yet read (tests, stats). */
    synchronized long queuedBytes() {
        return queuedBytes + (current == null ? 0 : current.length - position);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        boolean grant = false;
        int n;
        synchronized (this) {
            while (current == null || position == current.length) {
                byte[] next = queue.poll();
                if (next != null) {
                    queuedBytes -= next.length;
                    current = next;
                    position = 0;
                    if (demandOwed && queuedBytes <= highWater / 2) {
                        demandOwed = false;
                        grant = true;
                    }
                    continue;
                }
                current = null;
                if (ended) {
                    if (failure != null) {
                        throw failure;
                    }
                    return -1;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for codex");
                }
            }
            n = Math.min(len, current.length - position);
            System.arraycopy(current, position, b, off, n);
            position += n;
        }
        if (grant) {
            demand.run();
        }
        return n;
    }

    @Override
    public void close() {
        synchronized (this) {
            queue.clear();
            queuedBytes = 0;
            current = null;
        }
        end(null);
    }
}
