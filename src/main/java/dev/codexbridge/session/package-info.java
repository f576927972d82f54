/**
 * One codex thread for one host conversation: {@link dev.codexbridge.session.CodexSession} starts
 * or resumes the thread on a {@link dev.codexbridge.client.CodexClient} (its own or a shared one),
 * runs one turn at a time on the caller's thread, answers server requests through the
 * {@code approval} bridge and projects items through {@code transcript}; when codex dies or stops
 * answering it retires the connection and resumes the thread on the next turn
 * ({@code docs/session.md}).
 *
 * <p>API a host uses: {@code CodexSession}, {@link dev.codexbridge.session.TurnInput},
 * {@link dev.codexbridge.session.TurnOptions}, {@link dev.codexbridge.session.TurnListener},
 * {@link dev.codexbridge.session.TurnResult}, {@link dev.codexbridge.session.TurnOutcome},
 * {@link dev.codexbridge.session.StopReason}, {@link dev.codexbridge.session.TurnFailure},
 * {@link dev.codexbridge.session.ErrorCategory} and {@link dev.codexbridge.session.TokenUsage}.
 * {@code ErrorClassifier} (a host sees its verdict as {@code TurnFailure.category()}),
 * {@code SessionInbox} and {@code TurnRun} are package-private.
 *
 * <p>Depends on {@code client}, {@code approval} and {@code transcript}, and on {@code protocol},
 * {@code rpc}, {@code transport} and {@code process} for the builder's options.
 */
package dev.codexbridge.session;
