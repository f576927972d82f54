package dev.codexbridge.session.internal.custody;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.StoredConversation;
import java.util.function.Function;

/**
 * Which app-server the store's record names as where a session's conversation is awake
 * ({@link AwakeOn}), and its naming: before codex there can write the thread, so a host that dies
 * from then on leaves the conversation to be woken there, never imported elsewhere. Run within
 * {@link ThreadCustody}'s steps.
 */
final class AwakeNaming {
    private final ConversationStore store;
    private final HeldLease lease;
    private final StoredVersion version;
    /** The app-server a connection reaches, as the store's record names it. */
    private final Function<CodexClient, String> whereabouts;
    /** The app-server the record names (as this session last wrote or read it), or null. */
    private volatile String named;

    AwakeNaming(ConversationStore store, HeldLease lease, StoredVersion version, Function<CodexClient, String> whereabouts) {
        this.store = store;
        this.lease = lease;
        this.version = version;
        this.whereabouts = whereabouts;
    }

    /** Stores {@code c} again naming the app-server {@code to} reaches, unless it names it already or that has no address. */
    void name(CodexClient to, StoredConversation c) {
        String where = whereabouts.apply(to);
        if (where != null && !AwakeOn.names(c, where)) {
            version.known(store.put(lease.current(), c.toBuilder().settings(AwakeOn.settings(where)).build()).version());
        }
        named = where;
    }

    /** {@link #name} for a thread resumed where it is loaded, when the last store did not name that app-server. */
    void nameWhereLoaded(CodexClient to, String threadId) {
        String where = whereabouts.apply(to);
        if (version.get() == 0 || where == null || where.equals(named)) {
            return;
        }
        store.get(threadId).ifPresent(c -> name(to, c));
    }

    /** The store wrote {@code stored}: the app-server it names, if any. */
    void storedAs(StoredConversation stored) {
        named = AwakeOn.read(stored).map(Object::toString).orElse(null);
    }

    /** A fresh thread took the conversation's place: nothing is named for it yet. */
    void forget() {
        named = null;
    }
}
