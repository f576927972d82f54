package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.internal.custody.AppendedTurn;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.Lineages;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.VersionConflictException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that lost versions it had acknowledged (seen in the replicas' chaos run: PostgreSQL
 * crashed with asynchronous commit, and every later put of the conversation was a version conflict
 * until the holder lost its lease and another replica woke the conversation without those turns):
 * the holder, whose lease the store still honours, puts the conversation whole again over the
 * version the store has. A store ahead of the holder is another writer's, and stays a conflict.
 */
class StoreBehindTest {
    @TempDir
    Path dir;

    private static StoredConversation conversation(String threadId, String text, long version) {
        return StoredConversation.builder(threadId, List.of(RolloutFile.of(Lineages.ownPath(threadId), ("{\"text\":\"" + text + "\"}\n")
                .getBytes(StandardCharsets.UTF_8)))).version(version).build();
    }

    @Test
    void aStoreBehindTheHoldersLastPutTakesTheWholeConversationAgain() {
        try (DiskConversationStore store = DiskConversationStore.open(dir.resolve("store"))) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = store.lease(thread, "replica-a", Duration.ofMinutes(1));
            assertThat(store.put(lease, conversation(thread, "turn 1", 0)).version()).isEqualTo(1);
            // this host stored version 2 next, which the store then lost: it still holds 1
            StoredConversation again = AppendedTurn.putWhole(store, lease, conversation(thread, "turns 1 to 3", 2));
            assertThat(again.version()).isEqualTo(2);
            assertThat(store.get(thread)).get().extracting(StoredConversation::version).isEqualTo(2L);
            assertThat(store.get(thread).get().lineage().get(0).size()).isEqualTo(("{\"text\":\"turns 1 to 3\"}\n").length());
        }
    }

    @Test
    void aStoreAheadOfTheHolderIsAnotherWritersAndStaysAConflict() {
        try (DiskConversationStore store = DiskConversationStore.open(dir.resolve("store"))) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = store.lease(thread, "replica-a", Duration.ofMinutes(1));
            store.put(lease, conversation(thread, "turn 1", 0));
            store.put(lease, conversation(thread, "turn 2", 1));
            assertThatThrownBy(() -> AppendedTurn.putWhole(store, lease, conversation(thread, "stale", 1)))
                    .isInstanceOf(VersionConflictException.class).hasMessageContaining("is at version 2, not 1");
            assertThat(store.get(thread)).get().extracting(StoredConversation::version).isEqualTo(2L);
        }
    }
}
