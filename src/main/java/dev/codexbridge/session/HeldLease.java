package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.LeaseLostException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The store's lease on one session's conversation while the session holds its thread (decision
 * 0057): taken on first need, renewed at a third of its time on the library's timer (the renewal
 * itself on the store threads), given back at the end of a sleep or a close. A renewal that finds
 * the lease gone marks it lost for good: the session never writes the conversation again.
 */
final class HeldLease {
    private static final Logger LOG = SafeLogger.getLogger(ThreadCustody.class);

    private final ConversationStorage storage;
    private volatile ConversationLease lease;
    private volatile ScheduledFuture<?> renewal;
    /** Set when the lease could not be renewed: another host may have the conversation now. */
    private volatile CodexException lost;

    HeldLease(ConversationStorage storage) {
        this.storage = storage;
    }

    /** Why this session may no longer write its conversation, or null. */
    CodexException lost() {
        return lost;
    }

    /** The lease as held now, or null. */
    ConversationLease current() {
        return lease;
    }

    /** Takes the lease on {@code threadId} unless it is held already; throws when another host holds it. */
    void hold(String threadId) {
        if (lease != null) {
            return;
        }
        lease = storage.store().lease(threadId, storage.holder(), storage.leaseTime());
        long every = storage.leaseTime().toMillis() / 3;
        try {
            renewal = RpcThreads.timer().scheduleWithFixedDelay(() -> RpcThreads.stores().execute(this::renew), every, every,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("the lease on conversation {} cannot be renewed: the library is shutting down", threadId);
        }
    }

    private void renew() {
        ConversationLease held = lease;
        if (held == null || lost != null) {
            return;
        }
        try {
            ConversationLease renewed = storage.store().renew(held, storage.leaseTime());
            synchronized (this) {
                if (lease == held) {
                    lease = renewed;
                }
            }
        } catch (LeaseLostException e) {
            lost = e;
            stopRenewal();
            LOG.error("this host lost the lease on conversation {}: the session stops writing it", held.threadId());
        } catch (ConversationStoreException e) {
            // the lease is still in force until it expires: the next renewal tries again
            LOG.warn("renewing the lease on conversation {} failed; trying again", held.threadId(), e);
        }
    }

    /** Gives the lease back (a failure only logged: it ends at its expiry). */
    void giveBack() {
        stopRenewal();
        ConversationLease held = lease;
        lease = null;
        if (held != null) {
            try {
                storage.store().release(held);
            } catch (RuntimeException e) {
                LOG.warn("giving back the lease on conversation {} failed: it ends at its expiry", held.threadId(), e);
            }
        }
    }

    private void stopRenewal() {
        ScheduledFuture<?> r = renewal;
        renewal = null;
        if (r != null) {
            r.cancel(false);
        }
    }

    /** Throws when the lease was lost. */
    void failIfLost() {
        if (lost != null) {
            throw new CodexException("this host no longer holds the conversation's lease (" + lost.getMessage()
                    + "): another host may have it now; open the conversation again", lost);
        }
    }
}
