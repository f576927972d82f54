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
 * A store that holds another version than the lease's holder put last (seen in the replicas' chaos
 * runs: every later put of the conversation was a version conflict until the holder lost its lease
 * and another replica woke the conversation without those turns). Behind: it lost versions it had
 * acknowledged (PostgreSQL crashed with asynchronous commit). Ahead by no more than the holder's
 * puts whose answer was lost: it took a put whose connection broke as it committed (a database
 * restarting). Either way the holder, whose lease the store still honours, puts the conversation
 * whole again over the version the store has. Ahead by more is a writer it cannot account for, and
 * stays a conflict.
 */
class StoreBehindTest {
    @TempDir
    Path dir;

    private static StoredConversation conversation(String threadId, String text, long version) {
        return StoredConversation.builder(threadId, List.of(RolloutFile.of(Lineages.ownPath(threadId), ("{\"text\":\"" + text + "\"}\n")
                .getBytes(StandardCharsets.UTF_8)))).version(version).build();
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "the store {0} the holder")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"behind", "ahead of"})
    void aStoreHoldingAnotherVersionOfTheHoldersOwnTakesTheWholeConversationOverIt(String where) {
        try (DiskConversationStore store = DiskConversationStore.open(dir.resolve("store"))) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = store.lease(thread, "replica-a", Duration.ofMinutes(1));
            assertThat(store.put(lease, conversation(thread, "turn 1", 0)).version()).isEqualTo(1);
            boolean ahead = where.equals("ahead of");
            if (ahead) {
                // this host's put of turn 2 was stored, its answer lost: the host still knows version 1
                store.put(lease, conversation(thread, "turn 2", 1));
            }
            // behind: this host stored version 2 next, which the store then lost; it still holds 1
            StoredConversation again = AppendedTurn.putWhole(store, lease, conversation(thread, "turns 1 to 3", ahead ? 1 : 2), ahead ? 1 : 0);
            assertThat(again.version()).isEqualTo(ahead ? 3 : 2);
            assertThat(store.get(thread)).get().extracting(StoredConversation::version).isEqualTo(again.version());
            assertThat(store.get(thread).get().lineage().get(0).size()).isEqualTo(("{\"text\":\"turns 1 to 3\"}\n").length());
        }
    }

    @Test
    void aStoreAheadByMoreThanTheHoldersUnansweredPutsStaysAConflict() {
        try (DiskConversationStore store = DiskConversationStore.open(dir.resolve("store"))) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = store.lease(thread, "replica-a", Duration.ofMinutes(1));
            store.put(lease, conversation(thread, "turn 1", 0));
            store.put(lease, conversation(thread, "turn 2", 1));
            assertThatThrownBy(() -> AppendedTurn.putWhole(store, lease, conversation(thread, "stale", 1), 0))
                    .isInstanceOf(VersionConflictException.class).hasMessageContaining("is at version 2, not 1");
            store.put(lease, conversation(thread, "turn 3", 2));
            assertThatThrownBy(() -> AppendedTurn.putWhole(store, lease, conversation(thread, "stale", 1), 1))
                    .as("two versions ahead, one answer lost").isInstanceOf(VersionConflictException.class)
                    .hasMessageContaining("is at version 3, not 1");
            assertThat(store.get(thread)).get().extracting(StoredConversation::version).isEqualTo(3L);
        }
    }

    /**
     * A put whose first run's connection the database ended as it committed, stored all the same,
     * and whose second run (the store's own retry on a fresh connection) then found that version:
     * the conflict carries the first run's failure, and the put is the holder's own.
     */
    @Test
    void aConflictFoundByAPutsSecondRunAfterItsFirstRunsConnectionEndedIsTheHoldersOwn() {
        try (DiskConversationStore disk = DiskConversationStore.open(dir.resolve("store"))) {
            String thread = Lineages.newThreadId();
            ConversationLease lease = disk.lease(thread, "replica-a", Duration.ofMinutes(1));
            disk.put(lease, conversation(thread, "turn 1", 0));
            java.util.concurrent.atomic.AtomicBoolean restartAtCommit = new java.util.concurrent.atomic.AtomicBoolean(true);
            dev.codexbridge.store.ConversationStore store = new dev.codexbridge.store.ForwardingStore(disk) {
                @Override
                public StoredConversation put(ConversationLease l, StoredConversation c) {
                    if (!restartAtCommit.getAndSet(false)) {
                        return super.put(l, c);
                    }
                    super.put(l, c);        // committed; its answer lost as the server ended the connection
                    VersionConflictException second = new VersionConflictException(c.threadId(), c.version(), c.version() + 1);
                    second.addSuppressed(new java.sql.SQLException("FATAL: terminating connection due to administrator command", "57P01"));
                    throw second;
                }
            };
            StoredConversation again = AppendedTurn.putWhole(store, lease, conversation(thread, "turns 1 and 2", 1), 0);
            assertThat(again.version()).isEqualTo(3);
            assertThat(disk.get(thread).get().lineage().get(0).size()).isEqualTo(("{\"text\":\"turns 1 and 2\"}\n").length());

            // a conflict with no such first run is another writer's, as before
            disk.put(lease, conversation(thread, "another writer", 3));
            assertThatThrownBy(() -> AppendedTurn.putWhole(disk, lease, conversation(thread, "stale", 3), 0))
                    .isInstanceOf(VersionConflictException.class).hasMessageContaining("is at version 4, not 3");
        }
    }
}
