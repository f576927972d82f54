/**
 * The turn's run: {@code SessionTurns} (one turn at a time on a session, its attempts),
 * {@code TurnRun} (one attempt's state machine, decision 0037) with {@code TurnRouting},
 * {@code TurnNotifications}, {@code TurnEnding}, {@code TurnVerdict}, {@code TurnTally},
 * {@code TurnSetup}, {@code StartHold} and {@code StructuredOutput}; following a turn across a
 * dropped connection ({@code TurnReattach}) or reading one from codex's record
 * ({@code TurnRecovery}); and its tracing ({@code TurnTracing}, {@code TelemetryListener}).
 *
 * <p>The top room of the session's machinery: it may use every room below it
 * ({@code internal.thread}, {@code internal.inbox}, {@code internal.custody},
 * {@code internal.stream}, {@code internal.failure}), {@code session.internal}, the session API's
 * values and the layers below the session; never the session's face ({@code CodexSession},
 * {@code SessionSettings}).
 */
@NullMarked
package dev.codexbridge.session.internal.turn;

import org.jspecify.annotations.NullMarked;
