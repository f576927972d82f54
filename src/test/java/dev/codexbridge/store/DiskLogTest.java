package dev.codexbridge.store;

import static dev.codexbridge.store.StoreAppendContract.appends;
import static dev.codexbridge.store.StoreAppendContract.concat;
import static dev.codexbridge.store.StoreAppendContract.grown;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the disk store's log has: appends in place, its extents and dead bytes bounded, a writer killed mid-append. */
class DiskLogTest {
    private static final Duration TTL = Duration.ofMinutes(1);
    @TempDir
    Path root;

    @Test
    void appendsGoInPlaceAndPastTheMostExtentsTheLogIsWrittenAgainNearTheRollout() throws IOException {
        try (DiskConversationStore store = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", TTL);
            StoredConversation stored = store.put(lease, Lineages.full(id, 400_000, 1));
            String own = Lineages.ownPath(id);
            byte[] bytes = stored.lineage().get(1).bytes();
            for (int turn = 0; turn < 20; turn++) {
                byte[] tail = Lineages.jsonl(2_000, turn + 10);
                stored = store.putAppending(lease, grown(stored, own, bytes, tail), appends(stored, own, bytes, tail));
                bytes = concat(bytes, tail);
            }
            assertThat(DiskTampering.log(root, id).getFileName().toString()).as("twenty appends to the log the first put wrote").isEqualTo(DiskLog.name(1));
            for (int turn = 20; turn < DiskLog.MAX_EXTENTS + 6; turn++) {
                byte[] tail = Lineages.jsonl(2_000, turn + 10);
                stored = store.putAppending(lease, grown(stored, own, bytes, tail), appends(stored, own, bytes, tail));
                bytes = concat(bytes, tail);
            }

            assertThat(store.get(id).orElseThrow().lineage().get(1).bytes()).isEqualTo(bytes);
            Path log = DiskTampering.log(root, id);
            assertThat(DiskLog.generationOf(log.getFileName().toString())).as("written again once its rollout had the most extents")
                    .isBetween(2L, (long) DiskLog.MAX_EXTENTS + 7);
            try (DiskLog.Opened opened = DiskTampering.opened(root, id)) {
                assertThat(opened.files.get(1).extents()).isBetween(2, DiskLog.MAX_EXTENTS);
                assertThat(opened.version()).isEqualTo(DiskLog.MAX_EXTENTS + 7);
            }
            try (Stream<Path> entries = Files.list(root.resolve(id))) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DiskConversationStore.LEASE, log.getFileName().toString());
            }
            long lineage = stored.lineageBytes();
            assertThat(Files.size(log)).as("the log against the rollouts").isLessThanOrEqualTo((long) (lineage * 1.1));
        }
    }

    @Test
    void aRolloutReplacedWholeIsAppendedUntilTheDeadBytesPassASixteenthThenTheLogIsWrittenAgain() throws IOException {
        try (DiskConversationStore store = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", TTL);
            StoredConversation full = Lineages.full(id, 400_000, 1);
            String revert = full.lineage().get(2).relativePath();
            StoredConversation stored = store.put(lease, full.toBuilder().lineage(java.util.List.of(full.lineage().get(0), full.lineage().get(1),
                    RolloutFile.of(revert, Lineages.jsonl(20_000, 2)))).build());
            // the small rollout replaced (a revert's new file, say): its bytes appended, the old ones dead
            StoredConversation next = stored.toBuilder().lineage(java.util.List.of(stored.lineage().get(0), stored.lineage().get(1),
                    RolloutFile.of(revert, Lineages.jsonl(20_000, 3)))).build();
            stored = store.put(lease, next);
            assertThat(DiskTampering.log(root, id).getFileName().toString()).isEqualTo(DiskLog.name(1));
            // the big one replaced: more dead bytes than a sixteenth of the live ones
            next = stored.toBuilder().lineage(java.util.List.of(stored.lineage().get(0), RolloutFile.of(stored.lineage().get(1).relativePath(),
                    Lineages.jsonl(400_000, 4)), stored.lineage().get(2))).build();
            stored = store.put(lease, next);

            assertThat(DiskTampering.log(root, id).getFileName().toString()).isEqualTo(DiskLog.name(3));
            assertThat(store.get(id)).contains(stored);
            assertThat(Files.size(DiskTampering.log(root, id))).isLessThanOrEqualTo((long) (stored.lineageBytes() * 1.01));
        }
    }

    @Test
    void readersWhileAPutAppendsSeeOnlyWholeVersions() throws Exception {
        try (DiskConversationStore writer = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC());
             DiskConversationStore reader = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            // appends past the most extents (so the log is also written again whole) beside a reader that reads the
            // whole log again and again; the lease is not what this test is about, so no pace can outlive it
            ConversationLease lease = writer.lease(id, "host-a", Duration.ofMinutes(30));
            StoredConversation stored = writer.put(lease, Lineages.small(id, 1));
            String own = Lineages.ownPath(id);
            java.util.List<byte[]> versions = new java.util.concurrent.CopyOnWriteArrayList<>();
            versions.add(stored.lineage().get(0).bytes());
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread readers = new Thread(() -> {
                try {
                    while (!done.get()) {
                        StoredConversation read = reader.get(id).orElseThrow();
                        // the bytes of version v are known once its put began: a read of a half-appended version cannot match
                        assertThat(read.lineage().get(0).bytes()).isEqualTo(versions.get((int) read.version() - 1));
                        reads.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            readers.start();
            byte[] bytes = versions.get(0);
            for (int turn = 0; turn < DiskLog.MAX_EXTENTS + 6; turn++) {
                byte[] tail = Lineages.jsonl(20_000, turn + 10);
                versions.add(concat(bytes, tail));
                stored = writer.putAppending(lease, grown(stored, own, bytes, tail), appends(stored, own, bytes, tail));
                bytes = concat(bytes, tail);
            }
            done.set(true);
            readers.join(30_000);
            assertThat(failure.get()).as("a reader's failure").isNull();
            assertThat(reads.get()).isPositive();
            assertThat(DiskLog.generationOf(DiskTampering.log(root, id).getFileName().toString())).as("appended to and written again whole").isGreaterThan(1);
        }
    }

    @Test
    void aNewestManifestCutInItsLastBytesLeavesTheVersionBeforeWhichTheNextPutContinues() throws Exception {
        try (DiskConversationStore store = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", TTL);
            StoredConversation first = store.put(lease, Lineages.small(id, 1));
            String own = Lineages.ownPath(id);
            byte[] bytes = first.lineage().get(0).bytes();
            byte[] tail = Lineages.jsonl(3_000, 2);
            store.putAppending(lease, grown(first, own, bytes, tail), appends(first, own, bytes, tail));
            Path log = DiskTampering.log(root, id);
            try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.WRITE)) {
                out.truncate(out.size() - 10);      // what a crash leaves when the last bytes of an append never reached the disk
            }

            assertThat(store.get(id)).contains(first);
            assertThat(store.list(null, 10)).singleElement().satisfies(s -> assertThat(s.version()).isEqualTo(1));
            StoredConversation again = store.putAppending(lease, grown(first, own, bytes, tail), appends(first, own, bytes, tail));
            assertThat(again.version()).isEqualTo(2);
            assertThat(store.get(id).orElseThrow().lineage().get(0).bytes()).isEqualTo(concat(bytes, tail));
            try (DiskLog.Opened opened = DiskTampering.opened(root, id)) {
                assertThat(opened.end).isEqualTo(opened.size);
            }
        }
    }

    @Test
    void aLogWhoseOnlyManifestWasChangedIsRefusedAndNotWrittenOver() throws Exception {
        try (DiskConversationStore store = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", TTL);
            store.put(lease, Lineages.small(id, 1));
            Path log = DiskTampering.log(root, id);
            byte[] all = Files.readAllBytes(log);
            int at = new String(all, StandardCharsets.ISO_8859_1).lastIndexOf("\"version\":1");
            all[at + 10] = '7';
            Files.write(log, all);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.get(id)).isInstanceOfSatisfying(CorruptConversationException.class,
                    e -> assertThat(e.problem()).contains("does not match its SHA-256"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()))
                    .isInstanceOf(CorruptConversationException.class);
            assertThat(Files.readAllBytes(log)).as("left as found, for whoever looks into it").isEqualTo(all);
        }
    }

    @Test
    void aWriterKilledInTheMiddleOfAnAppendLeavesTheVersionBefore() throws Exception {
        ConversationStore host = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC());
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation before = host.put(lease, Lineages.small(id, 1));
        host.release(lease);

        Process child = StoreChild.start("disk:" + root, "crash-append", id, "30000");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(120, TimeUnit.SECONDS)).as("the child's append reached the middle of its tail").isEqualTo("halfway");
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }

        assertThat(host.get(id)).contains(before);
        try (DiskLog.Opened log = DiskTampering.opened(root, id)) {
            assertThat(log.size).as("the killed writer's bytes, after the newest whole version").isGreaterThan(log.end);
        }
        host.close();
        // its lease runs out (a host whose clock is past its end); the next put cuts what the killed one began and appends
        try (DiskConversationStore next = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)))) {
            ConversationLease mine = next.lease(id, "host-b", TTL);
            byte[] bytes = before.lineage().get(0).bytes();
            byte[] tail = Lineages.jsonl(3_000, 5);
            StoredConversation stored = next.putAppending(mine, grown(before, Lineages.ownPath(id), bytes, tail), appends(before, Lineages.ownPath(id), bytes, tail));
            assertThat(next.get(id)).contains(stored);
            try (Stream<Path> entries = Files.list(root.resolve(id))) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DiskConversationStore.LEASE, DiskLog.name(1));
            }
            try (DiskLog.Opened log = DiskTampering.opened(root, id)) {
                assertThat(log.end).isEqualTo(log.size);
                assertThat(log.version()).isEqualTo(2);
            }
        }
    }
}
