package dev.codexbridge.session;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.lineage.ThreadLineage;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.ThreadDeleteParams;
import dev.codexbridge.protocol.ThreadGoal;
import dev.codexbridge.protocol.ThreadGoalGetParams;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadStatus;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.store.RolloutFile;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;

/** {@link LineageMoves} through codex's own methods ({@link ThreadLineage}: {@code fs/*}, {@code thread/*}). */
final class ThreadLineageMoves implements LineageMoves {
    private static final Logger LOG = SafeLogger.getLogger(ThreadLineageMoves.class);
    /** The connections with a sleep's {@code thread/delete} in flight. */
    private static final Map<CodexClient, Boolean> FORGETTING = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public List<RolloutFile> export(CodexClient from, String threadId, String lastTurnId) {
        return ThreadLineage.export(from, threadId, lastTurnId, from.requestTimeout());
    }

    @Override
    public List<RolloutFile> exportAfterTurn(CodexClient from, String threadId, String turnId, List<String> previousPaths) {
        return ThreadLineage.exportAfterTurn(from, threadId, turnId, previousPaths, from.requestTimeout());
    }

    @Override
    public void forget(CodexClient to, String threadId) {
        try {
            to.threadDelete(new ThreadDeleteParams(threadId));
        } catch (RpcException answered) {
            // codex has no record of it (a home never used for it, or lost): nothing to drop
            LOG.debug("codex kept nothing of thread {} to drop before the import: {}", threadId, answered.getMessage());
        }
    }

    /**
     * A sleep's drop of codex's record, one at a time per connection: codex 0.169.0 runs {@code
     * thread/delete}s one after another, about 185 ms each for a thread it had, and a {@code
     * thread/read} sent meanwhile waits for the one running (10 at once took 1.8 s). Under churn a
     * queue of them would hold up the wakes there. While one is in flight the sleep sends none:
     * the next import onto that app-server drops the record first, as every import does.
     */
    @Override
    public CompletableFuture<Void> forgetAsync(CodexClient from, String threadId) {
        if (FORGETTING.putIfAbsent(from, Boolean.TRUE) != null) {
            LOG.debug("a thread/delete is in flight on this connection: thread {}'s record is left to the next import there", threadId);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> forgotten;
        try {
            forgotten = from.requestAsync(ClientRequests.THREAD_DELETE, new ThreadDeleteParams(threadId)).thenApply(deleted -> null);
        } catch (RuntimeException e) {
            FORGETTING.remove(from);
            throw e;
        }
        return forgotten.whenComplete((x, failure) -> FORGETTING.remove(from));
    }

    @Override
    public void importInto(CodexClient to, List<RolloutFile> lineage) {
        ThreadLineage.importInto(to, lineage, to.requestTimeout());
    }

    @Override
    public void remove(CodexClient from, List<RolloutFile> lineage) {
        ThreadLineage.remove(from, lineage, from.requestTimeout());
    }

    @Override
    public Records records(CodexClient from, String threadId) {
        CodexThread thread = from.threadRead(new ThreadReadParams(false, threadId)).thread();
        String goal = null;
        try {
            ThreadGoal g = from.threadGoalGet(new ThreadGoalGetParams(threadId)).goal();
            goal = g == null ? null : g.objective();
        } catch (RpcException noGoal) {
            // a thread without a goal, or a codex without goals: nothing to set again
        }
        return new Records(thread.name(), goal);
    }

    @Override
    public void restore(CodexClient to, String threadId, Records records) {
        ThreadLineage.restore(to, threadId, records.name(), records.goal(), to.requestTimeout());
    }

    @Override
    public boolean loaded(CodexClient from, String threadId) {
        ThreadStatus status = from.threadRead(new ThreadReadParams(false, threadId)).thread().status();
        return !(status instanceof ThreadStatus.NotLoaded);
    }
}
