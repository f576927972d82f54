package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.store.spi.Sha256;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store under the contract, and what only a folder on disk has: leftovers of crashes, its permissions. */
class DiskConversationStoreTest implements StoreRoundTripContract, StoreIntegrityContract, StoreExclusivityContract, StoreTamperContract,
        StoreAppendContract {
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
                Path rollout = rollout(threadId, file);
                byte[] bytes = Files.readAllBytes(rollout);
                bytes[bytes.length / 2] ^= 1;
                Files.write(rollout, bytes);
            }

            @Override
            public void truncate(String threadId, int file) throws IOException {
                try (FileChannel c = FileChannel.open(rollout(threadId, file), StandardOpenOption.WRITE)) {
                    c.truncate(c.size() - 5);
                }
            }

            @Override
            public void removeRollout(String threadId, int file) throws IOException {
                Files.delete(rollout(threadId, file));
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
                Files.write(rollout(threadId, file), bytes);
                DiskTampering.recordFile(root(), threadId, file, bytes.length, Sha256.hex(bytes));
            }

            @Override
            public void assertNothingLeftBehind(String threadId) throws IOException {
                try (Stream<Path> entries = Files.list(root().resolve(threadId))) {
                    assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DiskConversationStore.LEASE,
                            DiskRecord.versionDir(2));
                }
            }

            @Override
            public String childSpec() {
                return "disk:" + root();
            }
        };
    }

    private Path rollout(String threadId, int file) throws IOException {
        return DiskTampering.newestVersion(root(), threadId).resolve(Integer.toString(file));
    }

    @Test
    void aPutCutShortLeavesATemporaryFolderThatReadsIgnoreAndTheNextChangeRemoves() throws IOException {
        ConversationStore host = store().open();
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation before = host.put(lease, Lineages.full(id, 5_000, 1));
        Path cut = Files.createDirectory(root().resolve(id).resolve(DiskConversationStore.TMP + "cut-short"));
        Files.write(cut.resolve("0"), Lineages.jsonl(1_000, 9));
        Files.writeString(cut.resolve(DiskRecord.MANIFEST), "{\"format\":1,\"thr");

        assertThat(store().open().get(id)).contains(before);
        assertThat(host.list(null, 10)).extracting(ConversationSummary::version).containsExactly(1L);
        assertThat(host.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()).version()).isEqualTo(2);
        assertThat(cut).doesNotExist();
    }

    @Test
    void aPutReturnsBeforeTheVersionItReplacedIsRemovedAndACloseWaitsForTheRemoval() throws Exception {
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
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        host.put(lease, Lineages.full(id, 50_000, 1));

        for (int version = 2; version <= 5; version++) {
            host.put(lease, Lineages.full(id, 50_000, version).toBuilder().version(version - 1).build());
            try (Stream<Path> entries = Files.list(root().resolve(id))) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DiskConversationStore.LEASE,
                        DiskRecord.versionDir(version));
            }
        }
        assertThat(trash()).as("the versions replaced, not removed yet").hasSize(4);
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
        assertThat(DiskConversationStore.open(root()).get(id).orElseThrow().version()).isEqualTo(5);
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
