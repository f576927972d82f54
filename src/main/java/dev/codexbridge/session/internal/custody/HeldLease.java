package dev.codexbridge.session.internal.custody;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.store.StoreClosedException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The store's lease on one session's conversation while the session holds its thread (decision
 * 0057): taken on first need, renewed at a third of its time on the library's timer (the renewal
 * itself on the lease threads, decision 0142), given back at the end of a sleep or a close. A
 * renewal that finds the lease gone marks it lost for good: the session never writes the
 * conversation again.
 *
 * <p>A host cut off from the store (a partition, a database down) cannot learn that its lease ran
 * out, so it counts for itself (decision 0070): the lease is surely in force only until its time
 * after the request that took or last renewed it was <em>sent</em>, less a tenth for the clocks'
 * drift. Past that with no renewal answered, it is lost here too, before the store can give the
 * conversation to another host: the session stops writing it and says why.
 *
 * <p>A lease lost either way is told once to {@link #whenLost} (decision 0077): the session then
 * interrupts the turn codex runs for it, as codex must stop acting for a host that no longer
 * holds the conversation. A timer checks the deadline, so a renewal stuck on an unreachable store
 * does not delay that.
 *
 * <p>A store closed under a session (the host closed it first) ends the lease at the first renewal
 * after: said once, as a lost lease, and the renewer stops.
 *
 * <p>A store that learns the lease ended before its time ({@code ConversationStore.whenLost}: the
 * store's session with its database ended, and another host may take the conversation at once;
 * decision 0113) tells it here as it learns it: lost, as by a refused renewal, without waiting for
 * the next one.
 *
 * <p>Another host asking for the conversation is told to {@link #whenHandOverAsked} as soon as the
 * store hears of it ({@code ConversationStore.whenAsked}: PostgreSQL's notification, decision
 * 0118), and again by every renewal that finds the ask standing (decision 0105): an idle session
 * then stores it and gives the lease back. A refused lease asks its holder and carries what says
 * the holder let go ({@code ConversationLeasedException.released()}), so the asker's wait ends then.
 */
public final class HeldLease {
    private static final Logger LOG = SafeLogger.getLogger(ThreadCustody.class);

    private final ConversationStorage storage;
    /** The monotonic clock the lease's own deadline is counted on ({@link System#nanoTime}; tests give theirs). */
    private final LongSupplier nanos;
    private volatile ConversationLease lease;
    /** Until when ({@link #nanos}) the lease is surely in force at the store, as far as this host can tell. */
    private volatile long inForceUntil;
    private volatile ScheduledFuture<?> renewal;
    /** The check at {@link #inForceUntil}: fires {@link #lost()} should no renewal be answered before. */
    private volatile ScheduledFuture<?> deadline;
    /** Ends the store's watches on the lease ({@code ConversationStore.whenLost}, {@code whenAsked}). */
    private volatile Runnable unwatch = () -> { };
    /** The lease's time as held ({@link ConversationStorage#leaseTimeOn}), set when it is taken. */
    private volatile Duration ttl;
    /** Set when the lease could not be renewed: another host may have the conversation now. */
    private volatile CodexException lost;
    /** Told once, on the thread that found it, when the lease is lost. */
    private volatile Runnable onLost = () -> { };
    /** Told after each renewal that finds the conversation asked for by another host. */
    private volatile Runnable onHandOverAsked = () -> { };
    /** What waits on the lease while it runs ({@link #untilLost}): told, each once, when the lease is lost. */
    private final java.util.Set<Consumer<CodexException>> watchers = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public HeldLease(ConversationStorage storage) {
        this(storage, System::nanoTime);
    }

    public HeldLease(ConversationStorage storage, LongSupplier nanos) {
        this.storage = storage;
        this.nanos = nanos;
    }

    /** {@code action} runs once when the lease is lost (a refusal, or its deadline passed unrenewed); it must not block. */
    public void whenLost(Runnable action) {
        onLost = action;
    }

    /**
     * {@code action} runs when another host asked for the conversation: as the store hears of it
     * (decision 0118), and after each renewal that found the ask standing (decision 0105); it must not block.
     */
    public void whenHandOverAsked(Runnable action) {
        onHandOverAsked = action;
    }

    /**
     * {@code action} is told why, once, should the lease be lost (or be lost already) before the
     * returned stop runs: for a wait that must end with the lease, such as a turn's store blocked
     * on a store out of reach. It must not block.
     */
    public Runnable untilLost(Consumer<CodexException> action) {
        Consumer<CodexException> once = new Consumer<>() {
            private final java.util.concurrent.atomic.AtomicBoolean told = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void accept(CodexException why) {
                if (told.compareAndSet(false, true)) {
                    action.accept(why);
                }
            }
        };
        watchers.add(once);
        CodexException already = lost();
        if (already != null) {
            watchers.remove(once);
            once.accept(already);
        }
        return () -> watchers.remove(once);
    }

    /** Why this session may no longer write its conversation, or null. */
    public CodexException lost() {
        CodexException known = lost;
        if (known != null) {
            return known;
        }
        ConversationLease held = lease;
        if (held != null && nanos.getAsLong() - inForceUntil > 0) {
            // the store's own exception for a lease no longer in force, so a door tells this loss as it tells a refused renewal
            markLost(held, new LeaseLostException(held, "it could not be renewed before it ran out (the store did not answer): "
                    + "another host may have the conversation now, so this host stops writing it"));
            return lost;
        }
        return null;
    }

    /** The store refused a write under the lease as held ({@code why}): lost, as by a refused renewal. */
    public void refused(LeaseLostException why) {
        ConversationLease held = lease;
        if (held != null) {
            markLost(held, why);
        }
    }

    /** Marks the lease {@code held} lost for {@code why}, unless it was already or is no longer held; tells {@link #onLost} once. */
    private void markLost(ConversationLease held, CodexException why) {
        synchronized (this) {
            if (lost != null || lease != held) {
                return;
            }
            lost = why;
        }
        LOG.error("{}", why.getMessage());
        stopRenewal();
        for (Consumer<CodexException> w : watchers) {
            watchers.remove(w);
            w.accept(why);
        }
        try {
            onLost.run();
        } catch (RuntimeException e) {
            LOG.warn("acting on the lost lease of conversation {} failed", held.threadId(), e);
        }
    }

    /** The deadline of a lease taken or renewed by a request sent at {@code sentAt}: its time less a tenth. */
    private long inForceAfter(long sentAt) {
        long t = ttl.toNanos();
        return sentAt + t - t / 10;
    }

    /** (Re)arms the deadline's check for the lease as now in force; a check that finds it renewed meanwhile does nothing. */
    private void armDeadline() {
        ScheduledFuture<?> old = deadline;
        if (old != null) {
            old.cancel(false);
        }
        long wait = Math.max(0, inForceUntil - nanos.getAsLong()) + 1;
        try {
            deadline = RpcThreads.timer().schedule(this::lost, wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            deadline = null;        // the library is shutting down: the next step's check still counts the deadline
        }
    }

    /**
     * The lease's time on {@code c} (decision 0076): the storage's own where codex is this host's process (it dies with
     * the host, and no other host reaches it), else at least {@link ConversationStorage#MIN_LEASE}.
     */
    public Duration timeOn(CodexClient c) {
        return storage.leaseTimeOn(ownCodex(c));
    }

    /** Whether {@code c} runs a codex process this JVM started: not an endpoint, not a transport, not a pool's. */
    static boolean ownCodex(CodexClient c) {
        return c != null && c.options().launch() != null && ClientPlumbing.of(c).pooledAt() == null;
    }

    /** The lease as held now, or null. */
    public ConversationLease current() {
        return lease;
    }

    /**
     * Takes the lease on {@code threadId} unless it is held already, for {@code time}
     * ({@link ConversationStorage#leaseTimeOn}); throws when another host holds it. Held already for
     * less, it is renewed for {@code time} now (a session placed where a shorter one is unsafe).
     */
    public void hold(String threadId, Duration time) {
        if (lease != null) {
            if (time.compareTo(ttl) > 0 && lost() == null) {
                ttl = time;
                renew();
                restartRenewal(threadId);
            }
            return;
        }
        ttl = time;
        long sent = nanos.getAsLong();
        ConversationLease taken = take(threadId, time);
        synchronized (this) {
            inForceUntil = inForceAfter(sent);
            lease = taken;
        }
        armDeadline();
        restartRenewal(threadId);
        Runnable lostWatch = storage.store().whenLost(taken, why -> endedBefore(taken, why));
        Runnable askWatch = storage.store().whenAsked(taken, () -> heardAsk(taken));
        unwatch = () -> {
            lostWatch.run();
            askWatch.run();
        };
    }

    /** The lease, taken from the store; refused, with its holder asked for the conversation (decision 0105). */
    private ConversationLease take(String threadId, Duration time) {
        try {
            return storage.store().lease(threadId, storage.holder(), time);
        } catch (ConversationLeasedException held) {
            ConversationLeasedException asked = askedFor(held);
            if (asked != null) {
                throw asked;
            }
        }
        // no lease in force to ask of: given back between the refusal and the ask (a hand-over that quick), so once more now
        // rather than after the expiry the refusal named
        try {
            return storage.store().lease(threadId, storage.holder(), time);
        } catch (ConversationLeasedException again) {
            ConversationLeasedException asked = askedFor(again);
            throw asked != null ? asked : again;
        }
    }

    /** The store heard another host ask for {@code taken}'s conversation: told now, as a renewal would tell it, while it is held. */
    private void heardAsk(ConversationLease taken) {
        ConversationLease held = lease;
        if (held != null && held.token().equals(taken.token()) && lost == null) {
            onHandOverAsked.run();
        }
    }

    /** The store says {@code taken} ended before its time (its session with the database ended): lost now, as by a refusal. */
    private void endedBefore(ConversationLease taken, LeaseLostException why) {
        ConversationLease held = lease;
        // a renewal replaces the lease record, never its token
        if (held != null && held.token().equals(taken.token())) {
            markLost(held, why);
        }
    }

    /**
     * The refusal of a lease another host holds, that host asked for the conversation (decision
     * 0105): as it was, when the store failed the ask (the refusal is what matters); null when the
     * store found no lease in force to ask of — it went meanwhile, or the store cannot carry asks.
     */
    private @Nullable ConversationLeasedException askedFor(ConversationLeasedException held) {
        try {
            // before the ask: a release that answers it at once is heard all the same
            java.util.concurrent.CompletionStage<Void> released = storage.store().whenReleased(held.threadId());
            if (storage.store().askHandOver(held.threadId())) {
                ConversationLeasedException asked = new ConversationLeasedException(held.threadId(), held.holder(), held.expiresAt(), true,
                        released);
                asked.setStackTrace(held.getStackTrace());
                return asked;
            }
            return null;
        } catch (RuntimeException failed) {
            held.addSuppressed(failed);
        }
        return held;
    }

    /** Renews at a third of the lease's time from now on. */
    private void restartRenewal(String threadId) {
        stopRenewal();
        long every = ttl.toMillis() / 3;
        try {
            renewal = RpcThreads.timer().scheduleWithFixedDelay(() -> RpcThreads.leases().execute(this::renew), every, every,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("the lease on conversation {} cannot be renewed: the library is shutting down", threadId);
        }
    }

    public void renew() {
        ConversationLease held = lease;
        if (held == null || lost() != null) {
            return;
        }
        try {
            long sent = nanos.getAsLong();
            ConversationLease renewed = storage.store().renew(held, ttl);
            boolean moved = false;
            synchronized (this) {
                if (lease == held && lost == null) {
                    lease = renewed;
                    inForceUntil = inForceAfter(sent);
                    moved = true;
                }
            }
            if (moved) {
                armDeadline();
                if (renewed.handOverAsked()) {
                    onHandOverAsked.run();
                }
            }
        } catch (LeaseLostException e) {
            markLost(held, e);
        } catch (StoreClosedException e) {
            // no renewal can succeed again: said once, and the renewer stops, rather than retrying until the lease runs out
            markLost(held, e);
        } catch (ConversationStoreException e) {
            // the lease is still in force until it expires: the next renewal tries again, unless its time is up here
            if (lost() == null) {
                LOG.warn("renewing the lease on conversation {} failed; trying again", held.threadId(), e);
            }
        }
    }

    /** Gives the lease back (a failure only logged: it ends at its expiry). */
    public void giveBack() {
        stopRenewal();
        unwatch.run();
        unwatch = () -> { };
        ScheduledFuture<?> d = deadline;
        deadline = null;
        if (d != null) {
            d.cancel(false);
        }
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

    /** Why the session may use the conversation no more, said with what to do (open it again); null while it is held. */
    public CodexException whyNotHeld() {
        CodexException why = lost();
        return why == null ? null : new CodexException("this host no longer holds the conversation's lease (" + why.getMessage()
                + "): another host may have it now; open the conversation again", why);
    }

    /** Throws when the lease was lost. */
    public void failIfLost() {
        CodexException why = whyNotHeld();
        if (why != null) {
            throw why;
        }
    }
}
