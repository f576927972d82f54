package dev.codexbridge.lineage;

import dev.codexbridge.FailureKind;
import dev.codexbridge.store.RolloutFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * {@link ThreadLineage#importInto} where this host shares the disk of the app-server's home
 * ({@link ExportedRollouts#localSessions}: a codex it started itself). Each file is written straight
 * into {@code sessions/} under a temporary name in its folder, forced to the disk and renamed over
 * its name: one local write in place of a base64 {@code fs/writeFile}, two read-backs and an
 * {@code fs/copy}, which were most of a move's cost (issue 63). A rename is whole or not at all, so
 * nothing is read back.
 *
 * <p>The home is codex's, not the host's: every folder on the way must be a folder, never a link,
 * and a name that is not one refuses the import before anything is written — a link planted in a
 * home never has the host write elsewhere. A fork source's file there is kept or refused as over
 * the network ({@link ThreadLineage#importInto}).
 */
final class LocalImport {
    private LocalImport() {
    }

    static void write(Path sessions, String threadId, List<RolloutFile> all) {
        List<RolloutFile> toWrite = new ArrayList<>(all.size());
        for (RolloutFile file : all) {
            Path target = within(sessions, file, threadId);
            requireFoldersOrAbsent(sessions, target.getParent(), threadId);
            if (file.threadId().equals(threadId) || !sourceKept(target, file, threadId)) {
                toWrite.add(file);
            }
        }
        for (RolloutFile file : toWrite) {
            byte[] bytes = ThreadLineage.checked(file, threadId);
            Path target = within(sessions, file, threadId);
            Path folder = folders(sessions, target.getParent(), threadId);
            Path temporary = folder.resolve(".import-" + UUID.randomUUID() + ".partial");
            try {
                try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    out.force(true);
                }
                // a rename replaces the name itself, a link there included, never what it points to
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the failure below is what the caller needs; a stray .partial file codex ignores
                }
                throw new LineageException(threadId, "rollout sessions/" + file.relativePath() + " could not be written into codex's home ("
                        + e + "); the files written before it stay, as over the network", e, FailureKind.OTHER);
            }
        }
    }

    /** The file's place under {@code sessions}, which its name cannot leave. */
    private static Path within(Path sessions, RolloutFile file, String threadId) {
        Path target = file.resolveIn(sessions).normalize();
        if (!target.startsWith(sessions) || target.getNameCount() <= sessions.getNameCount()) {
            throw new LineageException(threadId, "rollout " + file.relativePath() + " names no file under sessions/; nothing was written");
        }
        return target;
    }

    /** Whether a fork source's file is there with the lineage's bytes first (kept); refused when it has others. */
    private static boolean sourceKept(Path target, RolloutFile file, String threadId) {
        byte[] there;
        try {
            BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw refusedSource(file, threadId, "is not a regular file there");
            }
            try (FileChannel in = FileChannel.open(target, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer read = ByteBuffer.allocate((int) Math.min(in.size(), file.size()));
                while (read.hasRemaining() && in.read(read) > 0) {
                    // up to the lineage's length: a fork reads its source only up to the fork
                }
                there = Arrays.copyOf(read.array(), read.position());
            }
        } catch (NoSuchFileException absent) {
            return false;
        } catch (IOException e) {
            throw new LineageException(threadId, "rollout sessions/" + file.relativePath() + " could not be read in codex's home (" + e
                    + "); nothing was written", e, FailureKind.OTHER);
        }
        byte[] bytes = ThreadLineage.checked(file, threadId);
        if (there.length < bytes.length || !Arrays.equals(there, 0, bytes.length, bytes, 0, bytes.length)) {
            throw refusedSource(file, threadId, "is there with other bytes");
        }
        return true;
    }

    private static LineageException refusedSource(RolloutFile file, String threadId, String what) {
        return new LineageException(threadId, "rollout sessions/" + file.relativePath() + " of thread " + file.threadId() + ", a fork source of "
                + threadId + ", " + what + "; another thread's rollout is not replaced, and nothing was written");
    }

    /** Every existing name from {@code sessions} down to {@code folder} is a folder, not a link; missing ones are fine here. */
    private static void requireFoldersOrAbsent(Path sessions, Path folder, String threadId) {
        Path p = sessions;
        for (Path name : sessions.relativize(folder)) {
            p = p.resolve(name);
            if (!isFolder(p, threadId)) {
                return;
            }
        }
    }

    /** Creates what is missing from {@code sessions} down to {@code folder}, each name checked as a folder, not a link. */
    private static Path folders(Path sessions, Path folder, String threadId) {
        Path p = sessions;
        for (Path name : sessions.relativize(folder)) {
            p = p.resolve(name);
            if (!isFolder(p, threadId)) {
                try {
                    Files.createDirectory(p);
                } catch (FileAlreadyExistsException raced) {
                    isFolder(p, threadId);      // made meanwhile: it must still be a folder
                } catch (IOException e) {
                    throw new LineageException(threadId, "folder " + p + " could not be made in codex's home (" + e + ")", e, FailureKind.OTHER);
                }
            }
        }
        return folder;
    }

    /** Whether {@code p} is there (then as a folder, not a link: anything else refuses the import); false when absent. */
    private static boolean isFolder(Path p, String threadId) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return false;
        } catch (IOException e) {
            throw new LineageException(threadId, p + " in codex's home could not be read (" + e + "); nothing was written", e, FailureKind.OTHER);
        }
        if (!a.isDirectory()) {
            throw new LineageException(threadId, p + " in codex's home is " + (a.isSymbolicLink() ? "a link" : "not a folder")
                    + "; the host writes no rollout through it, and nothing was written", null, FailureKind.INVALID_INPUT);
        }
        return true;
    }
}
