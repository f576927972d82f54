package dev.codexbridge.mcp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tool calls that a client's {@code notifications/cancelled} can stop, by channel (stdio, or
 * an HTTP client session and its principal) and JSON-RPC id. The SDK does not hand cancellations
 * to tool handlers, so {@link CancelTap} reads them off the wire and calls {@link #cancel}.
 */
final class Cancellations {
    private final Map<String, Runnable> running = new ConcurrentHashMap<>();

    /** Registers the interrupt of a call; the returned handle removes it. */
    AutoCloseable register(String channel, String requestId, Runnable interrupt) {
        String key = key(channel, requestId);
        running.put(key, interrupt);
        return () -> running.remove(key, interrupt);
    }

    /** Interrupts the call, when it is still running; false otherwise (a late or unknown cancel is ignored, as MCP says). */
    boolean cancel(String channel, String requestId) {
        Runnable r = running.remove(key(channel, requestId));
        if (r == null) {
            return false;
        }
        r.run();
        return true;
    }

    int size() {
        return running.size();
    }

    private static String key(String channel, String requestId) {
        return channel + '\u0000' + requestId;
    }
}
