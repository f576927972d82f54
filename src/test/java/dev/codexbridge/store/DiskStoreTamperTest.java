package dev.codexbridge.store;

import static dev.codexbridge.store.StoreContract.TTL;
import static dev.codexbridge.store.StoreTamperContract.HANG_GUARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.api.io.TempDir;

/**
 * What someone who can write the disk store's folder does to it (issue 62): links to files and
 * folders elsewhere, FIFOs where the store reads, sizes that hide a huge file. Each is refused with a
 * {@link CorruptConversationException} (or {@link ConversationTooLargeException}) naming the
 * conversation, nothing is read or written through a link, and no call waits: each runs under
 * {@link StoreTamperContract#HANG_GUARD}. {@code DiskStoreTamperByPathTest} runs them again with the
 * folders opened by path, as on a file system without folder handles.
 */
class DiskStoreTamperTest {
    @TempDir
    Path tmp;
    private final List<ConversationStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(ConversationStore::close);
    }

    /** Whether the store opens its folders as handles (where the file system has them). */
    boolean handles() {
        return true;
    }

    private Path root() {
        return tmp.resolve("store");
    }

    private Path outside() throws IOException {
        return Files.createDirectories(tmp.resolve("outside"));
    }

    private ConversationStore open() {
        return open(StoreLimits.DEFAULTS);
    }

    private ConversationStore open(StoreLimits limits) {
        DiskConversationStore store = DiskConversationStore.open(root(), limits, Clock.systemUTC(), handles());
        opened.add(store);
        return store;
    }

    private String stored(ConversationStore host) {
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        host.put(lease, Lineages.full(id, 20_000, 1));
        host.release(lease);
        return id;
    }

    private Path version(String id) throws IOException {
        return DiskTampering.newestVersion(root(), id);
    }

    private static <T> T promptly(ThrowingSupplier<T> call) {
        return assertTimeoutPreemptively(HANG_GUARD, call);
    }

    /**
     * What "at once" is for a refusal the caps bound (issue 73): well under what reading a valid
     * conversation of that size takes (0.49 s at 64 MiB), with room for a loaded machine. It is
     * the CPU the calling thread spends, not the time on the clock, so that other work on the
     * machine makes the call wait, never fail; a call that hangs fails at {@code HANG_GUARD}.
     */
    private static final Duration AT_ONCE = Duration.ofSeconds(3);

    private static <T> T atOnce(ThrowingSupplier<T> call) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadCpuTime();
            T result = call.get();
            assertThat(Duration.ofNanos(threads.getCurrentThreadCpuTime() - before)).as("the CPU the call took").isLessThan(AT_ONCE);
            return result;
        });
    }

    private static void refusedAtOnce(ThrowingSupplier<?> call, String id, String problem) {
        atOnce(() -> assertThatThrownBy(call::get).isInstanceOfSatisfying(CorruptConversationException.class, e -> {
            assertThat(e.threadId()).isEqualTo(id);
            assertThat(e.problem()).contains(problem);
        }));
    }

    private static void refused(ThrowingSupplier<?> call, String id, String problem) {
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(call::get).isInstanceOfSatisfying(CorruptConversationException.class, e -> {
            assertThat(e.threadId()).isEqualTo(id);
            assertThat(e.problem()).contains(problem);
        }));
    }

    /** A conversation as a release before the log stored it: a version folder. */
    private String storedEarlier(String id, List<RolloutFile> lineage) throws IOException {
        EarlierFormat.write(root(), StoredConversation.builder(id, lineage).version(1).build(), DiskRecord.FORMAT);
        return id;
    }

    private String storedEarlier() throws IOException {
        String id = Lineages.newThreadId();
        EarlierFormat.write(root(), Lineages.full(id, 20_000, 1).toBuilder().version(1).build(), DiskRecord.FORMAT);
        return id;
    }

    @Test
    void aLogLinkedToAFileElsewhereIsNotRead() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        String other = stored(host);
        Path log = DiskTampering.log(root(), id);
        Path copy = Files.copy(log, outside().resolve("copy.log"));
        DiskTampering.link(log, copy);
        byte[] before = Files.readAllBytes(copy);

        refused(() -> host.get(id), id, "is a symbolic link, not a regular file the store wrote");
        refused(() -> host.ownerOf(id), id, "is a symbolic link");
        assertThat(promptly(() -> host.list(null, 10))).extracting(ConversationSummary::threadId).containsExactly(other);
        ConversationLease lease = host.lease(id, "host-a", TTL);
        refused(() -> host.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()), id, "is a symbolic link");
        assertThat(Files.readAllBytes(copy)).as("nothing written through the link").isEqualTo(before);
    }

    @Test
    void anEarlierReleasesRolloutLinkedToAFileElsewhereIsNotRead() throws Exception {
        ConversationStore host = open();
        String id = storedEarlier();
        byte[] secret = "{\"secret\":\"the host's own file\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path elsewhere = Files.write(outside().resolve("secret.jsonl"), secret);
        DiskTampering.link(version(id).resolve("1"), elsewhere);
        DiskTampering.editFolderManifest(root(), id, m -> ((ObjectNode) m.path("files").get(1)).put("size", secret.length).put("sha256", Sha256.hex(secret)));

        refused(() -> host.get(id), id, "is a symbolic link, not a regular file the store wrote");
        assertThat(promptly(() -> host.list(null, 10))).extracting(ConversationSummary::threadId).containsExactly(id);
    }

    @Test
    void anEarlierReleasesManifestLinkedElsewhereIsNotRead() throws Exception {
        ConversationStore host = open();
        String id = storedEarlier();
        String other = stored(host);
        Path copy = Files.copy(version(id).resolve(DiskRecord.MANIFEST), outside().resolve("manifest.json"));
        DiskTampering.link(version(id).resolve(DiskRecord.MANIFEST), copy);

        refused(() -> host.get(id), id, "manifest.json is a symbolic link");
        assertThat(promptly(() -> host.list(null, 10))).extracting(ConversationSummary::threadId).containsExactly(other);
    }

    @Test
    void aConversationFolderLinkedElsewhereIsNeitherReadNorWrittenThrough() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        String other = stored(host);
        ConversationLease held = host.lease(other, "host-a", TTL);
        // the folder moved elsewhere, whole and valid, and a link left in its place; the same for one whose lease is held
        Path moved = Files.move(root().resolve(id), outside().resolve(id));
        Files.createSymbolicLink(root().resolve(id), moved);
        Path movedOther = Files.move(root().resolve(other), outside().resolve(other));
        Files.createSymbolicLink(root().resolve(other), movedOther);

        refused(() -> host.get(id), id, "is a symbolic link, not a folder the store made");
        assertThat(promptly(() -> host.list(null, 10))).isEmpty();
        refused(() -> host.lease(id, "host-b", TTL), id, "is a symbolic link");
        refused(() -> host.put(held, Lineages.small(other, 2).toBuilder().version(1).build()), other, "is a symbolic link");
        refused(() -> host.renew(held, TTL), other, "is a symbolic link");
        refused(() -> host.delete(held), other, "is a symbolic link");

        try (Stream<Path> written = Files.list(moved)) {
            assertThat(written.map(p -> p.getFileName().toString())).as("nothing written through the link").containsExactly(DiskLog.name(1));
        }
        try (Stream<Path> written = Files.list(movedOther)) {
            assertThat(written.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DiskLog.name(1), DiskConversationStore.LEASE);
        }
    }

    @Test
    void anEarlierReleasesVersionFolderLinkedElsewhereIsNotRead() throws Exception {
        ConversationStore host = open();
        String id = storedEarlier();
        Path version = version(id);
        Path moved = Files.move(version, outside().resolve("v"));
        Files.createSymbolicLink(version, moved);

        refused(() -> host.get(id), id, "is a symbolic link, not a folder the store made");
        assertThat(promptly(() -> host.list(null, 10))).isEmpty();
    }

    @Test
    void aLogThatIsAFifoMakesNoCallWait() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        String other = stored(host);
        Path log = DiskTampering.log(root(), id);
        DiskTampering.fifo(log);

        refused(() -> host.get(id), id, log.getFileName() + " is a special file (a FIFO, a socket or a device)");
        ConversationLease lease = promptly(() -> host.lease(id, "host-a", TTL));
        refused(() -> host.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()), id, "is a special file");
        assertThat(promptly(() -> host.list(null, 10))).as("the others listed, that one left out")
                .extracting(ConversationSummary::threadId).containsExactly(other);
    }

    @Test
    void anEarlierReleasesEmptyRolloutThatIsAFifoMakesNoCallWait() throws Exception {
        ConversationStore host = open();
        String id = Lineages.newThreadId();
        storedEarlier(id, List.of(RolloutFile.of(Lineages.ownPath(id), Lineages.jsonl(2_000, 1)),
                RolloutFile.of(Lineages.revertPath(id, Lineages.newThreadId()), new byte[0])));
        DiskTampering.fifo(version(id).resolve("1"));

        refused(() -> host.get(id), id, "is a special file (a FIFO, a socket or a device), not a regular file the store wrote");
    }

    @Test
    void aLeaseFileThatIsAFifoMakesNoCallWaitNorHoldsTheLock() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        ConversationLease held = host.lease(id, "host-a", TTL);
        DiskTampering.fifo(root().resolve(id).resolve(DiskConversationStore.LEASE));

        String problem = "lease.json is a special file (a FIFO, a socket or a device)";
        refused(() -> host.lease(id, "host-b", TTL), id, problem);
        // the lock was let go: every change is refused at once, from this store and another
        refused(() -> open().lease(id, "host-b", TTL), id, problem);
        refused(() -> host.renew(held, TTL), id, problem);
        refused(() -> host.put(held, Lineages.small(id, 2).toBuilder().version(1).build()), id, problem);
        refused(() -> host.release(held), id, problem);
        refused(() -> host.delete(held), id, problem);
        assertThat(promptly(() -> host.get(id))).as("the record itself is whole").isPresent();
    }

    @Test
    void aLeaseFileLinkedElsewhereIsNotRead() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        Path elsewhere = Files.writeString(outside().resolve("lease.json"),
                "{\"holder\":\"someone\",\"token\":\"t\",\"expiresAt\":\"2999-01-01T00:00:00Z\"}");
        Files.createSymbolicLink(root().resolve(id).resolve(DiskConversationStore.LEASE), elsewhere);

        refused(() -> host.lease(id, "host-b", TTL), id, "lease.json is a symbolic link");
        assertThat(Files.readString(elsewhere)).contains("someone");
    }

    @Test
    void aNegativeSizeCannotHideAHugeRolloutFromTheCap() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        long huge = 3L << 30;
        // the sum of the sizes is what it was, well under the cap
        DiskTampering.editManifest(root(), id, m -> {
            ((ObjectNode) m.path("files").get(0)).put("size", huge).putArray("extents").addArray().add(8).add(huge);
            ((ObjectNode) m.path("files").get(1)).put("size", 40_000 - huge);
        });
        try (RandomAccessFile sparse = new RandomAccessFile(DiskTampering.log(root(), id).toFile(), "rw")) {
            // bytes after the manifest, so that the reader walks the records to it (a log of 3 GiB is refused for its size alone)
            sparse.setLength(sparse.length() + (4L << 20));
        }

        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> host.get(id))
                .isInstanceOfSatisfying(ConversationTooLargeException.class, e -> {
                    assertThat(e.threadId()).isEqualTo(id);
                    assertThat(e.value()).isEqualTo(huge);
                }));
        assertThat(promptly(() -> open().list(null, 10))).as("its manifest is refused too").isEmpty();
    }

    @Test
    void aLockFileThatIsAFifoOrALinkIsRefusedWhenTheStoreOpens() throws Exception {
        Files.createDirectories(root());
        DiskTampering.fifo(root().resolve(DiskLocks.FILE));
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(this::open).isInstanceOf(ConversationStoreException.class)
                .hasMessageContaining(".locks is not a regular file"));

        Path elsewhere = Files.createFile(outside().resolve("locks"));
        DiskTampering.link(root().resolve(DiskLocks.FILE), elsewhere);
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(this::open).isInstanceOf(ConversationStoreException.class));
    }

    @Test
    void aLogOfEmptyRecordsAndNoManifestIsRefusedAtOnceAndOnePastTheCapsBeforeItIsRead() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        String other = stored(host);
        Path log = DiskTampering.log(root(), id);
        // 64 MiB of records of nine bytes each, 7.4 million of them: a walk that reads one header at a time takes seconds
        DiskTampering.emptyRecords(log, 64L << 20, 0);
        ConversationLease lease = host.lease(id, "host-a", TTL);

        String tooMany = "records, more than a log under this store's caps holds";
        refusedAtOnce(() -> host.get(id), id, tooMany);
        refusedAtOnce(() -> host.ownerOf(id), id, tooMany);
        refusedAtOnce(() -> host.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()), id, tooMany);
        assertThat(atOnce(() -> host.list(null, 10))).extracting(ConversationSummary::threadId).containsExactly(other);

        // 192 MiB, past the most bytes a log under the default caps holds: refused before a record is read
        DiskTampering.emptyRecords(log, 64L << 20, 192L << 20);
        String tooBig = "bytes, more than a log under this store's caps holds";
        refusedAtOnce(() -> host.get(id), id, tooBig);
        refusedAtOnce(() -> host.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()), id, tooBig);
        assertThat(atOnce(() -> host.list(null, 10))).extracting(ConversationSummary::threadId).containsExactly(other);
    }

    @Test
    void aLogWhoseNewestManifestFollowsMoreBytesThanAnyVersionLeavesIsRefused() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        // a MiB of empty records, then the newest manifest again: a whole version at the end, after bytes no put leaves
        DiskTampering.padBeforeNewestManifest(root(), id, 1 << 20);

        refused(() -> host.get(id), id, "bytes that no version needs");
        refused(() -> host.ownerOf(id), id, "bytes that no version needs");
        assertThat(promptly(() -> host.list(null, 10))).isEmpty();
    }

    @Test
    void aManifestWhoseVersionIsNotAWholeNumberFromOneOnIsCorrupt() throws Exception {
        ConversationStore host = open();
        for (JsonNode bad : List.<JsonNode>of(Json.nodes().textNode("2"), Json.nodes().numberNode(1e30), Json.nodes().numberNode(0),
                Json.nodes().numberNode(-3))) {
            String id = stored(host);
            DiskTampering.editManifest(root(), id, m -> m.set("version", bad));
            ConversationLease lease = host.lease(id, "host-a", TTL);

            refused(() -> host.get(id), id, "the manifest's version is not a whole number from 1 on: " + bad);
            refused(() -> host.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()), id, "version");
            assertThat(promptly(() -> host.list(null, 10))).extracting(ConversationSummary::threadId).doesNotContain(id);
        }
    }

    @Test
    void anEarlierReleasesVersionFolderPastTheLargestVersionIsCorruptAndLeftOutOfTheList() throws Exception {
        ConversationStore host = open();
        String id = storedEarlier();
        String other = stored(host);
        Files.move(version(id), root().resolve(id).resolve("v9999999999999999999"));

        String problem = "the version folder v9999999999999999999 is not a version this library writes";
        refused(() -> host.get(id), id, problem);
        refused(() -> host.ownerOf(id), id, problem);
        assertThat(promptly(() -> host.list(null, 10))).extracting(ConversationSummary::threadId).containsExactly(other);
        ConversationLease lease = host.lease(id, "host-a", TTL);
        refused(() -> host.put(lease, Lineages.small(id, 2).toBuilder().version(1).build()), id, problem);
    }

    /**
     * How long removing tens of thousands of folders may take: as long as {@code rm -rf} takes them,
     * 3 s for 30,000 nested on a quiet disk that discards freed blocks, 30 s on a busy one. A guard
     * against a hang, not a measure: over 2 minutes with both tamper classes and four other builds
     * on the disk at once.
     */
    private static final Duration REMOVAL_GUARD = Duration.ofMinutes(10);

    @Test
    void trashNestedThirtyThousandDeepIsRemovedWhenTheStoreOpensAndDeepFoldersUnderALockToo() throws Exception {
        ConversationStore host = open();
        String id = stored(host);
        // a deleted conversation's trash as nested as someone who can write the folder makes it, and a put's temporary folder
        DiskTampering.nest(root().resolve(".trash-deep"), 30_000);
        DiskTampering.nest(root().resolve(id).resolve(DiskConversationStore.TMP + "deep"), 10);

        ConversationStore reopened = assertTimeoutPreemptively(REMOVAL_GUARD, () -> open());

        assertThat(root().resolve(".trash-deep")).doesNotExist();
        assertThat(root().resolve(id).resolve(DiskConversationStore.TMP + "deep")).doesNotExist();
        assertThat(promptly(() -> reopened.get(id))).isPresent();
        // under the conversation's lock: a lease removes its temporaries, a delete its folder whole (3,000 deep: past a path's
        // longest, and past the open files of a process limited to 1,024)
        DiskTampering.nest(root().resolve(id).resolve(DiskConversationStore.TMP + "again"), 3_000);
        ConversationLease lease = assertTimeoutPreemptively(REMOVAL_GUARD, () -> reopened.lease(id, "host-a", TTL));
        assertThat(root().resolve(id).resolve(DiskConversationStore.TMP + "again")).doesNotExist();
        DiskTampering.nest(root().resolve(id).resolve("planted"), 3_000);
        assertThat(assertTimeoutPreemptively(REMOVAL_GUARD, () -> reopened.delete(lease))).isTrue();
        try (Stream<Path> left = Files.list(root())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly(DiskLocks.FILE);
        }
    }

    @Test
    void aLogLinkedUnderAnotherNameIsCopiedBeforeAnythingIsAppended() throws Exception {
        ConversationStore host = open();
        String id = Lineages.newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation first = host.put(lease, Lineages.small(id, 1));
        Path hardLink = Files.createLink(outside().resolve("linked.log"), DiskTampering.log(root(), id));
        byte[] before = Files.readAllBytes(hardLink);
        String own = Lineages.ownPath(id);
        byte[] bytes = first.lineage().get(0).bytes();
        byte[] tail = Lineages.jsonl(3_000, 2);

        StoredConversation next = promptly(() -> host.putAppending(lease, StoreAppendContract.grown(first, own, bytes, tail),
                StoreAppendContract.appends(first, own, bytes, tail)));

        assertThat(Files.readAllBytes(hardLink)).as("nothing appended under the other name").isEqualTo(before);
        assertThat(host.get(id)).contains(next);
        assertThat(Files.getAttribute(DiskTampering.log(root(), id), "unix:nlink")).as("the log the put wrote is the store's alone").isEqualTo(1);
        byte[] more = Lineages.jsonl(2_000, 3);
        byte[] grown = StoreAppendContract.concat(bytes, tail);
        StoredConversation third = host.putAppending(lease, StoreAppendContract.grown(next, own, grown, more),
                StoreAppendContract.appends(next, own, grown, more));
        assertThat(host.get(id)).contains(third);
        assertThat(Files.readAllBytes(hardLink)).isEqualTo(before);
    }
}
