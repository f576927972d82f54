package dev.codexbridge.pool;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.ConversationStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link CodexPool}'s conversation wakes when a store keeps it while it sleeps (decision
 * 0056): on the least-loaded healthy endpoint with room at that moment, not the one it slept on,
 * which may be gone with its disk. The endpoint's count holds the placement until the session has
 * its thread place there.
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

    /** Whether the store holds {@code threadId}: then it wakes anywhere, and no endpoint needs asking. */
    boolean stored(String threadId) {
        return storage.store().get(threadId).isPresent();
    }

    @Override
    public Placed place(@Nullable String threadId) {
        List<String> refusals = new ArrayList<>();
        while (true) {
            PoolNode node = placement.reserve(null, false, threadId, refusals);
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
}
