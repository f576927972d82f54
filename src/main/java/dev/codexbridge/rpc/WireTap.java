package dev.codexbridge.rpc;

/**
 * Sees every line the peer writes and every line it reads, as raw bytes without the newline:
 * for recording fixtures and for checking wire conformance in tests. Called on the writing thread
 * (under the write lock) and on the reader thread, so it must be quick and must not block.
 */
public interface WireTap {
    void outgoing(byte[] line);

    void incoming(byte[] buffer, int length);
}
