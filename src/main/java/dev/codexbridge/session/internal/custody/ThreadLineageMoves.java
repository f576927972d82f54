package dev.codexbridge.session.internal.custody;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.lineage.ExportedRollouts;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;

/** {@link LineageMoves} through codex's own methods ({@link ThreadLineage}: {@code fs/*}, {@code thread/*}). */
public final class ThreadLineageMoves implements LineageMoves {
    private static final Logger LOG = SafeLogger.getLogger(ThreadLineageMoves.class);

    @Override
    public List<RolloutFile> export(CodexClient from, String threadId, String lastTurnId) {
        return ThreadLineage.export(from, threadId, lastTurnId, from.requestTimeout());
    }

    @Override
    public List<RolloutFile> exportAfterTurn(CodexClient from, String threadId, String turnId, List<String> previousPaths) {
        return ThreadLineage.exportAfterTurn(from, threadId, turnId, previousPaths, from.requestTimeout());
    }

    @Override
    public Optional<ExportedRollouts.Appended> exportAppended(CodexClient from, String threadId, String turnId, ExportedRollouts before) {
        return before.readAppended(from, threadId, turnId);
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

    @Override
    public CompletableFuture<Void> forgetAsync(CodexClient from, String threadId) {
        return from.requestAsync(ClientRequests.THREAD_DELETE, new ThreadDeleteParams(threadId)).thenApply(deleted -> null);
    }

    @Override
    public void importInto(CodexClient to, String threadId, List<RolloutFile> lineage) {
        ThreadLineage.importInto(to, threadId, lineage, to.requestTimeout());
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
    public Optional<List<Long>> modifiedTimes(CodexClient on, String threadId, List<String> relativePaths) {
        return ThreadLineage.modifiedTimes(on, threadId, relativePaths, on.requestTimeout());
    }

    @Override
    public boolean loaded(CodexClient from, String threadId) {
        ThreadStatus status = from.threadRead(new ThreadReadParams(false, threadId)).thread().status();
        return !(status instanceof ThreadStatus.NotLoaded);
    }
}
