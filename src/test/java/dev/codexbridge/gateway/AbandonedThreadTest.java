package dev.codexbridge.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CodexGateway#abandoned}: a thread the store never kept and no host holds can never be
 * resumed (decision 0093); a stored one, or one a host holds and may still store, is not abandoned.
 */
class AbandonedThreadTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client, () -> this.store);
    private DiskConversationStore store;
    private CodexClient client;

    @TempDir
    Path tmp;

    private CodexGateway gateway(boolean withStore) {
        store = DiskConversationStore.open(tmp.resolve("store"));
        client = CodexClient.builder().transport(fake.codex().factory()).connect();
        CodexGateway.Builder b = CodexGateway.builder().client(client);
        return (withStore ? b.storage(ConversationStorage.builder(store, "replica-b").build()) : b).build();
    }

    @Test
    void aThreadNoStoreKeptAndNobodyHoldsIsAbandonedAndItsLeaseIsLeftFree() {
        CodexGateway gateway = gateway(true);
        String lost = UUID.randomUUID().toString();

        assertThat(gateway.abandoned(lost)).isTrue();
        store.release(store.lease(lost, "replica-c", Duration.ofSeconds(10)));
    }

    @Test
    void aStoredThreadAHeldOneAndOneWithoutAStoreAreNot() {
        CodexGateway gateway = gateway(true);
        String stored = UUID.randomUUID().toString();
        ConversationLease lease = store.lease(stored, "replica-a", Duration.ofMinutes(1));
        RolloutFile rollout = RolloutFile.of("2026/11/25/rollout-2026-11-25T03-05-19-" + stored + ".jsonl", "{}\n".getBytes(StandardCharsets.UTF_8));
        store.put(lease, StoredConversation.builder(stored, List.of(rollout)).owner(new ConversationOwner("alice", null)).build());
        store.release(lease);
        assertThat(gateway.abandoned(stored)).isFalse();

        String held = UUID.randomUUID().toString();
        store.lease(held, "replica-a", Duration.ofMinutes(1));
        assertThatThrownBy(() -> gateway.abandoned(held)).as("its holder may still store it").isInstanceOf(ConversationLeasedException.class);

        assertThat(gateway.abandoned("../" + stored)).as("not a thread id").isFalse();
        store.close();
        client.close();
        assertThat(gateway(false).abandoned(UUID.randomUUID().toString())).as("without a store nothing is known lost").isFalse();
    }
}
