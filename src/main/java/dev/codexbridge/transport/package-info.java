/**
 * What a {@link dev.codexbridge.client.CodexClient} talks to:
 * {@link dev.codexbridge.transport.CodexTransport}, a started JSON-RPC peer plus what is known about
 * why it closed. Kept apart from {@code client} so the client does not care whether codex is a
 * child process ({@link dev.codexbridge.transport.CodexTransport#process}), an in-memory peer or a
 * fixture replay ({@link dev.codexbridge.transport.CodexTransport#inMemory}). Depends on
 * {@code process} and {@code rpc}.
 *
 * <p>A host needs this package only to plug in something other than a codex child process, through
 * {@code CodexClient.Builder.transport}; the default process transport is the client's own wiring
 * (hosts configure it with {@code CodexClient.Builder.process}). {@code explainClose} and
 * {@code stderrTail} are called by the client, which passes them on; the interface may grow as the
 * client needs more from it.
 */
package dev.codexbridge.transport;
