package dev.codexbridge.session.internal.thread;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.session.internal.custody.UnloadWait;
import dev.codexbridge.store.ConversationStoreException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A session letting go of its connection with a store configured: {@link ThreadCustody#sleep}
 * over the connection {@code from}, which the session has already detached from, then the
 * connection let go of. A connection of the session's own is closed once the conversation is stored
 * (the export reads through it), a shared one only left. What went wrong is logged here, once, at
 * the level it deserves, and a closing session's {@link ThreadCustody#closed} tells it.
 *
 * <p>A sleep whose store the store did not take (the database away or restarting) keeps the lease,
 * codex's copy newer than the store's: it is tried again each second while nothing woke the session
 * and its lease holds, so the conversation reaches the store and its lease goes back once the store
 * answers — a hand-over another host asked for goes through then, instead of the conversation
 * staying here until this session's next call (issue 81).
 */
public final class CustodyLetGo {
    private static final Logger LOG = SafeLogger.getLogger(ThreadCustody.class);
    /** How many times a sleep the store did not take is tried again, a second apart: the lease's loss ends it sooner. */
    static final int STORE_TRIES = 60;

    private CustodyLetGo() {
    }

    public static void sleepThenLetGo(ThreadCustody custody, CodexClient from, String threadId, ThreadLink link, boolean closing) {
        Duration window = link.reattachWindow() == null ? Duration.ZERO : link.reattachWindow();
        CompletableFuture<Void> letGo = new CompletableFuture<>();
        if (closing) {
            custody.closing(letGo);
        }
        boolean unsubscribes = link.unsubscribes();
        CompletableFuture<Void> sleep = custody.sleep(from, threadId, window, unsubscribes, !closing);
        int number = custody.sleepNumber();
        sleep.whenComplete((x, failure) -> {
            Throwable cause = failure == null ? null : Futures.unwrap(failure);
            if (cause instanceof UnloadWait.StillLoaded) {
                LOG.info("conversation {} is stored {}; {}", threadId, custody.lastStoredTurn(), cause.getMessage());
            } else if (cause != null && !from.isOpen()) {
                // the host closed the connection right after the session: usual at shutdown, not a fault
                LOG.info("conversation {} was not stored as the session let go of it: its connection closed first; "
                        + "the store keeps it {}", threadId, custody.lastStoredTurn());
            } else if (cause != null) {
                boolean again = !closing && storeAway(cause);
                LOG.warn("conversation {} could not be stored as the session let go of it; the store keeps it {}{}", threadId,
                        custody.lastStoredTurn(), again ? " (tried again each second while this session holds it)" : "", cause);
                if (again) {
                    storeAgainLater(custody, from, threadId, window, unsubscribes, number, 1);
                }
            }
            if (cause != null && closing) {
                // the session will not wake it again: whoever asks next may, from what the store has
                custody.giveBackLease();
            }
            link.letGo(from);
            custody.settled().whenComplete((y, z) -> {
                if (cause == null || cause instanceof UnloadWait.StillLoaded) {
                    letGo.complete(null);
                } else {
                    letGo.completeExceptionally(cause);
                }
            });
        });
    }

    /** Sleep {@code number}, whose store the store did not take, tried again a second from now (try {@code tries}). */
    private static void storeAgainLater(ThreadCustody custody, CodexClient from, String threadId, Duration window, boolean unsubscribes,
                                        int number, int tries) {
        try {
            RpcThreads.timer().schedule(() -> custody.sleep(from, threadId, window, unsubscribes, true, number).whenComplete((x, failure) -> {
                Throwable cause = failure == null ? null : Futures.unwrap(failure);
                if (cause == null && custody.storedAway()) {
                    LOG.info("conversation {} is stored {} and let go: the store answers again", threadId, custody.lastStoredTurn());
                } else if (cause != null && storeAway(cause) && tries < STORE_TRIES) {
                    storeAgainLater(custody, from, threadId, window, unsubscribes, number, tries + 1);
                } else if (cause != null) {
                    LOG.warn("conversation {} is still not stored; the store keeps it {}", threadId, custody.lastStoredTurn(), cause);
                }
            }), 1, TimeUnit.SECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // the library is stopping: the lease lapses with its time
        }
    }

    /** A store that did not answer (not one that refused what it was given): worth trying again. */
    private static boolean storeAway(Throwable cause) {
        return cause.getClass() == ConversationStoreException.class;
    }
}
