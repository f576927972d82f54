package dev.codexbridge.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A store that hands every call to another: tests override the calls they count or fail. Closing it closes nothing. */
public class ForwardingStore implements ConversationStore {
    protected final ConversationStore store;

    public ForwardingStore(ConversationStore store) {
        this.store = store;
    }

    @Override
    public ConversationLease lease(String threadId, String holder, Duration ttl) {
        return store.lease(threadId, holder, ttl);
    }

    @Override
    public ConversationLease renew(ConversationLease lease, Duration ttl) {
        return store.renew(lease, ttl);
    }

    @Override
    public boolean release(ConversationLease lease) {
        return store.release(lease);
    }

    @Override
    public boolean askHandOver(String threadId) {
        return store.askHandOver(threadId);
    }

    @Override
    public Runnable whenLost(ConversationLease lease, java.util.function.Consumer<LeaseLostException> action) {
        return store.whenLost(lease, action);
    }

    @Override
    public Runnable whenAsked(ConversationLease lease, Runnable action) {
        return store.whenAsked(lease, action);
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> whenReleased(String threadId) {
        return store.whenReleased(threadId);
    }

    @Override
    public java.util.Optional<dev.codexbridge.store.spi.LeaseCounts> leaseCounts() {
        return store.leaseCounts();
    }

    @Override
    public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
        return store.put(lease, conversation);
    }

    @Override
    public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> appends) {
        return store.putAppending(lease, conversation, appends);
    }

    @Override
    public Optional<StoredConversation> get(String threadId) {
        return store.get(threadId);
    }

    @Override
    public Optional<ConversationOwner> ownerOf(String threadId) {
        return store.ownerOf(threadId);
    }

    @Override
    public boolean delete(ConversationLease lease) {
        return store.delete(lease);
    }

    @Override
    public List<ConversationSummary> list(String afterThreadId, int limit) {
        return store.list(afterThreadId, limit);
    }

    @Override
    public void close() {
    }
}
