package dev.codexbridge.session.internal.custody;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.store.spi.JdbcTransactions;
import dev.codexbridge.store.spi.WriteFence;
import dev.codexbridge.transport.TransportException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The tries of a completed turn's store ({@link ThreadCustody#turnCompleted}). When the connection
 * dropped under the export, the app-server may still have the turn (a network fault, not a lost
 * disk): once the client has reconnected and the session resumed the thread there, it is tried
 * again, a few times within {@link #PAUSES}, before the turn's result is handed out without it.
 *
 * <p>A store that fails while, or because, the session's lease is lost fails with
 * {@link TurnNotKeptException} (decision 0082): the session can never store the turn, and another
 * host may run the conversation without it. A put already sent when the lease is lost here may
 * still be taken: the database judges the lease by its own clock, which this host's deadline runs
 * ahead of, and a transaction begun in time commits. So that put is waited for, up to
 * {@link #IN_FLIGHT_WAIT}, and its outcome told (stored: completed); past the wait, not kept. A put
 * that has not reached the database when the lease is lost (its store waits for a connection while
 * the database is away, {@link WriteFence}) is stopped there and told not kept at once. A put
 * refused because the database does not answer is tried again until it is stored or the lease is lost.
 */
public final class TurnStoreTries {
    private static final Logger LOG = SafeLogger.getLogger(ThreadCustody.class);
    /** The pauses before a turn's store is tried again after its connection dropped (once the client is back). */
    private static final Duration[] PAUSES = {Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(3)};
    /** Between tries of a turn's store while its database does not answer: the outage gate lets one call a second ask it. */
    private static final Duration STORE_AWAY_PAUSE = Duration.ofMillis(250);
    /** How long a turn's store waits for a dropped connection to come back before the result is handed out without it. */
    private static final Duration RECONNECT_WAIT = Duration.ofSeconds(30);
    /**
     * How long a put under way when the lease is lost is waited for: the doors' statement bound
     * (6 s) and a write's idle bound in its transaction (3 s, decision 0129), with a margin.
     */
    public static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(10);

    private TurnStoreTries() {
    }

    /** Stores turn {@code turnId} of {@code threadId} on {@code on} by {@code attempt} under {@code lease}, as the class says. */
    public static CompletableFuture<Void> store(CodexClient on, String threadId, String turnId, HeldLease lease,
                                         Function<WriteFence, CompletableFuture<Void>> attempt) {
        CompletableFuture<Void> told = new CompletableFuture<>();
        AtomicReference<WriteFence> underWay = new AtomicReference<>();
        Supplier<CompletableFuture<Void>> fenced = () -> {
            WriteFence fence = new WriteFence();
            underWay.set(fence);
            return attempt.apply(fence).whenComplete((x, failure) -> {
                if (failure != null) {
                    fence.failed();
                }
            });
        };
        // a put under way may still be taken (see above): its outcome is what the caller is told, within a bound; one that
        // has not reached the database (it waits for a connection while the database is away) is stopped, and told at once
        Runnable stopWatching = lease.untilLost(why -> giveUp(underWay, told, new TurnNotKeptException(turnId, why),
                System.nanoTime() + IN_FLIGHT_WAIT.toNanos()));
        whileHeld(() -> store(on, threadId, turnId, fenced, 0), lease, told, turnId).whenComplete((x, failure) -> {
            stopWatching.run();
            LeaseLostException refused = fenced(failure);
            if (refused != null) {
                lease.refused(refused);
            }
            CodexException lost = failure == null ? null : lease.lost();
            if (failure == null) {
                told.complete(null);
            } else if (lost != null) {
                told.completeExceptionally(new TurnNotKeptException(turnId, lost));
            } else {
                told.completeExceptionally(failure);
            }
        });
        return told;
    }

    /**
     * The lease is lost under a turn's store: {@code notKept} is told as soon as the put under way
     * can no longer reach the database ({@link WriteFence#abandon}; looked at again every {@link
     * #STORE_AWAY_PAUSE} as it moves on), or at {@code deadline} whatever it does; its own outcome,
     * should it come first, is told instead.
     */
    private static void giveUp(AtomicReference<WriteFence> underWay, CompletableFuture<Void> told, TurnNotKeptException notKept,
                               long deadline) {
        WriteFence fence = underWay.get();
        if (told.isDone()) {
            return;
        }
        if (fence != null && fence.abandon() || System.nanoTime() - deadline >= 0) {
            told.completeExceptionally(notKept);
            return;
        }
        RpcThreads.timer().schedule(() -> giveUp(underWay, told, notKept, deadline), STORE_AWAY_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * {@code attempt} again while the store's database does not answer (refused at once by its
     * outage gate, or not reached) and the lease is in force: the turn is stored once the database
     * is back within the lease, or, the lease lost first, told not kept — never handed out
     * completed with {@link TurnResult#storeFailed} while no store will ever have it (decision 0107).
     */
    private static CompletableFuture<Void> whileHeld(Supplier<CompletableFuture<Void>> attempt, HeldLease lease,
                                                     CompletableFuture<Void> told, String turnId) {
        return attempt.get().exceptionallyCompose(failure -> {
            if (JdbcTransactions.unreachableCause(Futures.unwrap(failure)) == null || lease.lost() != null || told.isDone()) {
                return CompletableFuture.failedFuture(failure);
            }
            LOG.debug("turn {} waits for the store's database to answer while the lease holds", turnId);
            return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(STORE_AWAY_PAUSE.toMillis(),
                    TimeUnit.MILLISECONDS, RpcThreads.stores())).thenCompose(x -> whileHeld(attempt, lease, told, turnId));
        });
    }

    private static CompletableFuture<Void> store(CodexClient on, String threadId, String turnId,
                                                 Supplier<CompletableFuture<Void>> attempt, int retry) {
        return attempt.get().exceptionallyCompose(failure -> {
            if (retry >= PAUSES.length || !connectionLost(failure) || ClientPlumbing.of(on).closedFuture().isDone()) {
                return CompletableFuture.failedFuture(failure);
            }
            LOG.info("turn {} of thread {} could not be stored as its connection dropped; trying again once it is back", turnId, threadId);
            Duration pause = PAUSES[retry];
            return on.whenReady().orTimeout(RECONNECT_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .thenCompose(c -> CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(pause.toMillis(),
                            TimeUnit.MILLISECONDS, RpcThreads.stores())))
                    .thenCompose(x -> store(on, threadId, turnId, attempt, retry + 1));
        });
    }

    /** Logs that a completed turn could not be stored (its result stands); null, for {@code exceptionally}. */
    public static Void notStored(String turnId, Throwable failure) {
        LOG.warn("turn {} completed but could not be stored; the store keeps the conversation as it was before it", turnId,
                Futures.unwrap(failure));
        return null;
    }

    /**
     * The result to hand out for {@code completed}, whose store failed with {@code failure}: failed
     * when the lease was lost before it could be stored ({@link TurnNotKeptException}), else
     * completed with {@link TurnResult#storeFailed}.
     */
    public static TurnResult notKept(TurnResult completed, Throwable failure) {
        return Futures.unwrap(failure) instanceof TurnNotKeptException lost
                ? ApiAccess.get().notKept(completed, TurnFailure.of(lost.getMessage(), ErrorCategory.NOT_KEPT, null))
                : ApiAccess.get().withStoreFailed(completed);
    }

    /** The store's refusal of a write under a lease no longer in force, if {@code failure} is or has one; else null. */
    private static LeaseLostException fenced(Throwable failure) {
        for (Throwable t = failure == null ? null : Futures.unwrap(failure); t != null; t = t.getCause()) {
            if (t instanceof LeaseLostException lost) {
                return lost;
            }
        }
        return null;
    }

    /** Whether {@code failure} came from a connection that dropped or did not answer in time, not from codex or the store. */
    private static boolean connectionLost(Throwable failure) {
        for (Throwable t = Futures.unwrap(failure); t != null; t = t.getCause()) {
            if (t instanceof ConnectionClosedException || t instanceof TransportException || t instanceof RpcTimeoutException
                    || t instanceof RpcException r && r.error() != null && r.error().message().contains("not loaded")) {
                return true;
            }
        }
        return false;
    }
}
