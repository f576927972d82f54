/**
 * The machinery behind {@code TurnStream}: {@code StreamBuffer}, the bounded buffer between a
 * turn's events and one {@code Flow.Subscriber}, which coalesces deltas and fails the stream when
 * its subscriber falls too far behind.
 *
 * <p>Uses the session API's stream values ({@code TurnStreamEvent},
 * {@code TurnStreamOverflowException}) and the layers below the session; no other room of the
 * session.
 */
@NullMarked
package dev.codexbridge.session.internal.stream;

import org.jspecify.annotations.NullMarked;
