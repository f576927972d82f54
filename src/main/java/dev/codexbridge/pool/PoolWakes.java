package dev.codexbridge.pool;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.StoredConversation;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link CodexPool}'s conversation wakes when a store keeps it while it sleeps (decision
 * 0056): on the endpoint it slept on when that is healthy, not drained and has room (codex there
 * kept its copy, so nothing is imported: decision 0074), else on the least-loaded healthy endpoint
 * with room at that moment. The endpoint's count holds the placement until the session has its
 * thread place there.
 */
final class PoolWakes implements ClientPlacement {
    private final ConversationStorage storage;
    private final PoolPlacement placement;
    private final Consumer<CodexClient.Builder> clientConfigurer;

    PoolWakes(ConversationStorage storage, PoolPlacement placement, Consumer<CodexClient.Builder> clientConfigurer) {
        this.storage = storage;
        this.placement = placement;
        this.clientConfigurer = clientConfigurer;
    }

    ConversationStorage storage() {
        return storage;
    }

    /** The store's record of {@code threadId}, if it holds one: then it wakes anywhere, and no endpoint needs asking. */
    Optional<StoredConversation> record(String threadId) {
        return storage.store().get(threadId);
    }

    @Override
    public Placed place(@Nullable String threadId) {
        List<String> refusals = new ArrayList<>();
        while (true) {
            PoolNode slept = threadId == null ? null : placement.affinityOf(threadId);
            PoolNode node = placement.reservePreferring(slept, threadId, refusals);
            CodexClient client;
            try {
                client = node.connectOrDown(clientConfigurer);
            } catch (CodexException e) {
                node.release();
                refusals.add(node.spec.name() + ": " + e.getMessage());
                continue;
            }
            if (threadId != null) {
                placement.remember(threadId, node);
            }
            return new Placed(client, node::release);
        }
    }

    /**
     * The endpoint of this pool {@code record} says the conversation was awake on when its host
     * stopped holding it without a sleep ({@link ConversationStorage#lastAwakeOn}); null when it
     * names none, or one this pool does not have (never had, or removed). Drained or not, healthy or
     * not: codex there may still have the thread loaded, and its copy is at least as new as the
     * store's (it holds any turn completed after the last store), so the conversation wakes there or
     * not at all. Not asked for a wake within a session: the session's own sleep stored the record,
     * which then names no endpoint.
     */
    @Nullable PoolNode awakeOn(StoredConversation record) {
        return member(ConversationStorage.lastAwakeOn(record).map(URI::toString));
    }

    /** The endpoint of this pool {@code record} says the conversation last slept on ({@link ConversationStorage#lastSleptOn}), or null. */
    @Nullable PoolNode sleptOn(StoredConversation record) {
        return member(ConversationStorage.lastSleptOn(record));
    }

    private @Nullable PoolNode member(Optional<String> where) {
        if (where.isEmpty()) {
            return null;
        }
        for (PoolNode n : placement.members()) {
            if (n.spec.endpoint().uri().toString().equals(where.get()) && !n.removed) {
                return n;
            }
        }
        return null;
    }
}
