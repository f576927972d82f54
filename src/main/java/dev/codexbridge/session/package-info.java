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
 * <p>Package-private: {@code ThreadConnection} (the thread open on a connection: start, resume,
 * reconnects, letting go; {@code CodexSession} is the façade over it), {@code TurnRun} (one turn,
 * driven by a sealed {@code TurnEvent} and codex's notifications from the {@code SessionInbox},
 * started by a {@code TurnStart}), {@code TurnRecovery} (a lost turn read back from the thread's
 * history), {@code StructuredOutput} (the answer checked against the output schema) and
 * {@code ErrorClassifier} (a host sees its verdict as {@code TurnFailure.category()}).
 *
 * <p>Depends on {@code client}, {@code approval} and {@code transcript}, on {@code protocol} for
 * the typed requests, on {@code rpc} for its exceptions and shared threads, and on {@code process}
 * for the launch of a session's own codex.
 */
@NullMarked
package dev.codexbridge.session;

import org.jspecify.annotations.NullMarked;
