package dev.codexbridge.mcp;

import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;

/**
 * One SSE stream of the HTTP server (a POST's response stream), its events numbered and kept for
 * a client that lost the connection and comes back with {@code Last-Event-ID}: whose it is (the
 * principal and MCP session that opened it), the events kept within the limits, and the
 * connection the events go to now, if any. Event ids are {@code KEY-N}: the stream's random key
 * and the event's number.
 */
final class ReplayableStream {
    /** A connection events are written to. */
    interface Sink {
        /** Writes one event; false when the client is gone. */
        boolean write(String frame);

        /** The stream ended, or another connection took it over: this one is done. */
        void end();
    }

    final String key;
    final String principal;
    final String session;
    private final ReplayLimits limits;
    private final Deque<SseEvent> kept = new ArrayDeque<>();
    private long bytes;
    private long lastSeq;
    private long firstKept = 1;
    private @Nullable Sink live;
    private boolean ended;
    private long endedNanos;

    ReplayableStream(String key, String principal, String session, ReplayLimits limits) {
        this.key = key;
        this.principal = principal;
        this.session = session;
        this.limits = limits;
    }

    String id(long seq) {
        return key + "-" + seq;
    }

    synchronized void attach(Sink sink) {
        this.live = sink;
    }

    /** Numbers and keeps one event and passes it on to the connection, when there is one that works. */
    synchronized void append(String type, String data) {
        if (ended) {
            return;
        }
        SseEvent e = new SseEvent(++lastSeq, type, data);
        kept.addLast(e);
        bytes += e.bytes();
        while (kept.size() > limits.eventsPerStream() || (bytes > limits.bytesPerStream() && kept.size() > 1)) {
            SseEvent old = kept.removeFirst();
            bytes -= old.bytes();
            firstKept = old.seq() + 1;
        }
        if (live != null && !live.write(e.frame(id(e.seq())))) {
            // the client went away: the events are kept for its return, the call goes on
            live = null;
        }
    }

    /** Whether every event after {@code seq} is still kept (and {@code seq} was given out). */
    synchronized boolean covers(long seq) {
        return seq >= firstKept - 1 && seq <= lastSeq;
    }

    /**
     * The client is back on {@code sink}: the events after {@code seq} are written to it, then the
     * stream's next ones, until it ends. The connection it replaces is ended. False (nothing
     * written) when events after {@code seq} were dropped.
     */
    synchronized boolean resume(long seq, Sink sink) {
        if (!covers(seq)) {
            return false;
        }
        if (live != null && live != sink) {
            live.end();
        }
        live = sink;
        for (SseEvent e : kept) {
            if (e.seq() > seq && !sink.write(e.frame(id(e.seq())))) {
                live = null;
                return true;
            }
        }
        if (ended) {
            live = null;
            sink.end();
        }
        return true;
    }

    /** The stream's last event was written (the SDK completed its response). */
    synchronized void end(long nowNanos) {
        if (ended) {
            return;
        }
        ended = true;
        endedNanos = nowNanos;
        if (live != null) {
            live.end();
            live = null;
        }
    }

    synchronized boolean ended() {
        return ended;
    }

    synchronized long endedNanos() {
        return endedNanos;
    }

    synchronized boolean expired(long nowNanos) {
        return ended && nowNanos - endedNanos > limits.keptAfterEnd().toNanos();
    }

    synchronized int eventsKept() {
        return kept.size();
    }

    synchronized long bytesKept() {
        return bytes;
    }
}
