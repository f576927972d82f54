package dev.codexbridge.store;

import static dev.codexbridge.store.Lineages.newThreadId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.FailureKind;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The contract, part one: what goes in comes out byte for byte, versions count, caps refuse, list and delete. */
interface StoreRoundTripContract extends StoreContract {
    @Test
    default void whatIsPutComesBackByteForByteWithEveryField() {
        ConversationStore host = store().open();
        String id = newThreadId();
        StoredConversation conversation = Lineages.full(id, 50_000, 1);
        ConversationLease lease = host.lease(id, "host-a", TTL);

        StoredConversation stored = host.put(lease, conversation);

        assertThat(stored.version()).isEqualTo(1);
        StoredConversation read = store().open().get(id).orElseThrow();
        assertThat(read).isEqualTo(stored);
        assertThat(read.owner()).isEqualTo(new ConversationOwner("alice", "acme"));
        assertThat(read.name()).isEqualTo("a name ✓");
        assertThat(read.goal()).isEqualTo("finish the story");
        assertThat(read.settings()).isEqualTo(conversation.settings());
        assertThat(read.lastCompletedTurnId()).isEqualTo(conversation.lastCompletedTurnId());
        assertThat(read.lineage()).extracting(RolloutFile::relativePath)
                .containsExactlyElementsOf(conversation.lineage().stream().map(RolloutFile::relativePath).toList());
        for (int i = 0; i < read.lineage().size(); i++) {
            assertThat(read.lineage().get(i).bytes()).as("rollout %d", i).isEqualTo(conversation.lineage().get(i).bytes());
        }
    }

    @Test
    default void eachPutIsTheNextVersionAndReplacesTheOneBefore() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation first = host.put(lease, Lineages.full(id, 10_000, 1));
        StoredConversation changed = StoredConversation.builder(id, List.of(RolloutFile.of(Lineages.ownPath(id), Lineages.jsonl(20_000, 5))))
                .name("renamed").version(first.version()).build();

        StoredConversation second = host.put(lease, changed);

        assertThat(second.version()).isEqualTo(2);
        StoredConversation read = host.get(id).orElseThrow();
        assertThat(read.version()).isEqualTo(2);
        assertThat(read.lineage()).hasSize(1);
        assertThat(read.lineage().get(0).bytes()).isEqualTo(Lineages.jsonl(20_000, 5));
        assertThat(read.name()).isEqualTo("renamed");
        assertThat(read.owner()).isNull();
        assertThat(read.goal()).isNull();
    }

    @Test
    default void aConversationNeverStoredIsEmptyEvenWhileLeased() {
        ConversationStore host = store().open();
        String id = newThreadId();
        assertThat(host.get(id)).isEmpty();
        host.lease(id, "host-a", TTL);
        assertThat(host.get(id)).isEmpty();
        assertThat(host.list(null, 100)).extracting(ConversationSummary::threadId).doesNotContain(id);
    }

    @Test
    default void listPagesInThreadIdOrderAndDeleteRemovesTheConversationAndItsLease() {
        ConversationStore host = store().open();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = newThreadId();
            ids.add(id);
            ConversationLease lease = host.lease(id, "host-a", TTL);
            host.put(lease, Lineages.full(id, 1_000, i));
            host.release(lease);
        }
        ids.sort(null);

        List<ConversationSummary> first = host.list(null, 2);
        List<ConversationSummary> rest = host.list(first.get(1).threadId(), 10);

        assertThat(first).extracting(ConversationSummary::threadId).containsExactly(ids.get(0), ids.get(1));
        assertThat(rest).extracting(ConversationSummary::threadId).containsExactlyElementsOf(ids.subList(2, 5));
        ConversationSummary one = first.get(0);
        assertThat(one.owner()).isEqualTo(new ConversationOwner("alice", "acme"));
        assertThat(one.name()).isEqualTo("a name ✓");
        assertThat(one.version()).isEqualTo(1);
        assertThat(one.files()).isEqualTo(3);
        assertThat(one.lineageBytes()).isEqualTo(host.get(one.threadId()).orElseThrow().lineageBytes());

        String gone = ids.get(2);
        ConversationStore other = store().open();
        ConversationLease leased = other.lease(gone, "host-b", TTL);
        assertThatThrownBy(() -> store().open().lease(gone, "host-c", TTL)).isInstanceOf(ConversationLeasedException.class);
        assertThat(other.delete(leased)).isTrue();
        assertThat(host.get(gone)).isEmpty();
        assertThat(host.list(null, 10)).extracting(ConversationSummary::threadId).doesNotContain(gone).hasSize(4);
        // the lease went with it: another host may start the conversation afresh at once
        ConversationLease again = store().open().lease(gone, "host-c", TTL);
        assertThat(other.delete(again)).as("nothing stored any more").isFalse();
        assertThatThrownBy(() -> other.delete(leased)).isInstanceOf(LeaseLostException.class);
    }

    @Test
    default void capsRefuseAPutBeforeAnythingIsWrittenAndKeepTheVersionBefore() {
        ConversationStore host = store().open(new StoreLimits(100_000, 2, 1_000), Clock.systemUTC());
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation kept = host.put(lease, Lineages.small(id, 1));

        StoredConversation threeFiles = Lineages.full(id, 1_000, 2).toBuilder().version(1).build();
        StoredConversation tooManyBytes = StoredConversation.builder(id,
                List.of(RolloutFile.of(Lineages.ownPath(id), Lineages.jsonl(100_001, 3)))).version(1).build();
        StoredConversation longGoal = Lineages.small(id, 4).toBuilder().goal("x".repeat(1_001)).version(1).build();

        assertThatThrownBy(() -> host.put(lease, threeFiles)).isInstanceOfSatisfying(ConversationTooLargeException.class, e -> {
            assertThat(e.limit()).isEqualTo("rollout files");
            assertThat(e.value()).isEqualTo(3);
            assertThat(e.cap()).isEqualTo(2);
            assertThat(e.threadId()).isEqualTo(id);
            assertThat(e.kind()).isEqualTo(FailureKind.INVALID_INPUT);
        });
        assertThatThrownBy(() -> host.put(lease, tooManyBytes)).isInstanceOfSatisfying(ConversationTooLargeException.class,
                e -> assertThat(e.limit()).isEqualTo("lineage bytes"));
        assertThatThrownBy(() -> host.put(lease, longGoal)).isInstanceOfSatisfying(ConversationTooLargeException.class,
                e -> assertThat(e.getMessage()).contains("goal bytes is 1001, above the store's cap of 1000"));
        assertThat(host.get(id)).contains(kept);

        // a record stored under larger caps is refused by a store with smaller ones, not read into memory
        host.put(lease, StoredConversation.builder(id, List.of(RolloutFile.of(Lineages.ownPath(id), Lineages.jsonl(50_000, 6)))).version(1).build());
        ConversationStore smaller = store().open(new StoreLimits(10_000, 2, 1_000), Clock.systemUTC());
        assertThatThrownBy(() -> smaller.get(id)).isInstanceOf(ConversationTooLargeException.class).hasMessageContaining("lineage bytes");
    }

    @Test
    default void textWithU0000ComesBackAsItWentInAndStaysStorable() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation conversation = Lineages.small(id, 1).toBuilder().owner(new ConversationOwner("al\0ice", "ac\0me"))
                .name("a\0name \"quoted\" \\ ✓").goal("\0").settings("{\"k\":\"\0\"}").lastCompletedTurnId("turn\0").build();

        StoredConversation stored = host.put(lease, conversation);

        StoredConversation read = store().open().get(id).orElseThrow();
        assertThat(read).isEqualTo(stored);
        assertThat(read.owner()).isEqualTo(new ConversationOwner("al\0ice", "ac\0me"));
        assertThat(read.name()).isEqualTo("a\0name \"quoted\" \\ ✓");
        assertThat(read.goal()).isEqualTo("\0");
        assertThat(read.settings()).isEqualTo("{\"k\":\"\0\"}");
        assertThat(read.lastCompletedTurnId()).isEqualTo("turn\0");
        assertThat(host.list(null, 10)).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("a\0name \"quoted\" \\ ✓");
            assertThat(s.owner()).isEqualTo(new ConversationOwner("al\0ice", "ac\0me"));
        });
        // every later store of the conversation too, and one without it again
        StoredConversation second = host.put(lease, read.toBuilder().name("b\0").build());
        assertThat(host.get(id).orElseThrow().name()).isEqualTo("b\0");
        host.put(lease, second.toBuilder().owner(null).name("plain").goal(null).settings(null).lastCompletedTurnId(null).build());
        assertThat(host.get(id).orElseThrow().name()).isEqualTo("plain");
    }

    @Test
    default void aHolderWithU0000IsRefusedBeforeTheStoreIsTouched() {
        ConversationStore host = store().open();
        String id = newThreadId();
        assertThatThrownBy(() -> host.lease(id, "host\0a", TTL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a lease holder's name has no U+0000 character");
        assertThat(host.lease(id, "host-a", TTL).holder()).as("nothing was leased").isEqualTo("host-a");
    }

    @Test
    default void argumentsAreCheckedBeforeTheStoreIsTouched() {
        ConversationStore host = store().open();
        String id = newThreadId();
        assertThatThrownBy(() -> host.get("../" + id)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> host.get(id.toUpperCase())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> host.lease(id, "", TTL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> host.lease(id, "host-a", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> host.list(null, 0)).isInstanceOf(IllegalArgumentException.class);
        ConversationLease lease = host.lease(id, "host-a", TTL);
        String other = newThreadId();
        assertThatThrownBy(() -> host.put(lease, Lineages.small(other, 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the lease is on conversation " + id);
        assertThat(host.get(other)).isEqualTo(Optional.empty());
    }

    @Test
    default void ownerOfAnswersFromTheRecordAloneAndEmptyForNoOwnerOrNoRecord() throws Exception {
        ConversationStore host = store().open();
        String owned = newThreadId();
        host.put(host.lease(owned, "host-a", TTL), Lineages.full(owned, 1_000, 1));
        String unowned = newThreadId();
        host.put(host.lease(unowned, "host-a", TTL), Lineages.small(unowned, 2));
        String leasedOnly = newThreadId();
        host.lease(leasedOnly, "host-a", TTL);

        ConversationStore reader = store().open();
        assertThat(reader.ownerOf(owned)).contains(new ConversationOwner("alice", "acme"));
        assertThat(reader.ownerOf(unowned)).isEmpty();
        assertThat(reader.ownerOf(leasedOnly)).as("leased, never stored").isEmpty();
        assertThat(reader.ownerOf(newThreadId())).isEmpty();
        assertThatThrownBy(() -> reader.ownerOf("../" + owned)).isInstanceOf(IllegalArgumentException.class);

        // no rollout is read: a record missing one still names its owner (get refuses it)
        store().removeRollout(owned, 1);
        assertThatThrownBy(() -> reader.get(owned)).isInstanceOf(CorruptConversationException.class);
        assertThat(reader.ownerOf(owned)).contains(new ConversationOwner("alice", "acme"));
        // a record in a format this library does not read names nobody
        store().setFormat(owned, 99);
        assertThatThrownBy(() -> reader.ownerOf(owned)).isInstanceOf(CorruptConversationException.class);
    }
}
