/**
 * The thread's life on a connection: {@code ThreadConnection} (open, resume after a reconnect,
 * replace, hibernate, release, under one lock) over a {@code ThreadLink} ({@code PlacedLink} for a
 * host's placement), opening with {@code ThreadOpening}, {@code ThreadOpenTries} and
 * {@code ThreadWire}, keeping {@code ThreadRecord} and {@code EarlierTurns}, telling a waiting turn
 * through {@code ResumeWatch}, answering requests between turns ({@code IdleRequests}), letting go
 * while idle ({@code SessionHibernation}, {@code ThreadReleases}, {@code CustodyLetGo}) and the
 * thread's operations ({@code ThreadCalls}).
 *
 * <p>It may use the rooms below it ({@code internal.inbox}, {@code internal.custody},
 * {@code internal.stream}, {@code internal.failure}), {@code session.internal}, the session API's
 * values and the layers below the session; never {@code internal.turn} nor the session's face.
 */
@NullMarked
package dev.codexbridge.session.internal.thread;

import org.jspecify.annotations.NullMarked;
