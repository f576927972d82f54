package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on the disk store and a clock the test moves: what is past its tenant's bound goes,
 * what is younger, held by a host or stored again since the listing stays, and a sweep pages
 * through a store larger than one listing.
 */
class ConversationRetentionTest {
    private static final Duration TTL = Duration.ofMinutes(1);

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));

    private String stored(ConversationStore store, String tenant) {
        String id = Lineages.newThreadId();
        ConversationLease lease = store.lease(id, "host-a", TTL);
        store.put(lease, Lineages.small(id, 1).toBuilder().owner(new ConversationOwner("p-" + tenant, tenant)).build());
        store.release(lease);
        return id;
    }

    @Test
    void whatIsPastItsTenantsBoundGoesAndWhatIsYoungerOrHeldStays() {
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"), StoreLimits.DEFAULTS, clock)) {
            String old = stored(store, "acme");
            String oldTrial = stored(store, "trial");
            String held = stored(store, "acme");
            clock.advance(Duration.ofDays(20));
            String recent = stored(store, "acme");
            String recentTrial = stored(store, "trial");
            clock.advance(Duration.ofDays(15));
            ConversationLease awake = store.lease(held, "host-b", Duration.ofDays(1));

            ConversationRetention retention = ConversationRetention.builder(store).keepFor(Duration.ofDays(30))
                    .keepFor("trial", Duration.ofDays(10)).clock(clock).build();
            ConversationRetention.Swept swept = retention.sweep();

            assertThat(swept).isEqualTo(new ConversationRetention.Swept(5, 3, 1, 0));
            assertThat(store.get(old)).as("35 days, bound 30").isEmpty();
            assertThat(store.get(oldTrial)).as("35 days, the tenant's bound 10").isEmpty();
            assertThat(store.get(recentTrial)).as("15 days, the tenant's bound 10").isEmpty();
            assertThat(store.get(recent)).as("15 days, bound 30").isPresent();
            assertThat(store.get(held)).as("a host holds it").isPresent();
            assertThat(store.lease(old, "host-c", TTL).threadId()).as("the sweep's lease went with it").isEqualTo(old);
            store.release(awake);
        }
    }

    @Test
    void aConversationStoredAgainBetweenTheListingAndTheSweepsLeaseStays() {
        try (DiskConversationStore disk = DiskConversationStore.open(tmp.resolve("store"), StoreLimits.DEFAULTS, clock)) {
            String id = stored(disk, "acme");
            clock.advance(Duration.ofDays(40));
            AtomicBoolean once = new AtomicBoolean();
            ConversationStore racing = new ForwardingStore(disk) {
                @Override
                public ConversationLease lease(String threadId, String holder, Duration ttl) {
                    if ("retention".equals(holder) && once.compareAndSet(false, true)) {
                        // another host wakes it, runs a turn and stores it, just before the sweep's lease
                        ConversationLease other = disk.lease(threadId, "host-b", TTL);
                        StoredConversation c = disk.get(threadId).orElseThrow();
                        disk.put(other, c.toBuilder().name("again").build());
                        disk.release(other);
                    }
                    return super.lease(threadId, holder, ttl);
                }
            };
            ConversationRetention.Swept swept = ConversationRetention.builder(racing).keepFor(Duration.ofDays(30)).clock(clock).build().sweep();
            assertThat(swept).isEqualTo(new ConversationRetention.Swept(1, 0, 1, 0));
            assertThat(disk.get(id)).get().extracting(StoredConversation::name).isEqualTo("again");
            assertThat(disk.lease(id, "host-c", TTL).threadId()).as("the sweep's lease given back").isEqualTo(id);
        }
    }

    @Test
    void aSweepPagesThroughTheWholeStoreAndAStartedOneRunsUntilClosed() throws Exception {
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"), StoreLimits.DEFAULTS, clock)) {
            List<String> ids = java.util.stream.IntStream.range(0, 1_003).mapToObj(i -> stored(store, "acme")).toList();
            clock.advance(Duration.ofDays(2));
            try (ConversationRetention retention = ConversationRetention.builder(store).keepFor(Duration.ofDays(1)).clock(clock)
                    .sweepEvery(Duration.ofMinutes(1)).start()) {
                await().atMost(Duration.ofSeconds(180)).until(() -> store.list(null, 10).isEmpty());
            }
            assertThat(ids).allSatisfy(id -> assertThat(store.get(id)).isEmpty());
            await("the sweep's thread ends with its close").atMost(Duration.ofSeconds(30)).until(() ->
                    Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("codex-bridge-retention")));
        }
    }

    @Test
    void noBoundDeletesNothingAndABoundMustBePositive() {
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"), StoreLimits.DEFAULTS, clock)) {
            String id = stored(store, "acme");
            clock.advance(Duration.ofDays(3_000));
            assertThat(ConversationRetention.builder(store).keepFor("other", Duration.ofDays(1)).clock(clock).build().sweep())
                    .isEqualTo(new ConversationRetention.Swept(1, 0, 0, 0));
            assertThat(store.get(id)).isPresent();
            assertThatThrownBy(() -> ConversationRetention.builder(store).keepFor(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keepFor must be positive");
        }
    }
}
