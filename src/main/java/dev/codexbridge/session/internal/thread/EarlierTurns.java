package dev.codexbridge.session.internal.thread;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.internal.inbox.TurnCatchUp;
import dev.codexbridge.session.internal.inbox.TurnClock;
import dev.codexbridge.session.internal.inbox.TurnStop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A turn codex may still run on the session's thread that no turn here follows (decision 0032):
 * one lost with its connection (over a socket the app-server outlives the drop), one whose end
 * codex never confirmed, or one another process started on a thread this session resumed. Codex
 * adds a new input to a turn it still runs, so such a turn is stopped before the next
 * {@code turn/start}: a turn lost with its connection as soon as the thread is back (the host was
 * told it ended; nothing goes on behind its back), any other before the next turn, which waits
 * until codex has ended it.
 */
public final class EarlierTurns {
    private static final Logger LOG = SafeLogger.getLogger(EarlierTurns.class);
    /** How often codex's record is read while an interrupted earlier turn winds down. */
    private static final Duration SETTLE_POLL = Duration.ofMillis(100);

    /** Whether codex may still run a turn no turn here follows: the next turn reads codex's record first. */
    private volatile boolean settleFirst;
    /** A turn lost with its connection that codex may still be running, or null. */
    private volatile String lost;

    EarlierTurns(boolean settleFirst) {
        this.settleFirst = settleFirst;
    }

    /** Codex may run a turn here that nobody follows (the thread was resumed, or a turn ended unconfirmed). */
    void mayRun() {
        settleFirst = true;
    }

    /** {@code turnId} was running when its connection was lost: it is interrupted once the thread is back. */
    void lost(String turnId) {
        lost = turnId;
    }

    /** The lost turn ran on a thread codex never wrote down: nothing is left to interrupt. */
    void forgetLost() {
        lost = null;
    }

    /** The thread {@code threadId} is back on {@code c}: a turn lost with the connection is interrupted; completes with the thread id. */
    CompletableFuture<String> stopLost(CodexClient c, String threadId) {
        String turn = lost;
        lost = null;
        if (turn == null) {
            return CompletableFuture.completedFuture(threadId);
        }
        LOG.debug("interrupting turn {} of thread {}, lost with its connection", turn, threadId);
        return TurnStop.interrupt(c, threadId, turn, c.requestTimeout()).thenApply(answered -> threadId);
    }

    /**
     * Before a {@code turn/start} on {@code threadId}: the turn codex still runs there is
     * interrupted, and this waits until codex has ended it, at most {@code grace}. Completes with
     * null when the thread is free (at once when nothing can be running), or with why the new
     * turn was not sent.
     */
    CompletableFuture<TurnFailure> settle(CodexClient c, String threadId, Duration grace) {
        if (!settleFirst || c == null || threadId == null) {
            return CompletableFuture.completedFuture(null);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        return TurnCatchUp.runningTurn(c, threadId).handle((running, failure) -> {
            if (failure != null) {
                // codex's record could not be read: the turn/start that follows meets the same fault and says so
                LOG.debug("could not read thread {}'s running turn: {}", threadId, UntrustedText.messageOf(Futures.unwrap(failure)));
                return CompletableFuture.<TurnFailure>completedFuture(null);
            }
            if (running.isEmpty()) {
                settleFirst = false;
                return CompletableFuture.<TurnFailure>completedFuture(null);
            }
            String earlier = running.get();
            LOG.info("turn {} still runs on thread {} with no turn here following it; interrupting it before the next turn starts",
                    earlier, threadId);
            return TurnStop.interrupt(c, threadId, earlier, c.requestTimeout())
                    .thenCompose(x -> untilEnded(c, threadId, earlier, deadline, grace));
        }).thenCompose(f -> f);
    }

    /** Polls codex's record until {@code earlier} no longer runs, or the deadline. */
    private CompletableFuture<TurnFailure> untilEnded(CodexClient c, String threadId, String earlier, long deadline, Duration grace) {
        return TurnCatchUp.runningTurn(c, threadId).handle((running, failure) -> {
            if (failure == null && running.filter(earlier::equals).isEmpty()) {
                if (running.isEmpty()) {
                    settleFirst = false;
                }
                return CompletableFuture.<TurnFailure>completedFuture(null);
            }
            if (System.nanoTime() >= deadline) {
                return CompletableFuture.completedFuture(TurnFailure.of("turn " + UntrustedText.of(earlier) + " still runs on thread "
                        + UntrustedText.of(threadId) + " and did not stop within " + TurnClock.seconds(grace) + " of an interrupt, so this "
                        + "turn was not sent (codex would have added its input to that turn)", ErrorCategory.TIMEOUT, null));
            }
            CompletableFuture<TurnFailure> later = new CompletableFuture<>();
            RpcThreads.timer().schedule(() -> untilEnded(c, threadId, earlier, deadline, grace).whenComplete((r, e) -> {
                if (e != null) {
                    later.completeExceptionally(e);
                } else {
                    later.complete(r);
                }
            }), SETTLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
            return later;
        }).thenCompose(f -> f);
    }
}
