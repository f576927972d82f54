package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * What the disk store removes: a deleted conversation and a version a put replaced, each renamed
 * into the root's trash ({@code .trash-<uuid>}) in one step and then removed; the temporary
 * files of puts a crash cut short; and, when the store opens, whatever crashes left of both.
 * Nothing there is trusted either (issue 73): a folder is taken apart without recursion, whatever
 * its depth ({@link DiskRemoval}), and a removal stops after {@link #MAX_REMOVED} entries, leaving the
 * rest for the next open.
 */
final class DiskTrash {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    private static final String TMP = DiskConversationStore.TMP;
    private static final String TRASH = DiskRemoval.TRASH;
    /** How long a close waits for the older versions still to be removed. */
    private static final Duration REMOVER_DRAIN = Duration.ofSeconds(30);
    /**
     * The most entries one removal takes apart (an open: all it removes together, in seconds at
     * most); what is left stays in the trash for the next open. A store's own trash (a conversation,
     * an earlier release's version folder) holds far fewer.
     */
    static final long MAX_REMOVED = 100_000;
    /** The temporaries one change removes; the rest at its next change. */
    private static final int BATCH = DiskRemoval.BATCH;

    private final Path root;
    private final boolean handles;
    private final DiskLocks locks;
    /**
     * Removes the versions puts replaced, off the puts' path (about a millisecond each for a
     * rollout of a few hundred KiB): one thread, started when there is one to remove and gone
     * once idle.
     */
    private final ThreadPoolExecutor remover = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
        Thread t = new Thread(task, "codex-bridge-store-remover");
        t.setDaemon(true);
        return t;
    });

    DiskTrash(Path root, boolean handles, DiskLocks locks) {
        this.root = root;
        this.handles = handles;
        this.locks = locks;
    }

    /** The threads that remove the versions puts replaced (a test holds them back). */
    void removerThreads(ThreadFactory threads) {
        remover.setThreadFactory(threads);
    }

    /** Waits (a while) for the versions puts replaced to be removed; the next open removes what is left. */
    void drain() {
        remover.shutdown();
        try {
            if (!remover.awaitTermination(REMOVER_DRAIN.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("older versions of stored conversations are still being removed as the store closes; the next open removes the rest");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Renames the entry {@code name} of the root into the store's trash in one step, durably, then
     * removes it ({@link DiskRemoval}); a crash in between, or more than it may remove now, leaves it
     * for the next open.
     */
    static void discard(DiskFolder top, String name) throws IOException {
        String trash = TRASH + UUID.randomUUID();
        top.move(name, top, trash);
        DiskRemoval.remove(top, trash, MAX_REMOVED);
    }

    /**
     * An entry of a conversation's folder no version needs (an older log, or a folder planted in its
     * place): a file removed at once, a folder renamed into the trash and removed.
     */
    static void discard(DiskFolder top, DiskFolder dir, String name) throws IOException {
        try {
            dir.delete(name);
        } catch (DirectoryNotEmptyException folder) {
            String trash = TRASH + UUID.randomUUID();
            dir.moveUnforced(name, top, trash);
            DiskRemoval.remove(top, trash, MAX_REMOVED);
        }
    }

    /**
     * A version a put replaced: renamed into the trash in one step, and removed once the put has
     * returned. The rename is not forced: should a crash undo it, the version is an older one
     * beside the newest, which readers pass over and the next put removes.
     */
    void discardLater(DiskFolder top, DiskFolder dir, String older) throws IOException {
        String trash = TRASH + UUID.randomUUID();
        dir.moveUnforced(older, top, trash);
        try {
            remover.execute(() -> {
                try (DiskFolder again = DiskFolder.open(root, handles)) {
                    DiskRemoval.remove(again, trash, MAX_REMOVED);
                } catch (IOException e) {
                    LOG.warn("an older version of a stored conversation could not be removed; the next open removes it: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException closing) {
            DiskRemoval.remove(top, trash, MAX_REMOVED);
        }
    }

    /**
     * Removes the temporary files and folders of puts a crash cut short from the conversation's
     * folder (at most {@link #BATCH} a call, the rest at its next change); called under the
     * conversation's lock, so none is being written. Returns what is left of {@code budget}.
     */
    static long removeTemporaries(DiskFolder top, @Nullable DiskFolder dir, long budget) throws IOException {
        if (dir == null) {
            return budget;
        }
        long left = budget;
        int seen = 0;
        for (String name : dir.names()) {
            if (name.startsWith(TMP) && seen++ < BATCH && left > 0) {
                try {
                    dir.delete(name);
                    left--;
                } catch (DirectoryNotEmptyException folder) {
                    String trash = TRASH + UUID.randomUUID();
                    dir.moveUnforced(name, top, trash);
                    left = DiskRemoval.remove(top, trash, left);
                } catch (IOException e) {
                    // nothing reads a temporary: one that cannot be removed is left, and the change goes on
                    LOG.warn("a temporary entry {} of a stored conversation could not be removed and is left there: {}", name, e.toString());
                }
            }
        }
        return left;
    }

    /**
     * What crashes left in the whole store: deleted conversations and replaced versions not yet
     * removed, puts cut short (skipped while their conversation is locked); at most
     * {@link #MAX_REMOVED} entries in all, the rest logged and left for the next open.
     */
    void removeLeftovers() throws IOException {
        long[] left = {MAX_REMOVED};
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            for (String name : top.names()) {
                if (left[0] <= 0) {
                    LOG.warn("the conversation store in {} holds more leftovers than an open removes ({} entries); the next open goes on", root,
                            MAX_REMOVED);
                    return;
                }
                try {
                    if (name.startsWith(TRASH)) {
                        left[0] = DiskRemoval.remove(top, name, left[0]);
                    } else if (name.startsWith(TMP) && name.length() > TMP.length() + 36
                            && RolloutFile.isThreadId(name.substring(TMP.length(), TMP.length() + 36))) {
                        whileUnlocked(name.substring(TMP.length(), TMP.length() + 36), () -> left[0] = DiskRemoval.remove(top, name, left[0]));
                    } else if (RolloutFile.isThreadId(name) && hasTemporaries(top, name)) {
                        whileUnlocked(name, () -> {
                            try (DiskFolder dir = top.folder(name)) {
                                left[0] = removeTemporaries(top, dir, left[0]);
                            }
                        });
                    }
                } catch (IOException e) {
                    // whatever one entry is, the store opens
                    LOG.warn("{} in the conversation store's folder could not be cleaned up as the store opened and is left there: {}", name,
                            e.toString());
                }
            }
        }
    }

    /** Runs {@code work} under the lock of {@code threadId} unless another process is changing it (its next change cleans up). */
    private void whileUnlocked(String threadId, Cleanup work) throws IOException {
        DiskLocks.Held held;
        try {
            held = locks.hold(threadId, Duration.ofMillis(100));
        } catch (ConversationStoreException busy) {
            return;
        }
        try {
            work.run();
        } finally {
            held.close();
        }
    }

    @FunctionalInterface
    private interface Cleanup {
        void run() throws IOException;
    }

    private static boolean hasTemporaries(DiskFolder top, String name) {
        try (DiskFolder dir = top.folder(name)) {
            return dir.names().stream().anyMatch(entry -> entry.startsWith(TMP));
        } catch (IOException e) {
            // gone, or not a folder the store made: the conversation's own calls refuse it
            return false;
        }
    }
}
