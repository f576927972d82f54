/**
 * One codex thread for one host conversation: {@link dev.codexbridge.session.CodexSession} starts
 * or resumes the thread on a {@link dev.codexbridge.client.CodexClient} (its own or a shared one),
 * runs one turn at a time (the turn advances on the library's {@code codex-bridge-dispatch-*}
 * threads; {@code runTurn} waits for it, {@code runTurnAsync} does not), answers server requests
 * through the {@code approval} bridge and projects items through {@code transcript}; when codex
 * dies or stops answering it retires the connection and resumes the thread: on the next turn with
 * a codex of its own, as the shared client reconnects otherwise ({@code docs/session.md}).
 *
 * <p>API a host uses: {@code CodexSession}, {@link dev.codexbridge.session.ThreadOptions} (what
 * the thread is opened with), {@link dev.codexbridge.session.TurnLimits},
 * {@link dev.codexbridge.session.TurnInput}, {@link dev.codexbridge.session.TurnOptions},
 * {@link dev.codexbridge.session.TurnListener}, {@link dev.codexbridge.session.TurnResult},
 * {@link dev.codexbridge.session.TurnOutcome}, {@link dev.codexbridge.session.StopReason},
 * {@link dev.codexbridge.session.TurnFailure}, {@link dev.codexbridge.session.ErrorCategory},
 * {@link dev.codexbridge.session.TokenUsage} and the rate-limit handling
 * ({@link dev.codexbridge.session.RateLimitGovernor}, {@link dev.codexbridge.session.RateLimitSignal},
 * {@link dev.codexbridge.session.RateLimitWait}).
 *
 * <p>The package's rooms. The machinery is moving into rooms under {@code session.internal}, which
 * import only downward and are no API (decision 0106): custody with a store
 * ({@code internal.custody}), the stream's buffer ({@code internal.stream}) and failure sorting
 * ({@code internal.failure}) so far; a package-private member of an API type they call is reached
 * through {@code MachineryAccess}, this package's grant of {@code internal.ApiAccess}. What is
 * still here:
 * <ul>
 *   <li><b>The session's face</b>: {@code CodexSession} (the API hosts call), {@code SessionSettings}
 *       (what its {@code Builder} was given), {@code SessionRules} (the host's access rule and turn
 *       check), {@code ThreadCalls} (the thread's operations), with the thread's values
 *       {@code ThreadOptions}, {@code ThreadReplacement}, {@code ThreadAccess}, {@code ThreadOperation},
 *       {@code ThreadAccessDeniedException}, {@code ThreadStore} and {@code ClientPlacement}.</li>
 *   <li><b>The thread's life</b>: {@code ThreadConnection} (open, resume after a reconnect, replace,
 *       hibernate, release, under one lock) over a {@code ThreadLink} ({@code PlacedLink} for a
 *       host's placement), sending with {@code ThreadOpening} and {@code ThreadOpenTries} (failing
 *       with {@code ThreadOpenException}), keeping {@code ThreadRecord} and {@code EarlierTurns},
 *       telling a waiting turn through {@code ResumeWatch}, and answering requests between turns
 *       with {@code IdleRequests}.</li>
 *   <li><b>Hibernation</b>: {@code SessionHibernation} (when a session lets go of its idle thread)
 *       and {@code ThreadReleases} (the paced, certain {@code thread/unsubscribe}s).</li>
 *   <li><b>The inbox</b>: {@code SessionInbox} (the session's one ordered mailbox) holding
 *       {@code TurnEvent}s, with {@code PendingRequests} (the server requests still open).</li>
 *   <li><b>Turns</b>: {@code SessionTurns} (one at a time, their attempts), {@code TurnRun} (one
 *       attempt's state machine, decision 0037) and its collaborators {@code TurnStart},
 *       {@code TurnSetup}, {@code TurnPlace}, {@code TurnClock}, {@code TurnStop}, {@code TurnRouting},
 *       {@code StartHold}, {@code TurnNotifications}, {@code TurnRequests}, {@code TurnTally},
 *       {@code TurnEnding}, {@code TurnVerdict}, {@code TurnKeys}, {@code TurnTracing},
 *       {@code ListenerCalls} and {@code StructuredOutput}; a turn's values are {@code TurnInput},
 *       {@code TurnOptions}, {@code TurnLimits}, {@code TurnListener}, {@code TurnHandle},
 *       {@code TurnResult}, {@code TurnOutcome}, {@code StopReason}, {@code TokenUsage} and
 *       {@code InvalidInputException}.</li>
 *   <li><b>Following a turn</b> across a dropped connection or from another session:
 *       {@code TurnReattach}, {@code TurnFollow}, {@code TurnCatchUp} and {@code TurnRecovery}.</li>
 *   <li><b>Failures</b>: {@code TurnFailure} and {@code ErrorCategory} (sorted in
 *       {@code internal.failure}).</li>
 *   <li><b>Streams</b>: {@code TurnStream}, {@code TurnStreamEvent}, {@code TurnEventIterator}
 *       and {@code TurnStreamOverflowException} (buffered in {@code internal.stream}).</li>
 *   <li><b>Rate limits</b>: {@code RateLimitGovernor}, {@code RateLimitSignal} and
 *       {@code RateLimitWait}.</li>
 * </ul>
 *
 * <p>Depends on {@code client}, {@code approval} and {@code transcript}, on {@code protocol} for
 * the typed requests, on {@code rpc} for its exceptions and shared threads, and on {@code process}
 * for the launch of a session's own codex.
 */
@NullMarked
package dev.codexbridge.session;

import org.jspecify.annotations.NullMarked;
