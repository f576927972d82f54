package dev.codexbridge.store;

import static dev.codexbridge.store.StoreAppendContract.appends;
import static dev.codexbridge.store.StoreAppendContract.concat;
import static dev.codexbridge.store.StoreAppendContract.grown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the disk store's appends have: chunks linked from version to version, their count bounded, links refused. */
class DiskChunksTest {
    private static final Duration TTL = Duration.ofMinutes(1);
    @TempDir
    Path root;

    @Test
    void aHundredAppendsKeepTheFolderNearTheRolloutAndTheChunksBounded() throws IOException {
        try (DiskConversationStore store = DiskConversationStore.open(root, StoreLimits.DEFAULTS, Clock.systemUTC())) {
            String id = Lineages.newThreadId();
            ConversationLease lease = store.lease(id, "host-a", TTL);
            StoredConversation stored = store.put(lease, Lineages.small(id, 1));
            String own = Lineages.ownPath(id);
            byte[] bytes = stored.lineage().get(0).bytes();
            for (int turn = 0; turn < 100; turn++) {
                byte[] tail = Lineages.jsonl(2_000, turn + 10);
                stored = store.putAppending(lease, grown(stored, own, bytes, tail), appends(stored, own, bytes, tail));
                bytes = concat(bytes, tail);
            }
            Path version = root.resolve(id).resolve(DiskRecord.versionDir(101));
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
