package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Deletes the conversations nobody came back to (decision 0122): each one whose newest version was
 * stored longer ago than its tenant's bound, in pages of {@link ConversationStore#list}, each under
 * a brief lease of this sweep's, so that a conversation a host holds (awake, or waking) is skipped
 * and one put again since the listing is kept. Off unless a bound is set; per tenant where given,
 * else the one for all. Several replicas may sweep one store: the leases keep them apart.
 *
 * <pre>{@code
 * ConversationRetention retention = ConversationRetention.builder(store)
 *         .keepFor(Duration.ofDays(30)).keepFor("trial", Duration.ofDays(1)).start();
 * ...
 * retention.close();   // before the store
 * }</pre>
 *
 * <p>What is deleted is gone from the store; codex's copy in a home went when its
 * {@code keepSleptCopy} ran out (decision 0121), and codex's own record of the thread stays until
 * an import there drops it. A caller that comes back to a deleted conversation is answered as for
 * one its door never knew.
 */
public final class ConversationRetention implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(ConversationRetention.class);
    /** How long a sweep holds a conversation it deletes: a lease's round trips, not a turn. */
    static final Duration SWEEP_LEASE = Duration.ofSeconds(30);
    private static final int PAGE = 500;

    private final ConversationStore store;
    private final @Nullable Duration keepFor;
    private final Map<String, Duration> tenants;
    private final String holder;
    private final Duration every;
    private final Clock clock;
    private @Nullable ScheduledExecutorService timer;

    private ConversationRetention(Builder b) {
        this.store = b.store;
        this.keepFor = b.keepFor;
        this.tenants = Map.copyOf(b.tenants);
        this.holder = b.holder;
        this.every = b.every != null ? b.every : defaultEvery(b);
        this.clock = b.clock;
    }

    /** Retention over {@code store}; nothing is deleted until a bound is set. */
    public static Builder builder(ConversationStore store) {
        return new Builder(store);
    }

    /** What one sweep did: conversations read, deleted, skipped as held or put again since, and those it could not delete. */
    public record Swept(int examined, int deleted, int skipped, int failed) {
    }

    /**
     * One sweep now, on this thread, over the whole store. A conversation that cannot be read or
     * deleted is counted and logged, and the sweep goes on; a store that cannot be listed ends it
     * with that {@link ConversationStoreException}.
     */
    public Swept sweep() {
        Instant now = clock.instant();
        int examined = 0;
        int deleted = 0;
        int skipped = 0;
        int failed = 0;
        String after = null;
        while (true) {
            List<ConversationSummary> page = store.list(after, PAGE);
            for (ConversationSummary s : page) {
                examined++;
                Duration bound = boundFor(s.owner());
                if (bound == null || !s.storedAt().isBefore(now.minus(bound))) {
                    continue;
                }
                try {
                    if (deleteIfUnchanged(s)) {
                        deleted++;
                    } else {
                        skipped++;
                    }
                } catch (ConversationStoreException e) {
                    failed++;
                    LOG.warn("conversation {} is past its retention but was not deleted: {}", s.threadId(), e.getMessage());
                }
            }
            if (page.size() < PAGE) {
                break;
            }
            after = page.get(page.size() - 1).threadId();
        }
        Swept swept = new Swept(examined, deleted, skipped, failed);
        if (deleted > 0 || failed > 0) {
            LOG.info("retention: {} stored conversations read, {} deleted, {} held or stored again since, {} not deleted",
                    examined, deleted, skipped, failed);
        }
        return swept;
    }

    /** Deletes the conversation {@code listed} names unless it is leased or was stored again since; whether it was deleted. */
    private boolean deleteIfUnchanged(ConversationSummary listed) {
        ConversationLease lease;
        try {
            lease = store.lease(listed.threadId(), holder, SWEEP_LEASE);
        } catch (ConversationLeasedException held) {
            return false;
        }
        StoredConversation c;
        try {
            // read again under the lease: a version put since the listing is newer than the bound, and it stays
            c = store.get(listed.threadId()).orElse(null);
        } catch (ConversationStoreException e) {
            store.release(lease);
            throw e;
        }
        if (c == null || c.version() != listed.version()) {
            store.release(lease);
            return false;
        }
        return store.delete(lease);     // the lease goes with it
    }

    private @Nullable Duration boundFor(@Nullable ConversationOwner owner) {
        if (owner != null && owner.tenant() != null) {
            Duration own = tenants.get(owner.tenant());
            if (own != null) {
                return own;
            }
        }
        return keepFor;
    }

    /**
     * Sweeps now and then every {@code sweepEvery} on a daemon thread of its own, until
     * {@link #close}; a sweep that fails is logged and the next one runs as planned.
     */
    public synchronized ConversationRetention start() {
        if (timer != null) {
            return this;
        }
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "codex-bridge-retention");
            thread.setDaemon(true);
            return thread;
        });
        t.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.warn("a retention sweep of the conversation store failed; the next runs in {}: {}", every, e.getMessage());
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        timer = t;
        return this;
    }

    /** Stops the sweeps, waiting up to 10 s for one under way; the store stays open. */
    @Override
    public synchronized void close() {
        ScheduledExecutorService t = timer;
        timer = null;
        if (t == null) {
            return;
        }
        t.shutdownNow();
        try {
            if (!t.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("a retention sweep was still running 10 s after its close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A tenth of the shortest bound, between a minute and an hour. */
    private static Duration defaultEvery(Builder b) {
        Duration shortest = b.tenants.values().stream().reduce(b.keepFor, (x, y) -> x == null || y.compareTo(x) < 0 ? y : x);
        if (shortest == null) {
            return Duration.ofHours(1);
        }
        Duration tenth = shortest.dividedBy(10);
        return tenth.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1)
                : tenth.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : tenth;
    }

    /** Builds a {@link ConversationRetention}. */
    public static final class Builder {
        private final ConversationStore store;
        private @Nullable Duration keepFor;
        private final Map<String, Duration> tenants = new HashMap<>();
        private String holder = "retention";
        private @Nullable Duration every;
        private Clock clock = Clock.systemUTC();

        private Builder(ConversationStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** How long a conversation of any tenant is kept after its last store (unset: kept, unless its tenant has a bound). */
        public Builder keepFor(Duration keepFor) {
            this.keepFor = positive(keepFor, "keepFor");
            return this;
        }

        /** How long a conversation of {@code tenant} is kept after its last store, instead of {@link #keepFor(Duration)}. */
        public Builder keepFor(String tenant, Duration keepFor) {
            tenants.put(Objects.requireNonNull(tenant, "tenant"), positive(keepFor, "keepFor"));
            return this;
        }

        /** The name this sweep's leases carry, what a host is told holds a conversation meanwhile (default {@code retention}). */
        public Builder holder(String holder) {
            if (holder == null || holder.isBlank()) {
                throw new IllegalArgumentException("the holder names the sweep in the store's leases: it cannot be blank");
            }
            this.holder = holder;
            return this;
        }

        /** How often {@link #start} sweeps (default: a tenth of the shortest bound, between a minute and an hour). */
        public Builder sweepEvery(Duration every) {
            this.every = positive(every, "sweepEvery");
            return this;
        }

        /** The clock a conversation's age is read against: the store's, for both stores the host's (default: UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ConversationRetention build() {
            return new ConversationRetention(this);
        }

        /** Builds and {@linkplain ConversationRetention#start starts} it. */
        public ConversationRetention start() {
            return build().start();
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, not " + d);
            }
            return d;
        }
    }
}
