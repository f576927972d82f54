package dev.codexbridge.session.internal.custody;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The copies of a conversation its sleeps leave on app-servers (decision 0074): whether a wake
 * may resume the one codex kept where it slept, the files' times a sleep records, the copy's
 * files a sleep or a close removes, and the copy (files and codex's record) a later sleep
 * elsewhere drops. One per
 * {@link ThreadCustody}, run within its steps.
 */
public final class LeftCopies {
    private static final Logger LOG = SafeLogger.getLogger(LeftCopies.class);
    /** A failed drop is asked for once more after this: a recycle's old codex has exited by then (0.7 – 1.6 s measured). */
    private static final long ASK_AGAIN_MS = 3_000;

    private final LineageMoves moves;
    /** The codex home a connection reaches, as a sleep's record names it ({@link SleptOn#homeOf}). */
    private final Function<CodexClient, String> homes;
    /**
     * The connection this session's last sleep left the conversation's copy on, or null: the next
     * sleep elsewhere has codex there drop it, so a conversation that moves leaves at most one
     * copy behind per session.
     */
    private volatile CodexClient leftOn;
    /** The removal of this session's slept copy while it waits its turn among codex's drops, or null. */
    private volatile RecordDrops.@Nullable Drop waitingDrop;

    public LeftCopies(LineageMoves moves, Function<CodexClient, String> homes) {
        this.moves = moves;
        this.homes = homes;
    }

    /**
     * The session wakes or closes: the removal of its slept copy, still waiting for codex's other
     * drops ({@link RecordDrops}), is not started; the copy stays, as when its keep has not run out.
     */
    public void withdrawWaitingDrop() {
        RecordDrops.Drop drop = waitingDrop;
        if (drop != null) {
            drop.withdraw();
            waitingDrop = null;
        }
    }

    /** A fresh thread replaced the one this session held: no copy of it is left anywhere by this session. */
    public void forget() {
        leftOn = null;
    }

    /**
     * A sleep stored the conversation from {@code from} and codex there unloaded it: its copy stays
     * there when the record says it slept there ({@code sleptOn}), else it is removed; the copy an
     * earlier sleep left on another app-server goes.
     */
    public CompletableFuture<Void> left(CodexClient from, String threadId, List<RolloutFile> lineage, boolean sleptOn) {
        CodexClient before = leftOn;
        leftOn = sleptOn ? from : null;
        CompletableFuture<Void> forgotten = sleptOn ? CompletableFuture.completedFuture(null) : removeCopy(from, threadId, lineage);
        if (before != null && before != from) {
            forgotten = forgotten.thenComposeAsync(x -> dropLeftCopy(before, threadId), RpcThreads.stores());
        }
        return forgotten;
    }

    /**
     * The copy a sleep that stored {@code sleptVersion} left on {@code from}, once its
     * {@link ConversationStorage#keepSleptCopy} ran out (decision 0121): its rollout files there go,
     * unless another host holds the conversation (it may be waking it there), the store holds a
     * newer version (a later sleep's copy is its own to keep), codex has the thread loaded, or the
     * files changed since. Leased meanwhile under the storage's holder name, so no wake finds its
     * files going. Codex's own record of the thread stays ({@link #removeCopy}) unless codex is
     * {@linkplain #recycled recycled}.
     */
    public CompletableFuture<Void> removeSlept(CodexClient from, String threadId, long sleptVersion, ConversationStore store,
                                               ConversationStorage storage, Duration leaseTime) {
        if (recycled(from)) {
            RecordDrops.Drop drop = RecordDrops.of(from).run(() -> removeSlept(from, threadId, sleptVersion, store, storage,
                    leaseTime, true));
            if (drop != null) {
                waitingDrop = drop;
                return drop.done();
            }
            LOG.debug("conversation {}: codex has {} record drops waiting; its record of it stays", threadId, RecordDrops.MAX_WAITING);
        }
        return removeSlept(from, threadId, sleptVersion, store, storage, leaseTime, false);
    }

    /** {@link #removeSlept}, codex's record dropped too when {@code drop}; the lease taken only now. */
    private CompletableFuture<Void> removeSlept(CodexClient from, String threadId, long sleptVersion, ConversationStore store,
                                                ConversationStorage storage, Duration leaseTime, boolean drop) {
        ConversationLease held;
        try {
            held = store.lease(threadId, storage.holder(), leaseTime);
        } catch (RuntimeException e) {
            LOG.debug("conversation {}: its copy where it slept stays, the store's lease was not had", threadId, e);
            return CompletableFuture.completedFuture(null);
        }
        // codex's answer to a thread/delete is awaited without a store thread (two, shared by every session's steps)
        CompletableFuture<Void> forgotten = CompletableFuture.completedFuture(null);
        try {
            Optional<StoredConversation> c = store.get(threadId);
            if (c.isPresent() && c.get().version() == sleptVersion && !moves.loaded(from, threadId) && sleptThere(from, threadId, c.get())) {
                if (drop) {
                    forgotten = forgetThenRemove(from, threadId, c.get().lineage());
                } else {
                    moves.remove(from, c.get().lineage());
                }
                LOG.debug("conversation {}: codex's copy where it slept was removed after {}; the store's (version {}) is the one at rest",
                        threadId, storage.keepSleptCopy(), sleptVersion);
            }
        } catch (RuntimeException e) {
            LOG.debug("conversation {}: its copy where it slept could not be removed; the next import there replaces it", threadId, e);
        }
        return forgotten.thenRunAsync(() -> {
            try {
                store.release(held);
            } catch (RuntimeException e) {
                LOG.debug("conversation {}: the lease taken to remove its slept copy runs out by itself", threadId, e);
            }
        }, RpcThreads.stores());
    }

    /**
     * Whether {@code c} is the record a sleep on {@code to}'s home wrote ({@link SleptOn}) and codex
     * there has written none of its files since: then codex's copy and its own record of the
     * thread are exactly the store's, and the resume needs nothing imported or dropped. A file
     * gone, written since, or a time codex cannot give means an import, as for any other place.
     */
    public boolean sleptThere(CodexClient to, String threadId, StoredConversation c) {
        Optional<SleptOn> slept = SleptOn.read(c);
        if (slept.isEmpty() || !slept.get().wrote(c, homes.apply(to))) {
            return false;
        }
        try {
            Optional<List<Long>> now = moves.modifiedTimes(to, threadId, c.lineage().stream().map(RolloutFile::relativePath).toList());
            if (now.isPresent() && now.get().equals(slept.get().modified())) {
                return true;
            }
            // gone is the usual case once keepSleptCopy ran out (decision 0121): no line an operator needs at every such wake
            LOG.debug("conversation {} slept on this app-server, but its files there are gone or were written since: "
                    + "the store's copy (version {}) is imported", threadId, c.version());
            return false;
        } catch (RuntimeException e) {
            LOG.debug("conversation {}: its files' times could not be read where it slept; the store's copy is imported", threadId, e);
            return false;
        }
    }

    /**
     * When codex on {@code from} last wrote each file at {@code paths} (the lineage as last stored or imported);
     * null when that is unknown (no paths yet, no home to name, a file gone, codex could not say):
     * the sleep then records no place to wake back to.
     */
    public List<Long> fileTimes(CodexClient from, String threadId, List<String> paths) {
        if (paths.isEmpty() || homes.apply(from) == null) {
            return null;
        }
        try {
            return moves.modifiedTimes(from, threadId, paths).orElse(null);
        } catch (RuntimeException e) {
            LOG.debug("conversation {}: its files' times could not be read; its sleep removes them", threadId, e);
            return null;
        }
    }

    /**
     * Removes the files of the copy on {@code from} that a sleep recording no place (or a close)
     * leaves behind. Codex's own record of the thread there stays: asking codex to drop it
     * ({@code thread/delete}) at every close made codex 0.171.0 keep about 100 KiB of memory per
     * conversation until it was started again (issue 80, decision 0116), and an import there drops
     * it first all the same, should the conversation ever come back. Where codex is
     * {@linkplain #recycled recycled} it is dropped too, before the files ({@link #forgetThenRemove}).
     */
    private CompletableFuture<Void> removeCopy(CodexClient from, String threadId, List<RolloutFile> lineage) {
        if (!from.isOpen()) {
            // closed since codex said it unloaded the thread: a request now would wait for the reconnect;
            // a stale copy left there is overwritten by the next import
            LOG.info("conversation {} is stored; its connection closed, so its files stay on the app-server it left", threadId);
            return CompletableFuture.completedFuture(null);
        }
        if (recycled(from)) {
            RecordDrops.Drop drop = RecordDrops.of(from).run(() -> forgetThenRemove(from, threadId, lineage));
            if (drop != null) {
                return drop.done();
            }
            LOG.debug("conversation {}: codex has {} record drops waiting; its record of it stays", threadId, RecordDrops.MAX_WAITING);
        }
        try {
            moves.remove(from, lineage);
        } catch (RuntimeException e) {
            filesStayed(from, threadId, e);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The store holds the conversation: a stale copy left on {@code from} is overwritten by the next import there. */
    private static void filesStayed(CodexClient from, String threadId, RuntimeException e) {
        if (from.isOpen()) {
            LOG.warn("conversation {} is stored, but its files could not be removed from the app-server it left", threadId, e);
        } else {
            LOG.debug("conversation {} is stored; its connection closed before its files were removed there", threadId);
        }
    }

    /**
     * Codex on {@code from} drops its record of the thread and the thread's rollout
     * ({@code thread/delete}), then whatever of {@code lineage} is still there goes. In this order
     * because codex 0.171.0 looks for a rollout removed before it for about 200 ms (four tries)
     * and answers one such request at a time: removed after, a drop takes 25 – 40 ms on a quiet
     * codex (decision 0135). The files' removal runs on a store thread once codex has answered, or
     * failed; after a timeout they are left to codex, which still has the drop queued.
     */
    private CompletableFuture<Void> forgetThenRemove(CodexClient from, String threadId, List<RolloutFile> lineage) {
        return forgetLeft(from, threadId).thenAcceptAsync(stillQueued -> {
            if (stillQueued) {
                return;     // codex removes the rollout itself when it gets to it: removed now, it would look for it first
            }
            try {
                moves.remove(from, lineage);
            } catch (RuntimeException e) {
                filesStayed(from, threadId, e);
            }
        }, RpcThreads.stores());
    }

    /**
     * Whether {@code from}'s codex is started again by a bound ({@code AppServerRecycle}, decision
     * 0133): then a copy's removal also has codex drop its record of the thread
     * ({@code thread/delete}: its row in codex's state database and its rows in codex's log
     * database, 25 – 70 per one-turn conversation, kept ten days otherwise). The memory codex
     * keeps for that drop (decision 0116) goes with the next recycle; without one it would stay
     * for the life of the process, so the record stays instead.
     */
    private static boolean recycled(CodexClient from) {
        return from.options().launch() != null && from.options().launch().recycle().enabled();
    }

    /**
     * The copy an earlier sleep of this session left on {@code there}, which the conversation has
     * since left: codex there drops it (files and record), unless it has the thread loaded, before
     * the lease goes back, so no other host wakes it there meanwhile. A connection closed keeps it
     * until the next import there replaces it.
     */
    private CompletableFuture<Void> dropLeftCopy(CodexClient there, String threadId) {
        try {
            if (!there.isOpen() || moves.loaded(there, threadId)) {
                LOG.debug("conversation {}: the copy an earlier sleep left on another app-server stays there", threadId);
                return CompletableFuture.completedFuture(null);
            }
        } catch (RuntimeException e) {
            LOG.debug("conversation {}: the copy an earlier sleep left on another app-server stays there", threadId, e);
            return CompletableFuture.completedFuture(null);
        }
        return forgetLeft(there, threadId).thenApply(stillQueued -> null);
    }

    /**
     * Codex there drops the copy an earlier sleep left and its own record of the thread
     * ({@code thread/delete}, which removes codex's files and record there), now, while
     * the conversation sleeps. Once per move, not per conversation (per conversation only where
     * codex is {@linkplain #recycled recycled}): each such drop costs codex memory it keeps until
     * it starts again ({@link #removeCopy}). Asked without holding a store
     * thread meanwhile (two by default, shared by every session's stores and wakes). Best effort:
     * an import there drops whatever is left. True when codex did not answer in time: it still
     * has the drop queued.
     */
    private CompletableFuture<Boolean> forgetLeft(CodexClient from, String threadId) {
        long asked = System.nanoTime();
        return ask(from, threadId).handle((x, failure) -> failure == null ? CompletableFuture.<Void>completedFuture(null)
                : Futures.unwrap(failure) instanceof dev.codexbridge.rpc.RpcTimeoutException ? CompletableFuture.<Void>failedFuture(failure)
                : askAgainLater(from, threadId)).thenCompose(again -> again).handle((x, failure) -> {
                    if (failure == null) {
                        LOG.debug("conversation {}: codex dropped its record of it in {} ms", threadId, (System.nanoTime() - asked) / 1_000_000);
                        return false;
                    }
                    LOG.debug("conversation {} left its app-server, whose record of it stays until an import there drops it", threadId,
                            Futures.unwrap(failure));
                    return Futures.unwrap(failure) instanceof dev.codexbridge.rpc.RpcTimeoutException;
                });
    }

    private CompletableFuture<Void> ask(CodexClient from, String threadId) {
        try {
            return moves.forgetAsync(from, threadId);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Once more, {@link #ASK_AGAIN_MS} later: a recycle under way fails a drop (the old codex exits
     * before it answers, or still holds the thread's writer when the fresh one is asked). Not after
     * a timeout: codex has the drop queued still, and asking again would only add to its queue.
     */
    private CompletableFuture<Void> askAgainLater(CodexClient from, String threadId) {
        CompletableFuture<Void> later = new CompletableFuture<>();
        try {
            RpcThreads.timer().schedule(() -> later.complete(null), ASK_AGAIN_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            return CompletableFuture.failedFuture(shuttingDown);
        }
        return later.thenCompose(x -> from.isOpen() ? ask(from, threadId)
                : CompletableFuture.failedFuture(new IllegalStateException("its connection closed")));
    }
}
