package dev.codexbridge.session.internal.custody;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.lineage.ExportedRollouts;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StaleAppendException;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.VersionConflictException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A turn stored as what it added (issue 63): the files' new bytes read against the last export
 * ({@link ExportedRollouts}) and put as appends ({@link ConversationStore#putAppending}). Empty
 * whenever the whole lineage must be exported and put instead: nothing remembered, paths that
 * changed, new bytes that could not be read as remembered, or a store that holds another base.
 */
public record AppendedTurn(StoredConversation stored, ExportedRollouts.Appended appended) {
    private static final Logger LOG = SafeLogger.getLogger(AppendedTurn.class);

    /**
     * Stores {@code lineage}, read whole after turn {@code turnId}: as appends to {@code before}
     * when it is that plus more (over a network the export reads whole files, but the store still
     * need not write them again), else whole. Returns the record stored and what to remember next.
     */
    public static AppendedTurn putRead(ConversationStore store, ConversationLease lease, String threadId, @Nullable ExportedRollouts before,
                                List<RolloutFile> lineage, Function<List<RolloutFile>, StoredConversation> record, int unanswered) {
        Optional<ExportedRollouts.Appended> appended = before == null ? Optional.empty() : before.appendedFrom(lineage);
        if (appended.isPresent()) {
            try {
                return new AppendedTurn(store.putAppending(lease, record.apply(lineage), appended.get().appends()), appended.get());
            } catch (StaleAppendException stale) {
                LOG.debug("conversation {} is stored whole: {}", threadId, stale.getMessage());
            } catch (VersionConflictException conflict) {
                if (!StoredVersion.ours(conflict, unanswered)) {
                    throw conflict;
                }
            }
        }
        ExportedRollouts next = ExportedRollouts.of(lineage);
        return new AppendedTurn(putWhole(store, lease, record.apply(lineage), unanswered),
                new ExportedRollouts.Appended(lineage, List.of(), next));
    }

    /**
     * {@code conversation} put whole; when the store answers that it holds another version that is
     * this lease holder's own ({@link StoredVersion#ours}, {@code unanswered} puts since the version
     * known went unanswered), codex's copy here holds every turn, so it is put again over the version
     * the store has: an older one (the store lost versions it had acknowledged: a database restarted
     * without its last commits, a failover to a standby they had not reached) or a newer one (a put
     * stored though its answer was lost). Any other newer version stays a conflict.
     */
    public static StoredConversation putWhole(ConversationStore store, ConversationLease lease, StoredConversation conversation,
                                              int unanswered) {
        try {
            return store.put(lease, conversation);
        } catch (VersionConflictException conflict) {
            if (!StoredVersion.ours(conflict, unanswered)) {
                throw conflict;
            }
            if (conflict.actual() < conflict.expected()) {
                LOG.warn("the store lost versions of conversation {} it had acknowledged (it holds version {}, this host stored {}): "
                        + "the conversation is stored again whole from codex's copy", conversation.threadId(), conflict.actual(),
                        conflict.expected());
            } else {
                LOG.info("the store holds version {} of conversation {}, written under this host's lease by a put whose answer was lost "
                        + "(this host knew version {}): the conversation is stored again whole from codex's copy over it",
                        conflict.actual(), conversation.threadId(), conflict.expected());
            }
            return store.put(lease, conversation.toBuilder().version(conflict.actual()).build());
        }
    }

    public static Optional<AppendedTurn> put(LineageMoves moves, ConversationStore store, ConversationLease lease, CodexClient from, String threadId,
                                      String turnId, @Nullable ExportedRollouts before, List<String> known,
                                      Function<List<RolloutFile>, StoredConversation> record, int unanswered) {
        if (before == null || !before.paths().equals(known)) {
            return Optional.empty();
        }
        Optional<ExportedRollouts.Appended> appended = moves.exportAppended(from, threadId, turnId, before);
        if (appended.isEmpty()) {
            return Optional.empty();
        }
        try {
            StoredConversation stored = store.putAppending(lease, record.apply(appended.get().lineage()), appended.get().appends());
            return Optional.of(new AppendedTurn(stored, appended.get()));
        } catch (StaleAppendException stale) {
            LOG.debug("conversation {} is stored whole: {}", threadId, stale.getMessage());
            return Optional.empty();
        } catch (VersionConflictException conflict) {
            if (!StoredVersion.ours(conflict, unanswered)) {
                throw conflict;
            }
            return Optional.empty();        // the store holds another version of this host's own: whole, over it
        }
    }
}
