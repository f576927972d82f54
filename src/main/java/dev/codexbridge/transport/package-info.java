/**
 * What a {@link dev.codexbridge.client.CodexClient} talks to:
 * {@link dev.codexbridge.transport.CodexTransport}, a started JSON-RPC peer plus what is known about
 * why it closed. Kept apart from {@code client} so the client does not care whether codex is a
 * child process ({@link dev.codexbridge.transport.CodexTransport#process}), an app-server that
 * already runs ({@link dev.codexbridge.transport.CodexTransport#connect}), an in-memory peer or a
 * fixture replay ({@link dev.codexbridge.transport.CodexTransport#inMemory}). Depends on
 * {@code process} and {@code rpc}.
 *
 * <p>A running app-server is a {@link dev.codexbridge.transport.CodexEndpoint}
 * ({@code ws://}, {@code wss://}, {@code unix://}) with its
 * {@link dev.codexbridge.transport.WebSocketAuth} (none, a capability token, or a
 * {@link dev.codexbridge.transport.SignedBearerToken}); hosts pass it to
 * {@code CodexClient.Builder.connect(CodexEndpoint)}. Reaching it can fail with a
 * {@link dev.codexbridge.transport.TransportException}, or an
 * {@link dev.codexbridge.transport.AuthenticationException} when it refuses the credentials;
 * {@link dev.codexbridge.transport.CodexEndpoint#readiness} probes it without connecting. The
 * WebSocket framing (the JDK's client for TCP, {@code UnixWebSocket} for unix sockets) stays
 * package-private: either way the peer reads each WebSocket message whole, as a
 * {@link dev.codexbridge.rpc.MessageSource}, and sends each of its messages as one (decision 0012).
 *
 * <p>{@code explainClose} and {@code stderrTail} are called by the client, which passes them on;
 * the interface may grow as the client needs more from it.
 */
@NullMarked
package dev.codexbridge.transport;

import org.jspecify.annotations.NullMarked;
