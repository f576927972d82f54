package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ThreadAccess#storedOwner}: a thread is its stored owner's, and nobody's while the store does not hold it. */
class StoredOwnerAccessTest {
    @TempDir
    Path tmp;

    private static String stored(DiskConversationStore store, ConversationOwner owner) {
        String id = UUID.randomUUID().toString();
        ConversationLease lease = store.lease(id, "host-1", Duration.ofMinutes(1));
        RolloutFile rollout = RolloutFile.of("2026/11/25/rollout-2026-11-25T03-05-19-" + id + ".jsonl", "{}\n".getBytes(StandardCharsets.UTF_8));
        store.put(lease, StoredConversation.builder(id, List.of(rollout)).owner(owner).build());
        store.release(lease);
        return id;
    }

    @Test
    void onlyTheCallerTheRecordNamesIsAdmitted() {
        try (DiskConversationStore store = DiskConversationStore.open(tmp.resolve("store"))) {
            ThreadAccess rule = ThreadAccess.storedOwner(store);
            String alices = stored(store, new ConversationOwner("alice", "acme"));
            String nobodys = stored(store, null);
            String fresh = UUID.randomUUID().toString();

            assertThat(rule.allows("alice", alices, ThreadOperation.RESUME)).isTrue();
            assertThat(rule.allows("bob", alices, ThreadOperation.READ)).isFalse();
            assertThat(rule.allows(null, alices, ThreadOperation.RESUME)).isFalse();
            assertThat(rule.allows("alice", nobodys, ThreadOperation.RESUME)).as("a record that names no owner").isFalse();
            assertThat(rule.allows("alice", fresh, ThreadOperation.RESUME)).as("a thread the store does not hold").isFalse();
            assertThat(rule.allows("alice", "../" + alices, ThreadOperation.RESUME)).as("not a thread id").isFalse();
            assertThatThrownBy(() -> ThreadAccess.require(rule, "bob", alices, ThreadOperation.RESUME))
                    .isInstanceOfSatisfying(ThreadAccessDeniedException.class, e -> {
                        assertThat(e.refusedBy()).isEqualTo(ThreadAccessDeniedException.STORED_OWNER);
                        assertThat(e).hasMessageNotContaining("alice");
                    });
        }
    }
}
