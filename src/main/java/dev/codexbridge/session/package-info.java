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
 * <p>The package holds the API alone, with the session's face ({@code CodexSession},
 * {@code SessionSettings}, {@code SessionRules}, {@code SessionParts}, which puts the machinery
 * together) and {@code MachineryAccess}, this package's grant of {@code internal.ApiAccess}: the
 * package-private members of the API's types that the machinery calls. The machinery lives in
 * rooms under {@code session.internal}, which import only downward and are no API (decision 0106,
 * 0108): {@code internal.turn} (the turn's run), {@code internal.thread} (the thread's life on a
 * connection), {@code internal.inbox} (the session's mailbox of turn events), {@code internal.custody}
 * (custody with a store), {@code internal.stream} (the stream's buffer) and
 * {@code internal.failure} (failure sorting). The API's values: the thread's
 * ({@code ThreadOptions}, {@code ThreadReplacement}, {@code ThreadAccess}, {@code ThreadOperation},
 * {@code ThreadAccessDeniedException}, {@code ThreadOpenException}, {@code ThreadStore},
 * {@code ClientPlacement}, {@code ConversationStorage}); a turn's ({@code TurnInput},
 * {@code TurnOptions}, {@code TurnLimits}, {@code TurnListener}, {@code TurnHandle},
 * {@code TurnResult}, {@code TurnOutcome}, {@code StopReason}, {@code TokenUsage},
 * {@code TurnFailure}, {@code ErrorCategory}, {@code InvalidInputException},
 * {@code ToolCallRelay}); streams ({@code TurnStream}, {@code TurnStreamEvent},
 * {@code TurnEventIterator}, {@code TurnStreamOverflowException}); rate limits
 * ({@code RateLimitGovernor}, {@code RateLimitSignal}, {@code RateLimitWait}).
 *
 * <p>Depends on {@code client}, {@code approval} and {@code transcript}, on {@code protocol} for
 * the typed requests, on {@code rpc} for its exceptions and shared threads, and on {@code process}
 * for the launch of a session's own codex.
 */
@NullMarked
package dev.codexbridge.session;

import org.jspecify.annotations.NullMarked;
