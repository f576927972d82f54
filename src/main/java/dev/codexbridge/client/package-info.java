/**
 * One connection to a codex app-server. {@link dev.codexbridge.client.CodexClient} is the façade:
 * opened from a {@link dev.codexbridge.client.ClientOptions} (the one immutable value of what a
 * connection is opened with; {@link dev.codexbridge.client.CodexClient.Builder} is its only
 * builder), it offers every stable request as a typed method of the generated
 * {@link dev.codexbridge.protocol.CodexApi}, requests by name, subscribers, and the connection's
 * capacity. The reader thread wraps each message once in a
 * {@link dev.codexbridge.client.CodexEvent} (typed params decoded lazily, once) and hands it,
 * without blocking, to the inbox attached for its thread, to every
 * {@link dev.codexbridge.client.CodexEventListener} subscriber, and, for a server request no
 * inbox takes, to the fallback {@link dev.codexbridge.client.ServerRequestHandler} (decision 0009).
 * {@link dev.codexbridge.client.ShortLivedCodex} is a codex started for a few requests and stopped
 * again (plugin discovery and the runtime probe ask codex this way).
 *
 * <p>Behind the façade, package-private and one job each: {@code ClientConnection} (the
 * transport, the {@code initialize} handshake, the only one in the library, which connection is
 * current, why it closed), {@code EventRouter} (thread inboxes, the connection-wide inbox, the
 * subscribers' {@code EventLane}s, the fallback handler, and the reader's hand-off),
 * {@code Reconnector} (a {@link dev.codexbridge.client.ReconnectPolicy}'s attempts and the bounded
 * resumes after one), {@code ThreadPlaces} (the {@code maxThreads} limit), {@code WireDecoder}
 * (a turn's stream decoded straight from the message's bytes), {@code HandshakeChecks} (the
 * version floor read from {@code initialize}'s answer, and the message for a program that never
 * answers it) and {@code SessionPlumbing} (what {@code ClientPlumbing.of} hands out). None starts a thread: the reader routes, the
 * library's shared pools and timer do the rest (docs/architecture.md, "Threads").
 *
 * <p>What only the session package uses (attaching a
 * {@link dev.codexbridge.client.internal.ThreadInbox}, thread places, requests answered in wire
 * order, resumes, explaining a close) is in {@code dev.codexbridge.client.internal}, not API.
 *
 * <p>Depends on {@code transport}, {@code protocol} and {@code rpc}, on {@code process} only
 * for the launch and codex's version, and on {@code observe} for the telemetry hooks a host may
 * give it. Knows nothing of sessions, approvals or transcripts.
 */
@NullMarked
package dev.codexbridge.client;

import org.jspecify.annotations.NullMarked;
