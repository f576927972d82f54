package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.internal.UntrustedText;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The writing side of a {@link JsonRpcPeer}: each message encoded, shown to the wire tap and sent
 * whole under one lock, so messages never interleave. A write on a closed connection fails with the
 * reason it closed; a write that fails closes the connection.
 */
final class PeerWriter {
    private final MessageSender sender;
    private final @Nullable WireTap tap;
    private final boolean jsonrpcMember;
    private final AtomicBoolean open;
    private final Supplier<ConnectionClosedException> closedCause;
    private final Consumer<ConnectionClosedException> shutdown;
    private final Object writeLock = new Object();
    private final AtomicLong messagesSent = new AtomicLong();

    /**
     * @param open        whether the connection is open (the peer's)
     * @param closedCause why it closed, for a write refused after that
     * @param shutdown    closes the peer when a write fails
     */
    PeerWriter(MessageSender sender, @Nullable WireTap tap, boolean jsonrpcMember, AtomicBoolean open,
               Supplier<ConnectionClosedException> closedCause, Consumer<ConnectionClosedException> shutdown) {
        this.sender = sender;
        this.tap = tap;
        this.jsonrpcMember = jsonrpcMember;
        this.open = open;
        this.closedCause = closedCause;
        this.shutdown = shutdown;
    }

    void write(JsonRpcMessage message) {
        write(message, null);
    }

    /** Writes {@code message} with a top-level {@code trace} member when {@code trace} is not null. */
    void write(JsonRpcMessage message, @Nullable JsonNode trace) {
        byte[] bytes = MessageCodec.encode(message, jsonrpcMember, trace);
        synchronized (writeLock) {
            if (!open.get()) {
                throw closedCause.get();
            }
            try {
                if (tap != null) {
                    tap.outgoing(bytes);
                }
                sender.send(bytes);
                messagesSent.incrementAndGet();
            } catch (IOException e) {
                ConnectionClosedException reason = new ConnectionClosedException(
                        "cannot write to the connection: " + UntrustedText.of(e.getMessage()), UntrustedText.shown(e));
                // Shut down outside the lock would be nicer, but the lock only guards the stream
                // and shutdown never takes it, so calling it here cannot deadlock.
                shutdown.accept(reason);
                throw closedCause.get();
            }
        }
    }

    long messagesSent() {
        return messagesSent.get();
    }
}
