/**
 * The session's machinery, apart from the API a host compiles against (which stays in
 * {@code dev.codexbridge.session}): public so that the session's rooms can call each other across
 * packages, and no API (the checked API file lists no {@code internal} package; decision 0106).
 * This package itself holds {@link dev.codexbridge.session.internal.ApiAccess}, the machinery's
 * one way to the package-private members of the API's types.
 *
 * <p>Its rooms, top to bottom; a room imports only the rooms below it, never one above, and none
 * imports the session's face ({@code CodexSession}, its {@code Builder}):
 * <ul>
 *   <li>{@code internal.turn}: the turn's run, one at a time on a session, and following a turn
 *       this session did not start;</li>
 *   <li>{@code internal.thread}: the thread's life on a connection (open, resume, replace,
 *       hibernate, release) and its operations;</li>
 *   <li>{@code internal.inbox}: the session's one ordered mailbox of turn events, and the parts of a
 *       turn that need only it (its place, clock, stop, requests);</li>
 *   <li>{@code internal.custody}: who holds the conversation and where it is when a store is
 *       configured (leases, sleeping and waking, the store's tries);</li>
 *   <li>{@code internal.stream}: the buffer behind a {@code TurnStream};</li>
 *   <li>{@code internal.failure}: sorting what failed into the host's {@code ErrorCategory} and the
 *       remedy that is true for the session's shape.</li>
 * </ul>
 * Every room may use this package, the session API's values ({@code TurnResult},
 * {@code TurnFailure}, {@code ConversationStorage}, …) and the layers below the session.
 */
@NullMarked
package dev.codexbridge.session.internal;

import org.jspecify.annotations.NullMarked;
