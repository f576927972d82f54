/**
 * The session's one ordered mailbox and what reads it: {@code SessionInbox} holding
 * {@code TurnEvent}s, {@code PendingRequests} (the server requests still open), and the parts of a
 * turn that need only the inbox and the connection: where it runs ({@code TurnPlace},
 * {@code TurnStart}, {@code TurnKeys}), its clock ({@code TurnClock}), its stop
 * ({@code TurnStop}), following its notifications and requests ({@code TurnFollow},
 * {@code TurnRequests}, {@code ListenerCalls}) and codex's record of it ({@code TurnCatchUp}).
 *
 * <p>It may use the rooms below it ({@code internal.custody}, {@code internal.stream},
 * {@code internal.failure}), {@code session.internal}, the session API's values and the layers
 * below the session; never {@code internal.thread}, {@code internal.turn} nor the session's face.
 */
@NullMarked
package dev.codexbridge.session.internal.inbox;

import org.jspecify.annotations.NullMarked;
