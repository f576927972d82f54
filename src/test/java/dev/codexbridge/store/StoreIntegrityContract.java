package dev.codexbridge.store;

import static dev.codexbridge.store.Lineages.newThreadId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.FailureKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The contract, part two: a lineage is stored whole or not at all, whatever fails (a source, the
 * writer's process), and a record damaged behind the store's back is refused, never returned.
 */
interface StoreIntegrityContract extends StoreContract {
    /**
     * The lease of the writer a test kills: long enough for a cold JVM on a machine other work holds to
     * reach the middle of its put (6 s ran out beside four other builds); the test then reads the
     * store with a clock past its end instead of waiting for it.
     */
    Duration CRASHED_LEASE = Duration.ofMinutes(5);

    @Test
    default void aSourceThatFailsHalfwayLeavesTheVersionBefore() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation before = host.put(lease, Lineages.full(id, 20_000, 1));
        StoredConversation failing = StoredConversation.builder(id, List.of(
                RolloutFile.of(Lineages.revertPath(id, newThreadId()), Lineages.jsonl(30_000, 2)),
                Lineages.failingHalfway(id, Lineages.jsonl(200_000, 3)))).version(1).build();

        assertThatThrownBy(() -> host.put(lease, failing)).isInstanceOfSatisfying(ConversationStoreException.class, e -> {
            assertThat(e.threadId()).isEqualTo(id);
            assertThat(e.getMessage()).contains("failed reading rollout " + Lineages.ownPath(id)).contains("the source failed halfway");
        });

        StoredConversation read = store().open().get(id).orElseThrow();
        assertThat(read).isEqualTo(before);
        assertThat(read.lineage().get(1).bytes()).isEqualTo(before.lineage().get(1).bytes());
        assertThat(host.put(lease, Lineages.small(id, 4).toBuilder().version(1).build()).version()).as("the lease and version still work").isEqualTo(2);
    }

    @Test
    default void aNewConversationWhoseSourceFailsIsNotStoredAtAll() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation failing = StoredConversation.builder(id, List.of(Lineages.failingHalfway(id, Lineages.jsonl(100_000, 1)))).build();

        assertThatThrownBy(() -> host.put(lease, failing)).isInstanceOf(ConversationStoreException.class);

        assertThat(host.get(id)).isEmpty();
        assertThat(host.list(null, 100)).extracting(ConversationSummary::threadId).doesNotContain(id);
    }

    @Test
    default void aSourceThatIsNotWhatItsHashSaysIsRefused() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation before = host.put(lease, Lineages.small(id, 1));
        byte[] declared = Lineages.jsonl(10_000, 2);
        byte[] actual = declared.clone();
        actual[5_000] ^= 1;
        RolloutFile d = RolloutFile.of(Lineages.ownPath(id), declared);
        RolloutFile changed = new RolloutFile(d.relativePath(), d.size(), d.sha256(), RolloutSource.of(actual));
        RolloutFile longer = new RolloutFile(d.relativePath(), d.size() - 10, Lineages.small(id, 2).lineage().get(0).sha256(), RolloutSource.of(declared));

        assertThatThrownBy(() -> host.put(lease, StoredConversation.builder(id, List.of(changed)).version(1).build()))
                .isInstanceOf(ConversationStoreException.class).hasMessageContaining("SHA-256 is not the declared one");
        assertThatThrownBy(() -> host.put(lease, StoredConversation.builder(id, List.of(longer)).version(1).build()))
                .isInstanceOf(ConversationStoreException.class).hasMessageContaining("longer than its declared");
        assertThat(host.get(id)).contains(before);
    }

    @Test
    default void aWriterKilledInTheMiddleOfAPutLeavesTheVersionBefore() throws Exception {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        // 90 KB the child's put replaces: on disk, more than a sixteenth of its version, so it writes a new log whole
        StoredConversation before = host.put(lease, Lineages.full(id, 30_000, 1));
        host.release(lease);

        Process child = StoreChild.start(store().childSpec(), "crash", id, "1", Long.toString(CRASHED_LEASE.toMillis()));
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            // a child that fails says so on its standard error and exits: the line is then null, not awaited for good
            assertThat(CompletableFuture.supplyAsync(() -> readLine(out)).get(120, TimeUnit.SECONDS))
                    .as("the child's put reached the middle of its lineage").isEqualTo("halfway");
            assertThat(host.get(id)).as("while it writes").contains(before);
            child.destroyForcibly();        // SIGKILL: no finally, no shutdown hook, a lock released by the operating system
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }

        assertThat(host.get(id)).contains(before);
        assertThat(store().open().get(id).orElseThrow().lineage().get(2).bytes()).isEqualTo(before.lineage().get(2).bytes());
        try {
            host.release(host.lease(id, "host-b", TTL));        // a machine so slow that the lease ran out already
        } catch (ConversationLeasedException held) {
            assertThat(held.holder()).isEqualTo("crashing-host");
        }
        // its lease runs out (a host whose clock is past its end, rather than waiting for it); then the
        // conversation is anyone's, at the version before
        ConversationStore later = store().open(StoreLimits.DEFAULTS, Clock.offset(Clock.systemUTC(), CRASHED_LEASE.plusSeconds(1)));
        ConversationLease next = later.lease(id, "host-b", TTL);
        assertThat(later.put(next, Lineages.small(id, 2).toBuilder().version(1).build()).version()).isEqualTo(2);
        store().assertNothingLeftBehind(id);
    }

    private static String readLine(BufferedReader out) {
        try {
            return out.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    default void readersDuringWritesSeeOnlyWholeVersions() throws Exception {
        ConversationStore writer = store().open();
        ConversationStore reader = store().open();
        String id = newThreadId();
        ConversationLease lease = writer.lease(id, "host-a", TTL);
        StoredConversation current = writer.put(lease, Lineages.full(id, 30_000, 0));
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread readers = new Thread(() -> {
            try {
                while (!done.get()) {
                    StoredConversation read = reader.get(id).orElseThrow();
                    // each version's files are seeded by its version: a mix of two versions cannot pass
                    long seed = (read.version() - 1) * 10;
                    assertThat(read.lineage().get(1).bytes()).isEqualTo(Lineages.jsonl(30_000, seed + 1));
                    assertThat(read.lineage().get(2).bytes()).isEqualTo(Lineages.jsonl(30_000, seed + 2));
                    reads.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        readers.start();
        for (int v = 1; v <= 40; v++) {
            StoredConversation next = Lineages.full(id, 30_000, v * 10L);
            current = writer.put(lease, next.toBuilder().lineage(List.of(current.lineage().get(0), next.lineage().get(1), next.lineage().get(2)))
                    .version(current.version()).build());
        }
        done.set(true);
        readers.join(30_000);
        assertThat(failure.get()).as("a reader's failure").isNull();
        assertThat(reads.get()).isPositive();
    }

    @Test
    default void aFlippedBitInAStoredRolloutIsRefused() throws Exception {
        String id = stored();
        store().flipByte(id, 1);
        assertRefused(id, "rollout " + Lineages.ownPath(id) + ": its SHA-256 does not match the record");
    }

    @Test
    default void aRolloutCutShortIsRefused() throws Exception {
        String id = stored();
        store().truncate(id, 2);
        assertRefused(id, "(cut short)");
    }

    @Test
    default void aMissingRolloutIsRefused() throws Exception {
        String id = stored();
        store().removeRollout(id, 0);
        assertRefused(id, "missing");
    }

    @Test
    default void aRecordInAnUnknownFormatIsRefused() throws Exception {
        String id = stored();
        store().setFormat(id, 99);
        assertRefused(id, "format 99, which this library does not read (it reads format");
    }

    private String stored() {
        ConversationStore host = store().open();
        String id = newThreadId();
        host.put(host.lease(id, "host-a", TTL), Lineages.full(id, 20_000, 1));
        return id;
    }

    private void assertRefused(String id, String problem) {
        assertThatThrownBy(() -> store().open().get(id)).isInstanceOfSatisfying(CorruptConversationException.class, e -> {
            assertThat(e.threadId()).isEqualTo(id);
            assertThat(e.problem()).contains(problem);
            assertThat(e.getMessage()).startsWith("stored conversation " + id + " is corrupt and is not returned: ");
            assertThat(e.kind()).isEqualTo(FailureKind.OTHER);
            assertThat(e).isInstanceOf(dev.codexbridge.CodexException.class);
        });
    }
}
