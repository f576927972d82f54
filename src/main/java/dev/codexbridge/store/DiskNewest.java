package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Reads a conversation's newest version from a {@link DiskConversationStore}'s folder, without a
 * lock: its log's last whole manifest, or the newest version folder a release before format 3
 * wrote. A put that lands meanwhile moves the log or version being read away, and it is read again.
 */
final class DiskNewest {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    private final Path root;
    private final StoreLimits limits;
    private final boolean handles;

    DiskNewest(Path root, StoreLimits limits, boolean handles) {
        this.root = root;
        this.limits = limits;
        this.handles = handles;
    }

    /** What {@code read} takes from the conversation's newest version; empty when none is stored. */
    <T> Optional<T> read(String threadId, LogReader<T> fromLog, VersionReader<T> fromFolder) {
        StoreChecks.threadId(threadId);
        // no lock: a put that lands meanwhile removes the log or version being read, which is then read again
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            for (int attempt = 0; ; attempt++) {
                DiskFolder dir;
                try {
                    dir = top.folder(threadId);
                } catch (NoSuchFileException never) {
                    return Optional.empty();
                }
                try (dir) {
                    Optional<T> read = newestIn(threadId, dir, fromLog, fromFolder, attempt == 20);
                    if (read != null) {
                        return read;
                    }
                }
            }
        } catch (IOException e) {
            throw DiskConversationStore.failed(root, threadId, "reading", e);
        }
    }

    /** What {@code read} takes from the newest version in {@code dir}; null when it was moved away meanwhile (read again). */
    private <T> @Nullable Optional<T> newestIn(String threadId, DiskFolder dir, LogReader<T> fromLog, VersionReader<T> fromFolder,
                                               boolean lastAttempt) throws IOException {
        List<String> names = DiskRecord.names(dir);
        List<String> logs = DiskLog.logs(names);
        String newest = logs.isEmpty() ? null : logs.get(0);
        try {
            if (newest != null) {
                // once open, the log reads whole even if a put replaces it: its bytes stay until it is closed
                try (DiskLog.Opened log = DiskLog.open(threadId, dir, newest, limits)) {
                    return Optional.of(fromLog.read(log));
                }
            }
            List<String> versions = DiskRecord.versions(names);
            if (versions.isEmpty()) {
                return Optional.empty();
            }
            newest = versions.get(0);
            try (DiskFolder version = dir.folder(newest)) {
                return Optional.of(fromFolder.read(version, newest));
            }
        } catch (NoSuchFileException e) {
            // a version in place is whole: a file missing there is missing, one moved away is read again
            if (stillThere(dir, newest) || lastAttempt) {
                throw new CorruptConversationException(threadId, "a file of the record is missing: " + e.getFile(), e);
            }
            return null;
        }
    }

    interface LogReader<T> {
        T read(DiskLog.Opened log) throws IOException;
    }

    interface VersionReader<T> {
        T read(DiskFolder version, String versionDir) throws IOException;
    }

    /** The summary of the conversation {@code id}; none when it has no version or cannot be read (logged, never waited on). */
    Optional<ConversationSummary> summary(DiskFolder top, String id) {
        try (DiskFolder dir = top.folder(id)) {
            Optional<ConversationSummary> found = newestIn(id, dir, log -> DiskLog.summary(id, log),
                    (version, name) -> DiskRecord.summary(id, version, name, limits), true);
            return found == null ? Optional.empty() : found;
        } catch (IOException | RuntimeException e) {
            // whatever one conversation's folder holds, the others are listed
            LOG.warn("stored conversation {} left out of the list: {}", id, e.toString());
            return Optional.empty();
        }
    }

    private static boolean stillThere(DiskFolder dir, String name) throws IOException {
        try {
            BasicFileAttributes found = dir.attributes(name);
            return found.isDirectory() || found.isRegularFile();
        } catch (NoSuchFileException gone) {
            return false;
        }
    }
}
