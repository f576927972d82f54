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
    /** A call that has not answered by then hangs: a guard against hanging the suite, not a measure of speed. */
    Duration HANG_GUARD = Duration.ofSeconds(10);

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
}
