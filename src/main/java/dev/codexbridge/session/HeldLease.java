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
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The store's lease on one session's conversation while the session holds its thread (decision
 * 0057): taken on first need, renewed at a third of its time on the library's timer (the renewal
 * itself on the store threads), given back at the end of a sleep or a close. A renewal that finds
 * the lease gone marks it lost for good: the session never writes the conversation again.
 *
 * <p>A host cut off from the store (a partition, a database down) cannot learn that its lease ran
 * out, so it counts for itself (decision 0070): the lease is surely in force only until its time
 * after the request that took or last renewed it was <em>sent</em>, less a tenth for the clocks'
 * drift. Past that with no renewal answered, it is lost here too, before the store can give the
 * conversation to another host: the session stops writing it and says why.
 */
final class HeldLease {
    private static final Logger LOG = SafeLogger.getLogger(ThreadCustody.class);

    private final ConversationStorage storage;
    /** The monotonic clock the lease's own deadline is counted on ({@link System#nanoTime}; tests give theirs). */
    private final LongSupplier nanos;
    private volatile ConversationLease lease;
    /** Until when ({@link #nanos}) the lease is surely in force at the store, as far as this host can tell. */
    private volatile long inForceUntil;
    private volatile ScheduledFuture<?> renewal;
    /** Set when the lease could not be renewed: another host may have the conversation now. */
    private volatile CodexException lost;

    HeldLease(ConversationStorage storage) {
        this(storage, System::nanoTime);
    }

    HeldLease(ConversationStorage storage, LongSupplier nanos) {
        this.storage = storage;
        this.nanos = nanos;
    }

    /** Why this session may no longer write its conversation, or null. */
    CodexException lost() {
        CodexException known = lost;
        if (known != null) {
            return known;
        }
        ConversationLease held = lease;
        if (held != null && nanos.getAsLong() - inForceUntil > 0) {
            synchronized (this) {
                if (lost == null && lease == held) {
                    lost = new CodexException("the lease on conversation " + held.threadId() + " could not be renewed before it "
                            + "ran out (the store did not answer): another host may have the conversation now, so this host "
                            + "stops writing it");
                    LOG.error("{}", lost.getMessage());
                }
            }
            stopRenewal();
            return lost;
        }
        return null;
    }

    /** The deadline of a lease taken or renewed by a request sent at {@code sentAt}: its time less a tenth. */
    private long inForceAfter(long sentAt) {
        long ttl = storage.leaseTime().toNanos();
        return sentAt + ttl - ttl / 10;
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
        long sent = nanos.getAsLong();
        ConversationLease taken = storage.store().lease(threadId, storage.holder(), storage.leaseTime());
        synchronized (this) {
            inForceUntil = inForceAfter(sent);
            lease = taken;
        }
        long every = storage.leaseTime().toMillis() / 3;
        try {
            renewal = RpcThreads.timer().scheduleWithFixedDelay(() -> RpcThreads.stores().execute(this::renew), every, every,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("the lease on conversation {} cannot be renewed: the library is shutting down", threadId);
        }
    }

    void renew() {
        ConversationLease held = lease;
        if (held == null || lost() != null) {
            return;
        }
        try {
            long sent = nanos.getAsLong();
            ConversationLease renewed = storage.store().renew(held, storage.leaseTime());
            synchronized (this) {
                if (lease == held && lost == null) {
                    lease = renewed;
                    inForceUntil = inForceAfter(sent);
                }
            }
        } catch (LeaseLostException e) {
            lost = e;
            stopRenewal();
            LOG.error("this host lost the lease on conversation {}: the session stops writing it", held.threadId());
        } catch (ConversationStoreException e) {
            // the lease is still in force until it expires: the next renewal tries again, unless its time is up here
            if (lost() == null) {
                LOG.warn("renewing the lease on conversation {} failed; trying again", held.threadId(), e);
            }
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
        CodexException why = lost();
        if (why != null) {
            throw new CodexException("this host no longer holds the conversation's lease (" + why.getMessage()
                    + "): another host may have it now; open the conversation again", why);
        }
    }
}
