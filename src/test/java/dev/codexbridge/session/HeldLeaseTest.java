package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.ConversationSummary;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.StoredConversation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
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

    @Test
    void aHostThatCannotReachTheStoreGivesUpTheLeaseBeforeTheStoreCouldGiveItAway() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            HeldLease held = new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get);
            held.hold(THREAD);
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
    void aRenewalAnsweredInTimeMovesTheDeadline() {
        try (Unreachable store = new Unreachable(DiskConversationStore.open(tmp.resolve("store")))) {
            HeldLease held = new HeldLease(ConversationStorage.builder(store, "replica-a").leaseTime(LEASE).build(), now::get);
            held.hold(THREAD);
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

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    /** A store whose renewals fail as an unreachable database's do while {@link #down}. */
    private static final class Unreachable implements ConversationStore {
        private final ConversationStore real;
        volatile boolean down;
        int renewals;

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
            return real.renew(lease, ttl);
        }

        @Override
        public boolean release(ConversationLease lease) {
            return real.release(lease);
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
