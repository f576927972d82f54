package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import java.io.IOException;
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
 * folders of puts a crash cut short; and, when the store opens, whatever crashes left of both.
 */
final class DiskTrash {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    private static final String TMP = DiskConversationStore.TMP;
    private static final String TRASH = ".trash-";
    /** How long a close waits for the older versions still to be removed. */
    private static final Duration REMOVER_DRAIN = Duration.ofSeconds(30);

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
     * removes it; a crash in between leaves it for the next open.
     */
    static void discard(DiskFolder top, String name) throws IOException {
        String trash = TRASH + UUID.randomUUID();
        top.move(name, top, trash);
        top.delete(trash);
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
                    again.delete(trash);
                } catch (IOException e) {
                    LOG.warn("an older version of a stored conversation could not be removed; the next open removes it: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException closing) {
            top.delete(trash);
        }
    }

    /** Removes the temporary folders of puts a crash cut short; called under the conversation's lock, so none is being written. */
    static void removeTemporaries(@Nullable DiskFolder dir) throws IOException {
        if (dir == null) {
            return;
        }
        for (String name : dir.names()) {
            if (name.startsWith(TMP)) {
                dir.delete(name);
            }
        }
    }


    /**
     * What crashes left in the whole store: deleted conversations and replaced versions not yet
     * removed, puts cut short (skipped while their conversation is locked).
     */
    void removeLeftovers() throws IOException {
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            for (String name : top.names()) {
                if (name.startsWith(TRASH)) {
                    top.delete(name);
                } else if (name.startsWith(TMP) && name.length() > TMP.length() + 36
                        && RolloutFile.isThreadId(name.substring(TMP.length(), TMP.length() + 36))) {
                    whileUnlocked(name.substring(TMP.length(), TMP.length() + 36), () -> top.delete(name));
                } else if (RolloutFile.isThreadId(name) && hasTemporaries(top, name)) {
                    whileUnlocked(name, () -> {
                        try (DiskFolder dir = top.folder(name)) {
                            DiskTrash.removeTemporaries(dir);
                        }
                    });
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
