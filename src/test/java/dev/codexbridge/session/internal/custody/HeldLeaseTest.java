package dev.codexbridge.session.internal.custody;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.ConversationSummary;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.StoreClosedException;
import dev.codexbridge.store.StoredConversation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host cut off from its store counts its lease's time itself: once the lease may have run out at
 * the store with no renewal answered, the host treats it as lost and stops writing, before another
 * host can be given the conversation. A store that answers again in time keeps the lease.
 */
class HeldLeaseTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    private static final Duration LEASE = ConversationStorage.MIN_LEASE;

    @TempDir
    Path tmp;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** Every lease a test holds: their renewals run on the library's timer until given back. */
    private final List<HeldLease> leases = new java.util.concurrent.CopyOnWriteArrayList<>();

    private HeldLease track(HeldLease lease) {
        leases.add(lease);
        return lease;
    }

    @AfterEach
    void giveBackEveryLease() {
        leases.forEach(HeldLease::giveBack);
    }

    @Test
    void aHostThatCannotReachTheStoreGivesUpTheLeaseBeforeTheStoreCouldGiveItAway() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            HeldLease held = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
            held.hold(THREAD, LEASE);
            store.down = true;

            advance(LEASE.dividedBy(3));
            held.renew();
            advance(LEASE.dividedBy(3));
            held.renew();
            assertThat(held.lost()).as("still within the lease's time as this host counts it").isNull();
            held.failIfLost();

            // past nine tenths of the lease since the last renewal was sent: the store may give it away soon
            advance(LEASE.dividedBy(3).minus(LEASE.dividedBy(10)).plusMillis(1));
            assertThat(held.lost()).isNotNull();
            assertThat(held.lost().getMessage()).contains(THREAD).contains("could not be renewed before it ran out");
            assertThatThrownBy(held::failIfLost).isInstanceOf(CodexException.class).hasMessageContaining("open the conversation again");

            // the store answering again does not bring the lease back: another host may have it by now
            store.down = false;
            held.renew();
            assertThat(held.lost()).isNotNull();
            assertThat(store.renewals).as("no renewal is sent once the lease is lost here").isEqualTo(2);
        }
    }

    @Test
    void aRenewalThatFindsTheConversationAskedForTellsTheSessionAndARefusedHoldAsksTheHolder() {
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            HeldLease a = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
            AtomicLong told = new AtomicLong();
            a.whenHandOverAsked(told::incrementAndGet);
            a.hold(THREAD, LEASE);
            a.renew();
            assertThat(told).as("nobody asked").hasValue(0);

            HeldLease b = track(new HeldLease(ConversationStorage.builder(store, "replica-b").leaseTime(LEASE).build(), now::get));
            assertThatThrownBy(() -> b.hold(THREAD, LEASE)).isInstanceOfSatisfying(ConversationLeasedException.class, refused -> {
                assertThat(refused.handOverAsked()).isTrue();
                assertThat(refused.holder()).isEqualTo("replica-a");
                assertThat(refused.getMessage()).endsWith("(asked to hand it over)");
            });
            a.renew();
            assertThat(told).as("the renewal after the ask").hasValue(1);

            a.giveBack();
            b.hold(THREAD, LEASE);
            assertThat(b.current().holder()).isEqualTo("replica-b");
        }
    }

    @Test
    void anAskTheStoreHearsIsToldAtOnceAndARefusedHoldCarriesTheStoresWordOfTheRelease() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            HeldLease a = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
            AtomicLong told = new AtomicLong();
            a.whenHandOverAsked(told::incrementAndGet);
            a.hold(THREAD, LEASE);
            assertThat(store.askWatches).as("the lease watched for asks as it is taken").hasSize(1);

            HeldLease b = track(new HeldLease(ConversationStorage.builder(store, "replica-b").leaseTime(LEASE).build(), now::get));
            assertThatThrownBy(() -> b.hold(THREAD, LEASE)).isInstanceOfSatisfying(ConversationLeasedException.class, refused -> {
                assertThat(refused.handOverAsked()).isTrue();
                assertThat(refused.released().toCompletableFuture()).isNotDone();
                store.released.complete(null);
                assertThat(refused.released().toCompletableFuture()).as("the store's word of the release, carried to the waiter").isDone();
            });

            store.askWatches.forEach(Runnable::run);
            assertThat(told).as("told as the store heard it, no renewal sent").hasValue(1);
            assertThat(store.renewals).isZero();

            a.giveBack();
            assertThat(store.askWatches).as("the watch ends with the lease").isEmpty();
        }
    }

    @Test
    void aLeaseGivenBackBetweenTheRefusalAndTheAskIsTakenAtOnceNotAfterTheExpiryTheRefusalNamed() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            HeldLease a = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
            a.hold(THREAD, LEASE);
            // the holder lets go just after b's lease is refused, before b's ask: nothing is left to ask of
            store.beforeAsk = a::giveBack;

            HeldLease b = track(new HeldLease(ConversationStorage.builder(store, "replica-b").leaseTime(LEASE).build(), now::get));
            b.hold(THREAD, LEASE);
            assertThat(b.current().holder()).as("taken by the try after the empty ask").isEqualTo("replica-b");
        }
    }

    @Test
    void aRenewalAnsweredInTimeMovesTheDeadline() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            HeldLease held = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
            held.hold(THREAD, LEASE);
            for (int i = 0; i < 10; i++) {
                advance(LEASE.dividedBy(3));
                held.renew();
            }
            assertThat(held.lost()).as("ten renewals, three lease times: held throughout").isNull();
            store.down = true;
            advance(LEASE.dividedBy(2));
            held.renew();
            assertThat(held.lost()).isNull();
            advance(LEASE.dividedBy(2));
            assertThat(held.lost()).isNotNull();
        }
    }

    @Test
    void aLeaseLostEitherWayIsToldOnceSoTheSessionCanStopItsTurn() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            ConversationStorage storage = ConversationStorage.builder(store, "replica-a").leaseTime(ConversationStorage.DOORS_LEASE).build();
            Duration short_ = storage.leaseTimeOn(true);
            assertThat(short_).as("codex of this host's own: the storage's lease as set").isEqualTo(Duration.ofSeconds(6));

            // past its own deadline, the store unreachable
            HeldLease cutOff = track(new HeldLease(storage, now::get));
            List<CodexException> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            cutOff.whenLost(() -> told.add(cutOff.lost()));
            cutOff.hold(THREAD, short_);
            store.down = true;
            advance(short_.dividedBy(3));
            cutOff.renew();
            assertThat(told).isEmpty();
            advance(short_.multipliedBy(6).dividedBy(10).plusMillis(1));
            assertThat(cutOff.lost()).isNotNull();
            cutOff.lost();
            cutOff.renew();
            assertThat(told).as("once, with why").hasSize(1).first().isSameAs(cutOff.lost());
            assertThat(cutOff.whyNotHeld().getMessage()).contains("open the conversation again");
        }
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store2")))) {
            // refused by the store: another host has it
            ConversationStorage storage = ConversationStorage.builder(store, "replica-a").leaseTime(ConversationStorage.DOORS_LEASE).build();
            HeldLease refused = track(new HeldLease(storage, now::get));
            List<CodexException> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            refused.whenLost(() -> told.add(refused.lost()));
            refused.hold(THREAD, storage.leaseTimeOn(true));
            store.refuse = true;
            refused.renew();
            refused.renew();
            assertThat(told).hasSize(1).first().isInstanceOf(dev.codexbridge.store.LeaseLostException.class);
        }
    }

    @Test
    void aStoreClosedUnderTheLeaseEndsItAtTheNextRenewalOnceAndTheRenewerStops() {
        Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")));
        HeldLease held = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
        List<CodexException> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        held.whenLost(() -> told.add(held.lost()));
        held.hold(THREAD, LEASE);
        store.close();

        held.renew();
        held.renew();
        assertThat(told).as("said once, as what it is").hasSize(1).first().isInstanceOf(StoreClosedException.class);
        assertThat(told.get(0).getMessage()).contains(THREAD).contains("is closed");
        assertThat(store.renewals).as("a closed store is not asked again: no retry until the lease runs out").isEqualTo(1);
        assertThat(held.whyNotHeld()).isNotNull();
    }

    @Test
    void aStoreThatLearnsTheLeaseEndedBeforeItsTimeEndsItAtOnceNotAtTheNextRenewal() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            HeldLease held = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
            List<CodexException> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            held.whenLost(() -> told.add(held.lost()));
            held.hold(THREAD, LEASE);
            held.renew();
            assertThat(store.watches).as("watched from the hold on, across renewals").hasSize(1);

            store.watches.get(0).run();         // the store's session with its database ended
            assertThat(told).as("no renewal needed").hasSize(1).first().isInstanceOf(dev.codexbridge.store.LeaseLostException.class);
            assertThat(told.get(0).getMessage()).contains("session ended");
            int renewals = store.renewals;
            held.renew();
            assertThat(store.renewals).as("the renewer stopped").isEqualTo(renewals);
            assertThatThrownBy(held::failIfLost).hasMessageContaining("open the conversation again");

            // a lease given back is watched no more
            HeldLease next = track(new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get));
            next.hold("0199a213-81c0-7800-8aa1-bbab2a035a54", LEASE);
            next.giveBack();
            assertThat(store.watches).hasSize(1);
        }
    }

    @Test
    void renewalsGoOnWhileEveryStoreThreadWaitsOnCodex() throws Exception {
        // a busy machine: every store thread held by a turn's export waiting on codex for seconds
        java.util.concurrent.CountDownLatch codexAnswers = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<?>> exports = new java.util.ArrayList<>();
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            for (int i = 0; i < 16; i++) {
                exports.add(dev.codexbridge.rpc.internal.RpcThreads.stores().submit(() -> {
                    codexAnswers.await();
                    return null;
                }));
            }
            HeldLease held = track(new HeldLease(ConversationStorage.builder(store, "replica-a")
                    .leaseTime(ConversationStorage.MIN_OWN_CODEX_LEASE).build(), now::get));
            held.hold(THREAD, ConversationStorage.MIN_OWN_CODEX_LEASE);
            // renewed every third of the 5-s lease on the library's timer: two within a lease's time
            long until = System.nanoTime() + ConversationStorage.MIN_OWN_CODEX_LEASE.multipliedBy(2).toNanos();
            while (store.renewals < 2 && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(store.renewals).as("renewals sent while the store threads waited on codex").isGreaterThanOrEqualTo(2);
        } finally {
            codexAnswers.countDown();
            for (java.util.concurrent.Future<?> f : exports) {
                f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aLeaseShorterThanTheRemoteMinimumIsHeldOnlyWhereCodexIsThisHostsOwn() {
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ConversationStorage storage = ConversationStorage.builder(store, "replica-a").leaseTime(ConversationStorage.MIN_OWN_CODEX_LEASE).build();
            assertThat(storage.leaseTimeOn(true)).isEqualTo(Duration.ofSeconds(5));
            assertThat(storage.leaseTimeOn(false)).as("a codex another host may reach").isEqualTo(ConversationStorage.MIN_LEASE);
            assertThat(storage.withOwner(null).leaseTimeOn(false)).isEqualTo(ConversationStorage.MIN_LEASE);
            assertThat(ConversationStorage.builder(store, "b").leaseTime(Duration.ofMinutes(2)).build().leaseTimeOn(false))
                    .isEqualTo(Duration.ofMinutes(2));
            assertThatThrownBy(() -> ConversationStorage.builder(store, "b").leaseTime(Duration.ofSeconds(4)).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 5 s");

            // held on a codex another host may reach, then placed where the short lease is safe: the longer stays
            HeldLease held = track(new HeldLease(storage, now::get));
            held.hold(THREAD, storage.leaseTimeOn(true));
            held.hold(THREAD, storage.leaseTimeOn(false));
            advance(Duration.ofSeconds(30));
            assertThat(held.lost()).as("renewed for 75 s when the session needed it").isNull();
        }
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    /** A store whose renewals fail as an unreachable database's do while {@link #down}. */
    private static final class Unreachable implements ConversationStore {
        private final ConversationStore real;
        volatile boolean down;
        volatile boolean refuse;
        volatile int renewals;
        /** What {@link #whenLost} was asked to watch, each to be run as the store's session's end. */
        final List<Runnable> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** What {@link #whenAsked} was asked to watch, each to be run as the store hearing an ask. */
        final List<Runnable> askWatches = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** What {@link #whenReleased} hands out: completed as the store hearing a release. */
        final java.util.concurrent.CompletableFuture<Void> released = new java.util.concurrent.CompletableFuture<>();

        Unreachable(ConversationStore real) {
            this.real = real;
        }

        @Override
        public ConversationLease lease(String threadId, String holder, Duration ttl) {
            return real.lease(threadId, holder, ttl);
        }

        @Override
        public ConversationLease renew(ConversationLease lease, Duration ttl) {
            renewals++;
            if (down) {
                throw new ConversationStoreException(lease.threadId(), "the store cannot be reached", null);
            }
            if (refuse) {
                throw new dev.codexbridge.store.LeaseLostException(lease, "it was given to another host");
            }
            return real.renew(lease, ttl);
        }

        @Override
        public boolean release(ConversationLease lease) {
            return real.release(lease);
        }

        @Override
        public Runnable whenLost(ConversationLease lease, java.util.function.Consumer<dev.codexbridge.store.LeaseLostException> action) {
            Runnable watch = () -> action.accept(new dev.codexbridge.store.LeaseLostException(lease, "the store's session ended"));
            watches.add(watch);
            return () -> watches.remove(watch);
        }

        /** Run as an ask comes in, before it reaches the store. */
        volatile Runnable beforeAsk = () -> { };

        @Override
        public boolean askHandOver(String threadId) {
            beforeAsk.run();
            return real.askHandOver(threadId);
        }

        @Override
        public Runnable whenAsked(ConversationLease lease, Runnable action) {
            askWatches.add(action);
            return () -> askWatches.remove(action);
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> whenReleased(String threadId) {
            return released;
        }

        @Override
        public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
            return real.put(lease, conversation);
        }

        @Override
        public Optional<StoredConversation> get(String threadId) {
            return real.get(threadId);
        }

        @Override
        public boolean delete(ConversationLease lease) {
            return real.delete(lease);
        }

        @Override
        public List<ConversationSummary> list(@Nullable String afterThreadId, int limit) {
            return real.list(afterThreadId, limit);
        }

        @Override
        public void close() {
            real.close();
        }
    }
}
