package dev.codexbridge.store;

import static dev.codexbridge.store.StoreAppendContract.appends;
import static dev.codexbridge.store.StoreAppendContract.concat;
import static dev.codexbridge.store.StoreAppendContract.grown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the disk store's appends have: chunks linked from version to version, their count bounded, links refused, a writer killed mid-append. */
class DiskChunksTest {
    private static final Duration TTL = Duration.ofMinutes(1);
    @TempDir
    Path root;

    @Test
    void appendsPastTheMostChunksKeepTheFolderNearTheRolloutAndTheChunksBounded() throws IOException {
        try (DiskConversationStore store = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", TTL);
            StoredConversation stored = store.put(lease, Lineages.small(id, 1));
            String own = Lineages.ownPath(id);
            byte[] bytes = stored.lineage().get(0).bytes();
            for (int turn = 0; turn < DiskChunks.MAX_CHUNKS + 6; turn++) {
                byte[] tail = Lineages.jsonl(2_000, turn + 10);
                stored = store.putAppending(lease, grown(stored, own, bytes, tail), appends(stored, own, bytes, tail));
                bytes = concat(bytes, tail);
            }
            Path version = root.resolve(id).resolve(DiskRecord.versionDir(DiskChunks.MAX_CHUNKS + 7));
            assertThat(store.get(id).orElseThrow().lineage().get(0).bytes()).isEqualTo(bytes);
            try (Stream<Path> files = Files.list(version)) {
                assertThat(files.filter(f -> f.getFileName().toString().matches("0(\\.\\d+)?")).count())
                        .as("chunks of the rollout").isBetween(2L, (long) DiskChunks.MAX_CHUNKS);
            }
            assertThat(Json.mapper().readTree(version.resolve(DiskRecord.MANIFEST).toFile()).path("format").asInt()).isEqualTo(DiskRecord.FORMAT_CHUNKED);
            assertThat(distinctBytes(root.resolve(id))).as("the folder against the rollout").isLessThanOrEqualTo((long) (bytes.length * 1.1));
        }
    }

    @Test
    void aChunkReplacedByALinkIsNotAppendedTo() throws IOException {
        try (DiskConversationStore store = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", TTL);
            StoredConversation stored = store.put(lease, Lineages.small(id, 1));
            String own = Lineages.ownPath(id);
            byte[] bytes = stored.lineage().get(0).bytes();
            Path chunk = root.resolve(id).resolve(DiskRecord.versionDir(1)).resolve("0");
            Path elsewhere = Files.write(root.getParent().resolve("elsewhere-" + id), bytes);
            Files.delete(chunk);
            Files.createSymbolicLink(chunk, elsewhere);
            byte[] tail = Lineages.jsonl(1_000, 2);

            StoredConversation base = stored;
            assertThatThrownBy(() -> store.putAppending(lease, grown(base, own, bytes, tail), appends(base, own, bytes, tail)))
                    .isInstanceOf(CorruptConversationException.class).hasMessageContaining("symbolic link");
            try (Stream<Path> entries = Files.list(root.resolve(id))) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(DiskConversationStore.LEASE, DiskRecord.versionDir(1));
            }
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
        assertThat(host.get(id).orElseThrow().lineage().get(0).bytes()).isEqualTo(before.lineage().get(0).bytes());
        host.close();
        // the next process to open the store removes what the killed one began (its lease, still in force, stays)
        try (DiskConversationStore next = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC());
             Stream<Path> entries = Files.list(root.resolve(id))) {
            assertThat(entries.map(p -> p.getFileName().toString())).as("nothing the killed writer began is left")
                    .containsExactlyInAnyOrder(DiskConversationStore.LEASE, DiskRecord.versionDir(1));
            assertThat(next.get(id)).contains(before);
        }
    }

    /** The bytes of the regular files under {@code dir}, each file counted once however many names it has. */
    private static long distinctBytes(Path dir) throws IOException {
        Map<Object, Long> sizes = new HashMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                if (a.isRegularFile()) {
                    sizes.put(a.fileKey(), a.size());
                }
            }
        }
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
