package dev.codexbridge.rpc;

/**
 * Sees every message the peer writes and every message it reads, as raw bytes (on stdio a line
 * without its newline; a WebSocket message never contains a raw newline either, see decision
 * 0012): for recording fixtures and for checking wire conformance in tests. Called on the writing thread
 * (under the write lock) and on the reader thread, so it must be quick and must not block.
 */
public interface WireTap {
    void outgoing(byte[] message);

    void incoming(byte[] buffer, int length);
}
