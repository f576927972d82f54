package dev.codexbridge.session;

import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.session.internal.custody.ThreadLineageMoves;
import dev.codexbridge.session.internal.thread.PlacedLink;
import dev.codexbridge.session.internal.thread.SessionHibernation;
import dev.codexbridge.session.internal.thread.ThreadCalls;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import dev.codexbridge.session.internal.thread.ThreadLink;
import dev.codexbridge.session.internal.turn.SessionTurns;
import dev.codexbridge.session.internal.turn.TurnTracing;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The machinery one {@link CodexSession} runs on, put together from what its
 * {@link CodexSession.Builder} was given: the conversation's custody with a store (or null), the
 * thread's connection over its link, the turns and the thread's operations.
 */
record SessionParts(ThreadConnection connection, SessionTurns turns, ThreadCalls calls, @Nullable ThreadCustody custody) {
    /** The parts for {@code b}; {@code threadId} reads the session's thread id (for a host's placement). */
    static SessionParts of(CodexSession.Builder b, Supplier<String> threadId) {
        ClientOptions own = b.client != null ? null : b.ownConnection(b.telemetry);
        ThreadCustody custody = b.storage == null ? null
                : new ThreadCustody(b.storageOwner == null ? b.storage : b.storage.withOwner(b.storageOwner),
                        b.lineageMoves == null ? new ThreadLineageMoves() : b.lineageMoves,
                        b.leaseClock == null ? System::nanoTime : b.leaseClock);
        ThreadLink link = own != null ? ThreadLink.own(() -> CodexClient.connect(own), own.endpoint() != null)
                : b.placement != null ? new PlacedLink(b.client, b.placement, threadId,
                        custody == null ? () -> false : custody::storedAway)
                : ThreadLink.shared(b.client);
        ThreadConnection connection = new ThreadConnection(link, b.thread, b.resumeThreadId, b.dynamicTools, b.approvals,
                b.resumeTimeout, b.rateLimits, b.inboxLimit, b.onThreadReplaced,
                SessionHibernation.after(b.hibernateAfter, b.hibernationClock), custody);
        SessionTurns turns = new SessionTurns(connection, b.client, own == null ? b.client.requestTimeout() : own.requestTimeout(),
                b.limits, b.interruptGrace, b.projector, b.rateLimits, TurnTracing.of(b.telemetry, b.client, own),
                b.onTurnEnded == null ? r -> { } : b.onTurnEnded);
        if (custody != null) {
            custody.heldLease().whenLost(() -> turns.leaseLost(custody.whyNotHeld()));
            turns.whenNotKept(turnId -> custody.notKept(connection.client(), connection.threadId(), turnId));
            custody.heldLease().whenHandOverAsked(connection.hibernation()::handOverAsked);
        }
        return new SessionParts(connection, turns, new ThreadCalls(connection), custody);
    }
}
