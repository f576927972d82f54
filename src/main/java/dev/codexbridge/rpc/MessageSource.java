package dev.codexbridge.rpc;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where a peer's reader thread takes its inbound messages from, one whole message at a time. On
 * stdio the source is a line framer over the process's output (what
 * {@link JsonRpcPeer#builder(java.io.InputStream, java.io.OutputStream)} sets up); a message
 * transport such as a WebSocket hands over each message as it arrived, without framing it again.
 *
 * <p>Read by the peer's reader thread only. A message's bytes are lent, not given: they stay valid
 * until the next call to {@link #next}, so a source can return a message where it lies in its own
 * buffer, and the peer copies whatever it keeps.
 */
public interface MessageSource extends Closeable {
    /** Returned by {@link #next} when no more messages will come. */
    int END = -1;
    /** Returned by {@link #next} for a message longer than the source's limit, skipped without being held whole. */
    int OVERSIZED = -2;

    /**
     * Reads the next message and returns its length, its bytes lying in {@link #buffer()} from
     * {@link #offset()}; or {@link #END}; or {@link #OVERSIZED}.
     *
     * @param beforeWait run whenever the source may block waiting for input, that is when every
     *                   message received so far has been returned: the peer passes on
     *                   {@link InboundSink#endOfBurst()} through it, so it must not block either
     */
    int next(Runnable beforeWait) throws IOException;

    /** The array holding the message the last {@link #next} returned. */
    byte[] buffer();

    /** Where that message starts in {@link #buffer()}. */
    int offset();

    /**
     * Stops reading: a reader waiting in {@link #next} returns {@link #END} or fails. The peer calls
     * it on close from any thread but its reader.
     */
    @Override
    void close() throws IOException;
}
