package dev.codexbridge.rpc;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The body of a peer's reader thread: takes whole messages from a {@link MessageSource}, skips and
 * counts the blank, over-long and malformed ones, offers each to the sink's direct path
 * ({@link InboundSink#acceptBytes}), parses the rest and hands them to the peer's request
 * bookkeeping, and tells the sink where a burst ends. It knows nothing of requests, ids or
 * answers; {@link JsonRpcPeer} does.
 */
final class InboundReader {
    /** The peer's logger: what is read and what is sent are logged under one name. */
    private static final Logger LOG = SafeLogger.getLogger(JsonRpcPeer.class);
    /** Log the first few bad messages in full detail, then only every n-th, so a flood cannot flood the log. */
    private static final int LOUD_MALFORMED = 10;
    private static final int MALFORMED_LOG_EVERY = 1000;
    /** How much of a malformed message the log shows, in characters. */
    private static final int PREVIEW_CHARS = 200;
    /** Decoded past the preview, so a secret across its end is recognised and masked whole. */
    private static final int PREVIEW_READ_BYTES = 1024;
    /** A message this long may take a while to decode: messages read before it are handed on first. */
    private static final int LARGE_MESSAGE = 64 * 1024;

    private final String name;
    private final MessageSource source;
    private final int maxMessageBytes;
    private final InboundSink sink;
    private final Runnable endOfBurst;
    private final WireTap tap;
    private final Consumer<JsonRpcMessage> dispatch;

    private final AtomicLong messagesRead = new AtomicLong();
    private final AtomicLong malformedMessages = new AtomicLong();
    private final AtomicLong oversizedMessages = new AtomicLong();

    /** {@code dispatch} takes every message the sink did not take directly, parsed. */
    InboundReader(String name, MessageSource source, int maxMessageBytes, InboundSink sink, WireTap tap,
                  Consumer<JsonRpcMessage> dispatch) {
        this.name = name;
        this.source = source;
        this.maxMessageBytes = maxMessageBytes;
        this.sink = sink;
        this.endOfBurst = sink::endOfBurst;
        this.tap = tap;
        this.dispatch = dispatch;
    }

    long messagesRead() {
        return messagesRead.get();
    }

    long malformedMessages() {
        return malformedMessages.get();
    }

    long oversizedMessages() {
        return oversizedMessages.get();
    }

    /**
     * Reads until the source ends or fails; returns why reading ended. Once {@code open} turns
     * false, what still comes is read and dropped until the source ends: a process's stdout stays
     * open, read, until the process has exited, so it never writes into a closed pipe (codex logs
     * that as an ERROR), and the source's owner closes it then (a closed source ends at once).
     */
    ConnectionClosedException run(AtomicBoolean open) {
        try {
            while (true) {
                int length = source.next(endOfBurst);
                if (length == MessageSource.END) {
                    break;
                }
                if (!open.get()) {
                    continue;
                }
                messagesRead.incrementAndGet();
                if (length == MessageSource.OVERSIZED || length > maxMessageBytes) {
                    long n = oversizedMessages.incrementAndGet();
                    LOG.warn("[{}] skipped a message longer than {} bytes ({} so far)", name, maxMessageBytes, n);
                    continue;
                }
                handle(source.buffer(), source.offset(), length);
            }
            return new ConnectionClosedException("codex closed its output (end of stream)");
        } catch (IOException e) {
            return new ConnectionClosedException("reading from codex failed: " + UntrustedText.of(e.getMessage()), UntrustedText.shown(e));
        } catch (RuntimeException | Error e) {
            LOG.error("[{}] reader thread failed", name, e);
            return new ConnectionClosedException("reader failed: " + UntrustedText.of(e), UntrustedText.shown(e));
        }
    }

    private void handle(byte[] buffer, int offset, int length) {
        if (isBlank(buffer, offset, length)) {
            return;
        }
        if (tap != null) {
            tap.incoming(Arrays.copyOfRange(buffer, offset, offset + length), length);
        }
        if (length >= LARGE_MESSAGE) {
            sink.endOfBurst();  // what came before must not wait for this message's decoding
        }
        if (sink.acceptBytes(buffer, offset, length)) {
            return;
        }
        // the general path is for rarer messages and may be slow (a type decoded for the first time)
        sink.endOfBurst();
        JsonRpcMessage message;
        try {
            message = MessageCodec.decode(buffer, offset, length);
        } catch (MalformedMessageException e) {
            reportMalformed(e.getMessage(), buffer, offset, length);
            return;
        }
        dispatch.accept(message);
    }

    private void reportMalformed(String why, byte[] buffer, int offset, int length) {
        long n = malformedMessages.incrementAndGet();
        if (n <= LOUD_MALFORMED || n % MALFORMED_LOG_EVERY == 0) {
            String text = new String(buffer, offset, Math.min(length, PREVIEW_READ_BYTES), StandardCharsets.UTF_8);
            // masked before the cut; the logger escapes the line
            String preview = UntrustedText.redactedPrefix(text, PREVIEW_CHARS);
            LOG.warn("[{}] skipped malformed message #{} ({}): {}{}", name, n, why, preview,
                    length > PREVIEW_READ_BYTES && !preview.endsWith("…") ? "…" : "");
        }
    }

    private static boolean isBlank(byte[] buffer, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = buffer[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
