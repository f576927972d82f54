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

    private static StoredContext context(String id, String principal, String thread, String... tasks) {
        return new StoredContext(id, principal, thread, List.of(tasks), System.currentTimeMillis());
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
        assertThat(again.context("c1")).hasValueSatisfying(c -> assertThat(c.taskIds()).containsExactly("task-1", "task-3"));
        assertThat(again.contextOfTask("task-2")).hasValueSatisfying(c -> assertThat(c.contextId()).isEqualTo("../c2"));
        assertThat(again.ownerOfThread("t2")).hasValue("bob");
        try (Stream<Path> files = Files.list(dir)) {
            // a caller's context id never names a path: only digests
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(2).allMatch(n -> n.matches("[0-9a-f]{64}\\.json"));
        }

        again.save(context("c3", "alice", "t3"));   // c2 changed least recently
        assertThat(again.context("../c2")).isEmpty();
        assertThat(again.contextOfTask("task-2")).isEmpty();
        assertThat(again.ownerOfThread("t2")).as("a forgotten thread has no owner: refused to all").isEmpty();
        assertThat(ContextStore.files(dir, 2).context("../c2")).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(2);
        }
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
        StoredContext seen = store.context("c1").orElseThrow();

        assertThat(store.replaceThread(seen, "fresh").threadId()).isEqualTo("fresh");
        assertThat(store.replaceThread(seen, "other").threadId()).as("replaced already: left as it is").isEqualTo("fresh");
        assertThat(store.context("c1").orElseThrow().taskIds()).containsExactly("task-1");
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
        assertThat(ContextStore.files(dir, 10).context("c1")).isPresent();
    }
}
