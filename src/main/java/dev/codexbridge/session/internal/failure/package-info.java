/**
 * What failed, sorted: {@code ErrorClassifier} (codex's errors and refusals into the host's
 * {@code ErrorCategory}), {@code ConnectionEnd} (a connection that ended under a turn),
 * {@code FailureAdvice} (the remedy that is true for how the session reaches codex) and
 * {@code ResumeFailures} (what a failed {@code thread/resume} says), with
 * {@code OtherThreadResumedException}.
 *
 * <p>The bottom room of the session's machinery: it uses the session API's failure values
 * ({@code TurnFailure}, {@code ErrorCategory}, {@code ThreadOpenException}),
 * {@code session.internal} and the layers below the session; no other room of the session.
 */
@NullMarked
package dev.codexbridge.session.internal.failure;

import org.jspecify.annotations.NullMarked;
