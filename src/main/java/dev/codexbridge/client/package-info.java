/**
 * One connection to a codex app-server: {@link dev.codexbridge.client.CodexClient} does the
 * {@code initialize} handshake (the only one in the library), offers every stable request as a
 * typed method of the generated {@link dev.codexbridge.protocol.CodexApi}, and routes everything
 * codex sends. The reader thread wraps each message once in a
 * {@link dev.codexbridge.client.CodexEvent} (typed params decoded lazily, once) and hands it,
 * without blocking, to the {@link dev.codexbridge.client.ThreadInbox} attached for its thread, to
 * every {@link dev.codexbridge.client.CodexEventListener} subscriber, and, for a server request no
 * inbox takes, to the fallback {@link dev.codexbridge.client.ServerRequestHandler} (decision 0009).
 *
 * <p>Depends on {@code transport}, {@code protocol} and {@code rpc}, and on {@code process} only
 * for the default launch. Knows nothing of sessions, approvals or transcripts.
 * {@code EventLane} (a subscriber's bounded, ordered delivery) and {@code ProtocolDecoder} are
 * package-private.
 */
package dev.codexbridge.client;
