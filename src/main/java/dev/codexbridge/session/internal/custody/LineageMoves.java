package dev.codexbridge.session.internal.custody;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.lineage.ExportedRollouts;
import dev.codexbridge.store.RolloutFile;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * How a thread's lineage and records go out of one codex and into another, through codex's own
 * methods: {@link ThreadLineageMoves} in the library, a fake in tests. Every method blocks on codex.
 */
public interface LineageMoves {
    /** The thread's rollout lineage on {@code from}, once codex has written {@code lastTurnId}'s end (null: no turn to wait for). */
    List<RolloutFile> export(CodexClient from, String threadId, @Nullable String lastTurnId);

    /** {@link #export} after a turn, reading the files at {@code previousPaths} again when the thread still writes the same rollout. */
    List<RolloutFile> exportAfterTurn(CodexClient from, String threadId, String turnId, List<String> previousPaths);

    /**
     * The export after {@code turnId} as appends to {@code before}, the files' new bytes only, read
     * where this host sees {@code from}'s home; empty when only a whole export can tell (an
     * app-server this host does not share a disk with, or anything not as remembered).
     */
    default Optional<ExportedRollouts.Appended> exportAppended(CodexClient from, String threadId, String turnId, ExportedRollouts before) {
        return Optional.empty();
    }

    /**
     * Drops what {@code to} keeps of the thread before an import replaces its files; nothing when
     * it has no record of it. Codex keeps each thread's history apart from its rollout as well
     * (0.169.0: {@code thread_history_1.sqlite}) and does not read a replaced file again: without
     * this, {@code thread/read} after the import shows the turns of the copy it replaced.
     */
    void forget(CodexClient to, String threadId);

    /** {@link #forget} without a thread waiting for codex's answer: done when codex has answered. */
    default CompletableFuture<Void> forgetAsync(CodexClient from, String threadId) {
        forget(from, threadId);
        return CompletableFuture.completedFuture(null);
    }

    /** Writes {@code lineage}, {@code threadId}'s, into {@code to}'s home, each file whole; never another thread's rollout. */
    void importInto(CodexClient to, String threadId, List<RolloutFile> lineage);

    /** Removes {@code lineage}'s files (and nothing else) from {@code from}'s home. */
    void remove(CodexClient from, List<RolloutFile> lineage);

    /** The thread's name and goal objective on {@code from}, to be set again after a move. */
    Records records(CodexClient from, String threadId);

    /** Sets name and goal again on {@code to}, once the thread is resumed there (the goal paused: an active one starts work at once). */
    void restore(CodexClient to, String threadId, Records records);

    /**
     * When codex on {@code on} last wrote each of {@code relativePaths}, in milliseconds, in their
     * order; empty when any is not there or has no time. A sleep records them; a wake back there
     * resumes codex's copy only when they are still the same.
     */
    default Optional<List<Long>> modifiedTimes(CodexClient on, String threadId, List<String> relativePaths) {
        return Optional.empty();
    }

    /** Whether {@code from} has the thread loaded (it still could write it). */
    boolean loaded(CodexClient from, String threadId);

    /** What codex keeps of a thread outside its rollouts. */
    record Records(@Nullable String name, @Nullable String goal) {
        public static final Records NONE = new Records(null, null);
    }
}
