package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store under the contract, and what only a folder on disk has: leftovers of crashes, its permissions. */
class DiskConversationStoreTest implements StoreRoundTripContract, StoreIntegrityContract, StoreExclusivityContract, StoreTamperContract,
        StoreAppendContract, StoreSendsContract, StoreDoorRecordsContract {
    @TempDir
    Path tmp;
    private final List<ConversationStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(ConversationStore::close);
    }

    private Path root() {
        return tmp.resolve("store");
    }

    @Override
    public StoreUnderTest store() {
        return new StoreUnderTest() {
            @Override
            public ConversationStore open(StoreLimits limits, Clock clock) {
                DiskConversationStore store = DiskConversationStore.open(root(), limits, clock);
                opened.add(store);
                return store;
            }

            @Override
            public void flipByte(String threadId, int file) throws IOException {
                long[] extent = DiskTampering.extent(root(), threadId, file);
                try (FileChannel log = FileChannel.open(DiskTampering.log(root(), threadId), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    long at = extent[0] + extent[1] / 2;
                    ByteBuffer one = ByteBuffer.allocate(1);
                    log.read(one, at);
                    one.put(0, (byte) (one.get(0) ^ 1)).rewind();
                    log.write(one, at);
                }
            }

            @Override
            public void truncate(String threadId, int file) throws IOException {
                // a log stored by one put holds one version: cut inside the rollout, it has no whole version left
                long[] extent = DiskTampering.extent(root(), threadId, file);
                try (FileChannel log = FileChannel.open(DiskTampering.log(root(), threadId), StandardOpenOption.WRITE)) {
                    log.truncate(extent[0] + extent[1] - 5);
                }
            }

            @Override
            public void removeRollout(String threadId, int file) throws IOException {
                // the manifest made to point where the rollout's bytes are not: past the log's rollouts, at the manifest itself
                long start;
                try (DiskLog.Opened log = DiskTampering.opened(root(), threadId)) {
                    start = log.manifestStart;
                }
                DiskTampering.editManifest(root(), threadId, m -> {
                    ObjectNode f = (ObjectNode) m.path("files").get(file);
                    f.putArray("extents").addArray().add(start).add(f.path("size").asLong());
                });
            }

            @Override
            public void setFormat(String threadId, int format) throws IOException {
                DiskTampering.editManifest(root(), threadId, m -> m.put("format", format));
            }

            @Override
            public void setRecordedSize(String threadId, int file, long size) throws IOException {
                DiskTampering.editManifest(root(), threadId, m -> ((ObjectNode) m.path("files").get(file)).put("size", size));
            }

            @Override
            public void replaceRollout(String threadId, int file, byte[] bytes) throws IOException {
                DiskTampering.replaceRollout(root(), threadId, file, bytes);
            }

            @Override
            public void setVersion(String threadId, long version) throws IOException {
                DiskTampering.editManifest(root(), threadId, m -> m.put("version", version));
            }

            @Override
            public void assertNothingLeftBehind(String threadId) throws IOException {
                try (Stream<Path> entries = Files.list(root().resolve(threadId))) {
                    List<String> names = entries.map(p -> p.getFileName().toString()).toList();
                    assertThat(names).as("the lease and one log").hasSize(2).contains(DiskConversationStore.LEASE)
                            .anySatisfy(name -> assertThat(DiskLog.isLog(name)).isTrue());
                }
                try (DiskLog.Opened log = DiskTampering.opened(root(), threadId)) {
                    assertThat(log.end).as("nothing after the newest version in the log").isEqualTo(log.size);
                }
                try (Stream<Path> entries = Files.list(root())) {
                    assertThat(entries.map(p -> p.getFileName().toString())).as("no log half written, nothing in the trash")
                            .noneMatch(name -> name.startsWith(DiskConversationStore.TMP) || name.startsWith(".trash-"));
                }
            }

            @Override
            public String childSpec() {
                return "disk:" + root();
            }
        };
    }

    @Test
    void aCloseLetsAPutUnderWayEndBeforeItReturnsAndRefusesEveryCallAfterIt() throws Exception {
        ConversationStore host = store().open();
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        byte[] bytes = Lineages.jsonl(20_000, 3);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        RolloutFile whole = RolloutFile.of(Lineages.ownPath(id), bytes);
        RolloutFile held = new RolloutFile(whole.relativePath(), whole.size(), whole.sha256(), () -> new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                if (pos >= bytes.length / 2) {
                    reading.countDown();
                    try {
                        goOn.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.read(b, off, Math.min(len, Math.max(1, bytes.length / 2 - pos)));
            }
        });
        // threads of their own: the common pool may have one thread, which the held put would take
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        CompletableFuture<StoredConversation> put = CompletableFuture.supplyAsync(
                () -> host.put(lease, StoredConversation.builder(id, List.of(held)).build()), threads);
        assertThat(reading.await(30, TimeUnit.SECONDS)).as("the put reads its source under the lock").isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(host::close, threads);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThatThrownBy(() -> host.get(id)).as("refused once the close began").isInstanceOf(StoreClosedException.class));
        Thread.sleep(200);
        assertThat(closing).as("the close waits for the put under way").isNotDone();

        goOn.countDown();
        assertThat(put.get(30, TimeUnit.SECONDS).version()).isEqualTo(1);
        closing.get(30, TimeUnit.SECONDS);
        threads.shutdown();
        assertThatThrownBy(() -> host.put(lease, Lineages.small(id, 4))).isInstanceOf(StoreClosedException.class);
        assertThat(store().open().get(id).orElseThrow().lineage()).containsExactly(whole);
    }

    @Test
    void aPutCutShortLeavesBytesAfterTheNewestVersionThatReadsPassOverAndTheNextPutCuts() throws Exception {
        ConversationStore host = store().open();
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation before = host.put(lease, Lineages.full(id, 5_000, 1));
        Path log = DiskTampering.log(root(), id);
        long whole = Files.size(log);
        // what a crash leaves of an append: a record's header and part of its bytes, no manifest after them
        try (FileChannel out = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ByteBuffer cut = ByteBuffer.allocate(DiskLog.HEADER + 1_000).put(DiskLog.DATA).putLong(4_000).put(Lineages.jsonl(1_000, 9), 0, 1_000).flip();
            out.write(cut, whole);
        }
        Path temporary = Files.createDirectory(root().resolve(id).resolve(DiskConversationStore.TMP + "cut-short"));

        assertThat(store().open().get(id)).contains(before);
        assertThat(host.list(null, 10)).extracting(ConversationSummary::version).containsExactly(1L);
        StoredConversation next = Lineages.full(id, 5_000, 1).toBuilder().name("again").version(1).build();
        assertThat(host.put(lease, next).version()).isEqualTo(2);
        assertThat(temporary).doesNotExist();
        assertThat(store().open().get(id).orElseThrow().name()).isEqualTo("again");
        store().assertNothingLeftBehind(id);
    }

    @Test
    void aRecordOfAnEarlierReleaseIsReadAndItsNextPutReplacesItWithALogAndACloseWaitsForItsRemoval() throws Exception {
        String id = Lineages.newThreadId();
        StoredConversation earlier = Lineages.full(id, 30_000, 1).toBuilder().version(3).build();
        EarlierFormat.write(root(), earlier, DiskRecord.FORMAT_CHUNKED);
        DiskConversationStore host = DiskConversationStore.open(root());
        CountDownLatch removing = new CountDownLatch(1);
        host.removerThreads(task -> new Thread(() -> {
            try {
                removing.await();
            } catch (InterruptedException e) {
                return;
            }
            task.run();
        }));
        assertThat(host.get(id)).contains(earlier);
        assertThat(host.list(null, 10)).singleElement().satisfies(s -> assertThat(s.version()).isEqualTo(3));
        ConversationLease lease = host.lease(id, "host-a", TTL);
        String own = Lineages.ownPath(id);
        byte[] bytes = earlier.lineage().get(1).bytes();
        byte[] tail = Lineages.jsonl(2_000, 4);
        assertThatThrownBy(() -> host.putAppending(lease, StoreAppendContract.grown(earlier, own, bytes, tail),
                StoreAppendContract.appends(earlier, own, bytes, tail))).as("an append needs a log: the host puts whole instead")
                .isInstanceOf(StaleAppendException.class);

        StoredConversation next = host.put(lease, earlier.toBuilder().lineage(List.of(earlier.lineage().get(0),
                RolloutFile.of(own, StoreAppendContract.concat(bytes, tail)), earlier.lineage().get(2))).build());

        assertThat(next.version()).isEqualTo(4);
        try (Stream<Path> entries = Files.list(root().resolve(id))) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DiskConversationStore.LEASE, DiskLog.name(4));
        }
        assertThat(trash()).as("the version folder replaced, not removed yet").hasSize(1);
        new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            removing.countDown();
        }).start();

        host.close();

        assertThat(trash()).isEmpty();
        assertThat(DiskConversationStore.open(root()).get(id).orElseThrow().lineage().get(1).bytes()).isEqualTo(StoreAppendContract.concat(bytes, tail));
    }

    @Test
    void aRecordOfAnEarlierReleaseDamagedBehindTheStoresBackIsRefused() throws Exception {
        String id = Lineages.newThreadId();
        Path version = EarlierFormat.write(root(), Lineages.full(id, 20_000, 1).toBuilder().version(1).build(), DiskRecord.FORMAT);
        byte[] bytes = Files.readAllBytes(version.resolve("1"));
        bytes[bytes.length / 2] ^= 1;
        Files.write(version.resolve("1"), bytes);

        assertThatThrownBy(() -> store().open().get(id)).isInstanceOfSatisfying(CorruptConversationException.class,
                e -> assertThat(e.problem()).contains("rollout " + Lineages.ownPath(id) + ": its SHA-256 does not match the record"));
        DiskTampering.editFolderManifest(root(), id, m -> m.put("format", 3));
        assertThatThrownBy(() -> store().open().get(id)).isInstanceOfSatisfying(CorruptConversationException.class,
                e -> assertThat(e.problem()).contains("format 3, which this library does not read"));
    }

    private List<String> trash() throws IOException {
        try (Stream<Path> entries = Files.list(root())) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> name.startsWith(".trash-")).toList();
        }
    }

    @Test
    void openingTheStoreRemovesWhatCrashesLeftBehind() throws IOException {
        ConversationStore host = store().open();
        String id = Lineages.newThreadId();
        StoredConversation before = host.put(host.lease(id, "host-a", TTL), Lineages.full(id, 5_000, 1));
        Path cut = Files.createDirectories(root().resolve(id).resolve(DiskConversationStore.TMP + "cut-short"));
        Path trash = Files.createDirectories(root().resolve(".trash-cut-short").resolve(Lineages.newThreadId()));
        Files.write(trash.resolve("0"), Lineages.jsonl(1_000, 2));

        ConversationStore reopened = store().open();

        assertThat(cut).doesNotExist();
        assertThat(trash.getParent()).doesNotExist();
        assertThat(reopened.get(id)).contains(before);
    }

    @Test
    void aNewStoreFolderIsTheOwnersOnlyAndASymbolicLinkIsRefused() throws IOException {
        store().open();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root()))).isEqualTo("rwx------");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), root());
        assertThatThrownBy(() -> DiskConversationStore.open(link)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("symbolic link");
    }

    @Test
    void everyFolderAndFileTheStoreCreatesIsTheOwnersOnly() throws IOException {
        ConversationStore host = store().open();
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation stored = host.put(lease, Lineages.full(id, 5_000, 1));
        host.put(lease, stored.toBuilder().name("appended").build());

        assertThat(mode(root().resolve(id))).isEqualTo("rwx------");
        assertThat(mode(root().resolve(id).resolve(DiskConversationStore.LEASE))).isEqualTo("rw-------");
        assertThat(mode(DiskTampering.log(root(), id))).as("a log written whole, then appended to").isEqualTo("rw-------");
        assertThat(mode(root().resolve(DiskLocks.FILE))).isEqualTo("rw-------");
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aConversationLeasedButNeverStoredLeavesNoFolderOnceReleased() {
        ConversationStore host = store().open();
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        assertThat(root().resolve(id)).isDirectory();
        assertThat(host.release(lease)).isTrue();
        assertThat(root().resolve(id)).doesNotExist();
    }

    @Test
    void aPingAnswersWhileTheFolderIsThereAndFailsOnceItIsGoneAFileOrALink() throws IOException {
        ConversationStore host = store().open();
        host.ping();
        Path moved = Files.move(root(), tmp.resolve("moved"));
        assertThatThrownBy(host::ping).isInstanceOf(ConversationStoreException.class).hasMessageContaining("cannot be reached");
        Files.writeString(root(), "not a folder");
        assertThatThrownBy(host::ping).isInstanceOf(ConversationStoreException.class).hasMessageContaining("no longer a folder");
        Files.delete(root());
        Files.createSymbolicLink(root(), moved);
        assertThatThrownBy(host::ping).isInstanceOf(ConversationStoreException.class).hasMessageContaining("no longer a folder");
        Files.delete(root());
        Files.move(moved, root());
        host.ping();
    }
}
