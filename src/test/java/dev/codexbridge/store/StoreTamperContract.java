package dev.codexbridge.store;

import static dev.codexbridge.store.Lineages.newThreadId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The contract, part four: a record changed behind the store's back by someone who can write its
 * storage (a restored backup, a shared volume, another process under the store's user) is refused
 * with a clear error naming the conversation, before its rollouts are read, and nothing waits on it.
 * What only one store has (links and FIFOs on disk, counts in rows) is in {@code DiskStoreTamperTest}
 * and {@code PostgresStoreTamperTest}.
 */
interface StoreTamperContract extends StoreContract {
    /**
     * A call that has not answered by then hangs: a guard against hanging the suite, not a measure
     * of speed, so long enough for a 64 MiB scan on a machine other work holds.
     */
    Duration HANG_GUARD = Duration.ofSeconds(60);

    @Test
    default void aNegativeRecordedSizeIsRefusedAsCorrupt() throws Exception {
        ConversationStore host = store().open();
        String id = newThreadId();
        host.put(host.lease(id, "host-a", TTL), Lineages.full(id, 20_000, 1));

        store().setRecordedSize(id, 1, -1);

        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> store().open().get(id))
                .isInstanceOfSatisfying(CorruptConversationException.class, e -> {
                    assertThat(e.threadId()).isEqualTo(id);
                    assertThat(e.problem()).isEqualTo("rollout " + Lineages.ownPath(id) + " has a negative size in the record: -1");
                }));
    }

    @Test
    default void aRolloutReplacedWithABiggerOneIsRefusedByTheCapOnTheBytesItHas() throws Exception {
        ConversationStore host = store().open(new StoreLimits(64 << 10, 8, 1 << 20), Clock.systemUTC());
        String id = newThreadId();
        host.put(host.lease(id, "host-a", TTL), Lineages.full(id, 10_000, 1));

        // its own size and hash made to match; a total the record keeps (PostgreSQL's lineage_bytes) still says 30 KB
        store().replaceRollout(id, 1, Lineages.jsonl(256 << 10, 7));

        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> host.get(id))
                .isInstanceOfSatisfying(ConversationTooLargeException.class, e -> {
                    assertThat(e.threadId()).isEqualTo(id);
                    assertThat(e.limit()).isEqualTo("lineage bytes");
                    assertThat(e.value()).isGreaterThan(256 << 10);
                    assertThat(e.cap()).isEqualTo(64 << 10);
                }));
    }

    /** Issue 73: no store counts to the last version a long holds; one that says so is corrupt at the next put, never an overflow. */
    @Test
    default void aVersionAtTheLimitOfItsNumberIsCorruptAtTheNextPutNotAnOverflow() throws Exception {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        host.put(lease, Lineages.full(id, 5_000, 1));

        store().setVersion(id, Long.MAX_VALUE);

        StoredConversation read = host.get(id).orElseThrow();
        assertThat(read.version()).isEqualTo(Long.MAX_VALUE);
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> host.put(lease, read))
                .isInstanceOfSatisfying(CorruptConversationException.class, e -> {
                    assertThat(e.threadId()).isEqualTo(id);
                    assertThat(e.problem()).isEqualTo("the record is at version " + Long.MAX_VALUE + ", the last a version number holds: no put can follow it");
                }));
        assertThat(host.get(id)).as("nothing written").contains(read);
    }

    /** Issue 73: a record that says a rollout has more bytes than it has is refused as cut short, before any byte is read. */
    @Test
    default void aRecordedSizeAboveTheBytesStoredIsRefusedAsCutShort() throws Exception {
        ConversationStore host = store().open();
        String id = newThreadId();
        StoredConversation stored = host.put(host.lease(id, "host-a", TTL), Lineages.full(id, 20_000, 1));
        long actual = stored.lineage().get(1).size();

        store().setRecordedSize(id, 1, actual + 1);

        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> store().open().get(id))
                .isInstanceOfSatisfying(CorruptConversationException.class, e -> {
                    assertThat(e.threadId()).isEqualTo(id);
                    assertThat(e.problem()).isEqualTo("rollout " + Lineages.ownPath(id) + " has " + actual + " bytes, the record says "
                            + (actual + 1) + " (cut short)");
                }));
    }
}
