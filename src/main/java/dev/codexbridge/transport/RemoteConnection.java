package dev.codexbridge.transport;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A message connection to a running app-server, seen as the line-delimited stream pair the
 * JSON-RPC peer reads and writes: each inbound message arrives as one line, each line written
 * leaves as one message. Newlines inside an inbound message (legal in JSON only as whitespace
 * between tokens) become spaces, so a line is always exactly one message.
 */
interface RemoteConnection {
    InputStream input();

    OutputStream output();

    /** Why the connection ended, as far as known (close code, I/O error), for messages; never null. */
    String closeDetail();

    /** Closes politely (a close frame), then for good. Idempotent. */
    void close();
}
