/**
 * A turn's items as chat messages: {@link dev.codexbridge.transcript.ItemProjector} turns item
 * notifications into {@link dev.codexbridge.transcript.TranscriptMessage}s in the OpenAI chat
 * shape, truncated per {@link dev.codexbridge.transcript.ProjectorOptions}, with tool arguments as
 * {@link dev.codexbridge.transcript.CanonicalJson} so a host's prompt cache survives replays
 * ({@code docs/transcript.md}). The projector keeps a turn's bookkeeping; the package-private
 * {@code ItemMessages} says what each item kind becomes, with {@code ToolCallContent} (a tool
 * call's arguments and result), {@code CallIds} (its id) and {@code WireValues} (decoded values
 * read back as codex writes them).
 *
 * <p>Depends on {@code protocol} (and {@code json}) only; never on {@code approval}. Pure
 * functions of the notifications fed in, so it is tested without codex.
 */
@NullMarked
package dev.codexbridge.transcript;

import org.jspecify.annotations.NullMarked;
