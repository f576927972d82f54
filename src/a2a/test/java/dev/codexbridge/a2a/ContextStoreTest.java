package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.ThreadOperation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The context stores: what they keep, their bound, the file store's directory and its records across a reopen. */
class ContextStoreTest {
    @TempDir
    Path tmp;

    /** Each record changed a millisecond after the last: the file store reads them back in that order, never a tie. */
    private static final java.util.concurrent.atomic.AtomicLong CLOCK = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());

    private static StoredContext context(String id, String principal, String thread, String... tasks) {
        return new StoredContext(id, principal, thread, List.of(tasks), CLOCK.incrementAndGet());
    }

    @Test
    void theFileStoreReadsBackWhatItKeptAndForgetsTheLeastRecentlyChanged() throws Exception {
        Path dir = tmp.resolve("contexts");
        ContextStore store = ContextStore.files(dir, 2);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        store.save(context("c1", "alice", "t1", "task-1"));
        store.save(context("../c2", "bob", "t2", "task-2"));
        store.save(context("c1", "alice", "t1", "task-1", "task-3"));

        ContextStore again = ContextStore.files(dir, 2);
        assertThat(again.context("alice", "c1")).hasValueSatisfying(c -> assertThat(c.taskIds()).containsExactly("task-1", "task-3"));
        assertThat(again.contextOfTask("task-2")).hasValueSatisfying(c -> assertThat(c.contextId()).isEqualTo("../c2"));
        assertThat(again.ownerOfThread("t2")).hasValue("bob");
        try (Stream<Path> files = Files.list(dir)) {
            // a caller's context id never names a path: only digests
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(2).allMatch(n -> n.matches("p-[0-9a-f]{64}\\.json"));
        }

        again.save(context("c3", "alice", "t3"));   // c2 changed least recently
        assertThat(again.context("bob", "../c2")).isEmpty();
        assertThat(again.contextOfTask("task-2")).isEmpty();
        assertThat(again.ownerOfThread("t2")).as("a forgotten thread has no owner: refused to all").isEmpty();
        assertThat(ContextStore.files(dir, 2).context("bob", "../c2")).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(2);
        }
    }

    /**
     * The in-memory store at its bound (issue 80; the CLI's {@code --conversations-remembered}): the
     * context changed least recently is forgotten with its indexes, so a message naming it starts a
     * new context, and its thread is nobody's: refused to its owner as to anyone.
     */
    @Test
    void theMemoryStoreForgetsTheLeastRecentlyChangedWithItsIndexesAndAForgottenThreadIsNobodys() {
        ContextStore store = ContextStore.inMemory(2);
        store.save(context("c1", "alice", "t1", "task-1"));
        store.save(context("c2", "bob", "t2", "task-2"));
        store.save(context("c1", "alice", "t1", "task-1", "task-3"));
        store.save(context("c3", "carol", "t3"));   // c2 changed least recently
        assertThat(store.context("bob", "c2")).isEmpty();
        assertThat(store.contextOfTask("task-2")).isEmpty();
        assertThat(store.ownerOfThread("t2")).isEmpty();
        assertThat(store.threadAccess().allows("bob", "t2", ThreadOperation.RESUME)).isFalse();
        assertThat(store.threadAccess().allows("alice", "t2", ThreadOperation.RESUME)).isFalse();
        assertThat(store.context("alice", "c1")).hasValueSatisfying(c -> assertThat(c.taskIds()).containsExactly("task-1", "task-3"));
        assertThat(((MemoryContextStore) store).size()).isEqualTo(2);
    }

    @Test
    void theThreadAccessRuleLetsOnlyTheOwnerUseAThread() {
        ContextStore store = ContextStore.inMemory(10);
        store.save(context("c1", "alice", "t1"));
        assertThat(store.threadAccess().allows("alice", "t1", ThreadOperation.RESUME)).isTrue();
        assertThat(store.threadAccess().allows("bob", "t1", ThreadOperation.RESUME)).isFalse();
        assertThat(store.threadAccess().allows("alice", "unknown", ThreadOperation.READ)).isFalse();
    }

    @Test
    void aContextIsPutOnAFreshThreadOnlyFromTheThreadItWasSeenOn() {
        ContextStore store = ContextStore.inMemory(10);
        store.save(context("c1", "alice", "lost", "task-1"));
        StoredContext seen = store.context("alice", "c1").orElseThrow();

        assertThat(store.replaceThread(seen, "fresh").threadId()).isEqualTo("fresh");
        assertThat(store.replaceThread(seen, "other").threadId()).as("replaced already: left as it is").isEqualTo("fresh");
        assertThat(store.context("alice", "c1").orElseThrow().taskIds()).containsExactly("task-1");
        assertThat(store.threadAccess().allows("alice", "fresh", ThreadOperation.RESUME)).isTrue();
    }

    @Test
    void aStoreDirectoryOthersMayWriteIsRefused() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> ContextStore.files(open, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("may be written by others").hasMessageContaining("chmod 700");
        assertThatThrownBy(() -> ContextStore.inMemory(0)).hasMessageContaining("maxContexts");
    }

    @Test
    void aContextKeepsItsNewestTasksOnly() {
        String[] tasks = IntStream.range(0, StoredContext.MAX_TASKS + 5).mapToObj(i -> "task-" + i).toArray(String[]::new);
        StoredContext c = context("c", "alice", "t", tasks);
        assertThat(c.taskIds()).hasSize(StoredContext.MAX_TASKS).startsWith("task-5");
        assertThat(c.withTask("t", "task-new", 1).taskIds()).endsWith("task-new").hasSize(StoredContext.MAX_TASKS);
    }

    @Test
    void anUnreadableRecordCostsOnlyItself() throws Exception {
        Path dir = tmp.resolve("contexts");
        ContextStore.files(dir, 10).save(context("c1", "alice", "t1"));
        Files.writeString(dir.resolve("0".repeat(64) + ".json"), "{not json");
        assertThat(ContextStore.files(dir, 10).context("alice", "c1")).isPresent();
    }

    @Test
    void aContextIdIsEachPrincipalsOwnInEveryStoreInThisProcess() throws Exception {
        Path dir = tmp.resolve("contexts");
        for (ContextStore store : List.of(ContextStore.inMemory(10), ContextStore.files(dir, 10))) {
            store.save(context("c1", "alice", "t1", "task-1"));
            store.save(context("c1", "bob", "t2", "task-2"));
            store.save(context("c1", "bob", "t2", "task-2", "task-3"));

            // two records under one id, each found by its own principal only
            assertThat(store.context("alice", "c1")).hasValueSatisfying(c -> {
                assertThat(c.threadId()).isEqualTo("t1");
                assertThat(c.taskIds()).containsExactly("task-1");
            });
            assertThat(store.context("bob", "c1")).hasValueSatisfying(c -> {
                assertThat(c.threadId()).isEqualTo("t2");
                assertThat(c.taskIds()).containsExactly("task-2", "task-3");
            });
            assertThat(store.context("carol", "c1")).isEmpty();
            assertThat(store.contextOfTask("task-1")).map(StoredContext::principal).hasValue("alice");
            assertThat(store.contextOfTask("task-3")).map(StoredContext::principal).hasValue("bob");
            assertThat(store.ownerOfThread("t1")).hasValue("alice");
            assertThat(store.ownerOfThread("t2")).hasValue("bob");
            // another principal's replacement is its own context's: the owner's stays as it was
            store.replaceThread(context("c1", "bob", "t2"), "t3");
            assertThat(store.context("alice", "c1").orElseThrow().threadId()).isEqualTo("t1");
            assertThat(store.context("bob", "c1").orElseThrow().threadId()).isEqualTo("t3");
        }
        ContextStore again = ContextStore.files(dir, 10);
        assertThat(again.context("alice", "c1")).map(StoredContext::threadId).hasValue("t1");
        assertThat(again.context("bob", "c1")).map(StoredContext::threadId).hasValue("t3");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(2);
        }
    }

    @Test
    void aRecordWrittenBeforeContextIdsWereEachPrincipalsIsFoundByItsOwnerAndMovedToItsName() throws Exception {
        Path dir = tmp.resolve("contexts");
        ContextStore.files(dir, 10).save(context("c2", "alice", "t2", "task-2"));
        // as the store wrote them before: named by the digest of the context id alone (c2's older than its record above)
        Files.writeString(dir.resolve(sha256("c1") + ".json"), A2aWire.JSON.writeValueAsString(
                new StoredContext("c1", "alice", "t1", List.of("task-1"), 1_000)));
        Files.writeString(dir.resolve(sha256("c2") + ".json"), A2aWire.JSON.writeValueAsString(
                new StoredContext("c2", "alice", "t2", List.of(), 1_000)));

        ContextStore again = ContextStore.files(dir, 10);
        assertThat(again.context("alice", "c1")).map(StoredContext::taskIds).hasValue(List.of("task-1"));
        assertThat(again.context("bob", "c1")).isEmpty();
        assertThat(again.contextOfTask("task-1")).map(StoredContext::principal).hasValue("alice");
        assertThat(again.context("alice", "c2")).map(StoredContext::taskIds).as("the newer record").hasValue(List.of("task-2"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(2).allMatch(n -> n.matches("p-[0-9a-f]{64}\\.json"));
        }
    }

    @Test
    void aMessagesTaskIsFoundByItsPrincipalAndIdAcrossAReopenAndForgottenWithItsContext() throws Exception {
        Path dir = tmp.resolve("contexts");
        for (ContextStore store : List.of(ContextStore.inMemory(2), ContextStore.files(dir, 2))) {
            StoredContext c1 = context("c1", "alice", "t1").withTask("t1", "task-1", "msg-1", CLOCK.incrementAndGet());
            store.save(c1);
            store.save(c1.withTask("t1", "task-2", "msg-2", CLOCK.incrementAndGet()));
            // bob's message of the same id is his own
            store.save(context("c1", "bob", "t2").withTask("t2", "task-3", "msg-1", CLOCK.incrementAndGet()));

            assertThat(store.taskOfMessage("alice", "msg-1")).hasValue("task-1");
            assertThat(store.taskOfMessage("alice", "msg-2")).hasValue("task-2");
            assertThat(store.taskOfMessage("bob", "msg-1")).hasValue("task-3");
            assertThat(store.taskOfMessage("bob", "msg-2")).as("another principal's message id").isEmpty();
            assertThat(store.taskOfMessage("carol", "msg-1")).isEmpty();
            assertThat(store.context("alice", "c1").orElseThrow().messageIds()).containsEntry("task-1", "msg-1").containsEntry("task-2", "msg-2");
        }
        ContextStore again = ContextStore.files(dir, 2);
        assertThat(again.taskOfMessage("alice", "msg-2")).as("read back from the files").hasValue("task-2");
        assertThat(again.taskOfMessage("bob", "msg-1")).hasValue("task-3");

        again.save(context("c3", "carol", "t3"));   // alice's context changed least recently: forgotten with its messages
        assertThat(again.taskOfMessage("alice", "msg-1")).isEmpty();
        assertThat(ContextStore.files(dir, 2).taskOfMessage("alice", "msg-2")).isEmpty();
    }

    @Test
    void aContextsMessageIdsAreOnlyOfTheTasksItKeeps() throws Exception {
        StoredContext c = context("c", "alice", "t");
        for (int i = 0; i < StoredContext.MAX_TASKS + 3; i++) {
            c = c.withTask("t", "task-" + i, "msg-" + i, CLOCK.incrementAndGet());
        }
        assertThat(c.messageIds()).hasSize(StoredContext.MAX_TASKS).doesNotContainKey("task-0").containsEntry("task-3", "msg-3");
        // a record from before message ids were kept reads as one without them
        StoredContext old = A2aWire.JSON.readValue("{\"contextId\":\"c\",\"principal\":\"alice\",\"threadId\":\"t\","
                + "\"taskIds\":[\"task-1\"],\"updatedMs\":5}", StoredContext.class);
        assertThat(old.messageIds()).isEmpty();
        assertThat(A2aWire.JSON.readValue(A2aWire.JSON.writeValueAsString(c), StoredContext.class)).isEqualTo(c);
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
