package dev.codexbridge.transport;

import dev.codexbridge.rpc.MessageSender;
import dev.codexbridge.rpc.MessageSource;

/**
 * A message connection to a running app-server, as the JSON-RPC peer reads and writes it: each
 * inbound WebSocket text message is one message from {@link #input()}, each message sent leaves as
 * one text message. Newlines inside an inbound message (legal in JSON only as whitespace between
 * tokens) become spaces, so a message is one line wherever it is written down, as on stdio.
 */
interface RemoteConnection extends MessageSender {
    MessageSource input();

    /** Why the connection ended, as far as known (close code, I/O error), for messages; never null. */
    String closeDetail();

    /** Closes politely (a close frame), then for good; later sends fail. Idempotent. */
    @Override
    void close();
}
