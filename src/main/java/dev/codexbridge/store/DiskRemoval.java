package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;

/**
 * Takes apart an entry of the disk store's root that {@link DiskTrash} removes, whatever it holds
 * (issue 73): with no recursion, at most {@link #MAX_OPEN} folders open at a time, and a folder
 * deeper than that renamed into the root as trash of its own and taken apart after; so no depth
 * planted there runs out of stack or open files. A removal stops after a number of entries, or at
 * one that cannot be removed, and leaves the rest in the root's trash for the next open, logged.
 */
final class DiskRemoval {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    static final String TRASH = ".trash-";
    /** Folders held open at once while one is taken apart. */
    static final int MAX_OPEN = 32;
    /** Names read from a folder at once. */
    static final int BATCH = 1024;

    private DiskRemoval() {
    }

    /**
     * Removes the root's entry {@code name} and everything in it, at most {@code budget} entries;
     * returns what is left of {@code budget}. Never fails: what it cannot remove is logged and left.
     */
    static long remove(DiskFolder top, String name, long budget) {
        Deque<String> queue = new ArrayDeque<>();
        queue.add(name);
        long left = budget;
        while (!queue.isEmpty()) {
            String next = queue.poll();
            if (left <= 0) {
                LOG.warn("{} and {} more entries in the trash of the conversation store are left for its next open (at most {} removed at once)",
                        next, queue.size(), budget);
                return 0;
            }
            try {
                left = removeTree(top, next, left, queue);
            } catch (IOException e) {
                LOG.warn("{} in the conversation store's folder could not be removed and is left there: {}", next, e.toString());
            }
        }
        return left;
    }

    /** A folder held open during the walk, and its name in the folder above. */
    private record Level(DiskFolder folder, String name) {
    }

    /** Removes the root's entry {@code name}, depth first; a folder past {@link #MAX_OPEN} is queued as trash of its own. */
    private static long removeTree(DiskFolder top, String name, long budget, Deque<String> queue) throws IOException {
        long left = budget;
        try {
            top.delete(name);
            return left - 1;
        } catch (DirectoryNotEmptyException folder) {
            // taken apart below
        }
        Deque<Level> open = new ArrayDeque<>();
        try {
            try {
                open.push(new Level(top.folder(name), name));
            } catch (NoSuchFileException gone) {
                return left;
            }
            while (!open.isEmpty()) {
                Level here = open.peek();
                List<String> entries = here.folder().names(BATCH);
                if (entries.isEmpty()) {
                    open.pop().folder().close();
                    (open.isEmpty() ? top : open.peek().folder()).delete(here.name());
                    left--;
                    continue;
                }
                for (String entry : entries) {
                    if (left <= 0) {
                        queue.addFirst(name);
                        return 0;
                    }
                    try {
                        here.folder().delete(entry);
                        left--;
                    } catch (DirectoryNotEmptyException nested) {
                        if (open.size() < MAX_OPEN && here.folder().nearRoot(entry)) {
                            open.push(new Level(here.folder().folder(entry), entry));
                            break;
                        }
                        lift(here.folder(), entry, top, queue);
                        left--;
                    } catch (NoSuchFileException gone) {
                        // removed meanwhile (another store's open)
                    }
                }
            }
            return left;
        } finally {
            for (Level level : open) {
                level.folder().close();
            }
        }
    }

    /** Renames the folder {@code entry} of {@code folder} into the root as trash of its own, queued to be taken apart. */
    private static void lift(DiskFolder folder, String entry, DiskFolder top, Deque<String> queue) throws IOException {
        String lifted = TRASH + UUID.randomUUID();
        try {
            folder.moveUnforced(entry, top, lifted);
            queue.add(lifted);
        } catch (NoSuchFileException gone) {
            // removed meanwhile
        }
    }
}
