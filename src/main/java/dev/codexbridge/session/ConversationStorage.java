package dev.codexbridge.session;

import dev.codexbridge.session.internal.custody.AwakeOn;
import dev.codexbridge.session.internal.custody.SleptOn;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.StoredConversation;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a session's conversation lives while no codex holds it (decision 0056; docs/store.md):
 * with it, a session that sleeps ({@link CodexSession.Builder#hibernateAfter}) or closes exports
 * its thread's lineage through codex into {@code store} and lets go of it on that app-server; the
 * next call that needs the thread leases it, imports it on the connection the session is placed
 * on now ({@link CodexSession.Builder#placement}: the least-loaded app-server of a pool), resumes
 * it by id and sets its name and goal again. So a conversation outlives the app-server that ran
 * it: one lost with its disk loses none that slept.
 *
 * <ul>
 *   <li>{@code holder}: this host's name in the store's leases (who holds a conversation, in the
 *       error another host gets);</li>
 *   <li>{@code leaseTime}: how long a lease lasts unless renewed; an awake session renews it at a
 *       third of that. A host that cannot renew in time loses the conversation to whoever asks
 *       next, and its session stops writing it: it starts no turn on it and interrupts the one
 *       running. At least {@link #MIN_OWN_CODEX_LEASE}; a session whose codex another host could
 *       reach holds it for {@link #MIN_LEASE} at least ({@link #leaseTimeOn});</li>
 *   <li>{@code exportAfterEachTurn}: also store the conversation after every completed turn,
 *       before the turn's result is handed out, so a turn the host saw complete survives the loss
 *       of the app-server that ran it (costs an export per turn; docs/performance.md). A turn
 *       that could not be stored is still reported completed, with
 *       {@link TurnResult#storeFailed()} set: it survives only as long as its app-server does;
 *       one whose session lost the lease first is reported failed (no store will ever keep it);</li>
 *   <li>{@code owner}: who the conversation belongs to, stored with it (null: none);</li>
 *   <li>{@code keepSleptCopy}: how long codex's copy of a conversation that slept stays in the
 *       home it slept in, for a wake there that imports nothing (decision 0074); then, unless the
 *       conversation woke or another host holds it, its rollout files there are removed and the
 *       store's is the one copy at rest (decision 0121). Zero removes them at the sleep.</li>
 * </ul>
 */
public record ConversationStorage(ConversationStore store, String holder, Duration leaseTime, boolean exportAfterEachTurn,
                                  @Nullable ConversationOwner owner, Duration keepSleptCopy) {
    /**
     * How long codex's copy of a conversation that slept stays where it slept by default: a caller
     * back within it resumes without an import; a home holds the copies of a few minutes' traffic,
     * not of every conversation it ever served.
     */
    public static final Duration DEFAULT_KEEP_SLEPT_COPY = Duration.ofMinutes(2);

    /** Storage keeping a slept conversation's copy for {@link #DEFAULT_KEEP_SLEPT_COPY}. */
    public ConversationStorage(ConversationStore store, String holder, Duration leaseTime, boolean exportAfterEachTurn,
                               @Nullable ConversationOwner owner) {
        this(store, holder, leaseTime, exportAfterEachTurn, owner, DEFAULT_KEEP_SLEPT_COPY);
    }

    /** The default lease: long beside a store's round trip and a host's pause, short beside a lost host's wait. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(2);
    /**
     * The doors' default lease (the CLI's {@code --store-lease}, the starters'
     * {@code codex-bridge.store.lease-time}): a dead replica's conversations are free within it, and
     * renewed every 2 s it leaves a store 5.4 s to answer before this host stops writing
     * (decision 0076). Where codex is not this host's own process it is {@link #MIN_LEASE}.
     */
    public static final Duration DOORS_LEASE = Duration.ofSeconds(6);
    /**
     * The shortest lease at all, for a session whose codex is a process of this host's own (a
     * {@code CodexClient} that starts codex: the tenants', a shared codex, a session's own). No
     * other host can reach that codex, and it dies with this host: under bubblewrap at once
     * ({@code --die-with-parent}), without it on the end of its input, within 2 s of a SIGKILL of
     * the JVM, mid-turn included (measured on codex 0.169.0; {@code A2aCommandStoreLiveTest} kills a
     * tenant's). Renewed at a third, a dead host's lease has two thirds of this (3.3 s) left at least.
     */
    public static final Duration MIN_OWN_CODEX_LEASE = Duration.ofSeconds(5);
    /**
     * The shortest lease on a codex another host can reach (an app-server of a pool, a remote
     * endpoint, a transport): shorter leases are held for this long ({@link #leaseTimeOn}). A lease
     * is renewed at a third of its time, so a host that dies leaves it between two thirds of it and
     * all of it to run: two thirds of this (50 s) is longer than codex
     * keeps a dropped connection's thread loaded (the default re-attach window, 30 s, and the time
     * codex takes to notice: a thread was seen loaded 38 s after its host died), so that a killed
     * host's conversation is free only once no codex can still write it (found by {@code bin/bench
     * chaos --pool3}: with 10 s leases, and again with 40 s, a new host woke such a thread on a
     * second app-server). A host with a longer re-attach window chooses a lease of at least one and
     * a half times it and 20 s.
     */
    public static final Duration MIN_LEASE = Duration.ofSeconds(75);

    public ConversationStorage {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(holder, "holder");
        if (holder.isBlank()) {
            throw new IllegalArgumentException("the holder names this host in the store's leases: it cannot be blank");
        }
        Objects.requireNonNull(leaseTime, "leaseTime");
        if (leaseTime.compareTo(MIN_OWN_CODEX_LEASE) < 0) {
            throw new IllegalArgumentException("leaseTime must be at least " + MIN_OWN_CODEX_LEASE.toSeconds() + " s, was " + leaseTime);
        }
        Objects.requireNonNull(keepSleptCopy, "keepSleptCopy");
        if (keepSleptCopy.isNegative()) {
            throw new IllegalArgumentException("keepSleptCopy must not be negative, was " + keepSleptCopy);
        }
    }

    /**
     * The lease a session holds: {@link #leaseTime} when its codex is a process of this host's own
     * ({@code ownCodex}: it dies with the host, and no other host reaches it), else at least
     * {@link #MIN_LEASE}, which outlasts a remote app-server's hold on a dead host's thread.
     */
    public Duration leaseTimeOn(boolean ownCodex) {
        return ownCodex || leaseTime.compareTo(MIN_LEASE) >= 0 ? leaseTime : MIN_LEASE;
    }

    /**
     * The app-server (its endpoint's URI) a stored conversation was awake on when it was last
     * stored, if the host holding it stopped without a sleep (it died, or lost its lease): that
     * app-server's copy is at least as new as the store's, so a placement that can should wake it
     * there ({@code CodexPool} does). Empty after a clean sleep (see {@link #lastSleptOn}).
     */
    public static Optional<URI> lastAwakeOn(StoredConversation conversation) {
        return AwakeOn.read(conversation);
    }

    /**
     * The app-server a stored conversation last slept on, when its record says so (decision 0074):
     * the endpoint's URI as {@link #lastAwakeOn} gives it (a process of the host's own is named by
     * this machine and its codex home). Codex there kept its copy, so a placement that can choose
     * should wake it there when that endpoint is healthy and has room ({@code CodexPool} does): the
     * wake then imports nothing. Anywhere else is as correct, at the cost of an import.
     */
    public static Optional<String> lastSleptOn(StoredConversation conversation) {
        return SleptOn.read(conversation).map(SleptOn::at);
    }

    /** The same storage for a conversation of {@code owner} (null: none stored). */
    public ConversationStorage withOwner(@Nullable ConversationOwner owner) {
        return new ConversationStorage(store, holder, leaseTime, exportAfterEachTurn, owner, keepSleptCopy);
    }

    /**
     * Storage in {@code store} under the holder name {@code holder}, with the default lease,
     * storing after each completed turn and when the session sleeps or closes.
     */
    public static Builder builder(ConversationStore store, String holder) {
        return new Builder(store, holder);
    }

    /** Builds a {@link ConversationStorage}. */
    public static final class Builder {
        private final ConversationStore store;
        private final String holder;
        private Duration leaseTime = DEFAULT_LEASE;
        private boolean exportAfterEachTurn = true;
        private @Nullable ConversationOwner owner;
        private Duration keepSleptCopy = DEFAULT_KEEP_SLEPT_COPY;

        private Builder(ConversationStore store, String holder) {
            this.store = store;
            this.holder = holder;
        }

        public Builder leaseTime(Duration leaseTime) {
            this.leaseTime = leaseTime;
            return this;
        }

        /**
         * Store after every completed turn too, before its result is handed out (default on; see
         * {@link ConversationStorage}). Off, a turn costs no export, and a conversation awake on
         * an app-server lost with its disk comes back as it was when it last slept.
         */
        public Builder exportAfterEachTurn(boolean on) {
            this.exportAfterEachTurn = on;
            return this;
        }

        public Builder owner(@Nullable ConversationOwner owner) {
            this.owner = owner;
            return this;
        }

        /**
         * How long codex's copy of a conversation that slept stays in the home it slept in (default
         * {@link #DEFAULT_KEEP_SLEPT_COPY}; see {@link ConversationStorage}).
         */
        public Builder keepSleptCopy(Duration keepSleptCopy) {
            this.keepSleptCopy = keepSleptCopy;
            return this;
        }

        public ConversationStorage build() {
            return new ConversationStorage(store, holder, leaseTime, exportAfterEachTurn, owner, keepSleptCopy);
        }
    }
}
