/**
 * A turn's items as chat messages: {@link dev.codexbridge.transcript.ItemProjector} turns item
 * notifications into {@link dev.codexbridge.transcript.TranscriptMessage}s in the OpenAI chat
 * shape, truncated per {@link dev.codexbridge.transcript.ProjectorOptions}, with tool arguments as
 * {@link dev.codexbridge.transcript.CanonicalJson} so a host's prompt cache survives replays
 * ({@code docs/transcript.md}).
 *
 * <p>Depends on {@code protocol} (and {@code json}) only; never on {@code approval}. Pure
 * functions of the notifications fed in, so it is tested without codex.
 */
package dev.codexbridge.transcript;
