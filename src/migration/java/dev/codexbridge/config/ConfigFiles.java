package dev.codexbridge.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reading and atomically replacing {@code config.toml}: a temp file in the same folder, fsync,
 * the original's permissions, an atomic rename, the temp removed on any failure. A symlinked
 * file is written through to its target, which must exist. Serialized across threads and
 * processes by a lock file that is never followed through a link. Every folder involved must be
 * writable by its owner only ({@link #refuseSharedFolders}): in a folder others can write, they
 * could swap the file or its lock for a link to any file of ours.
 */
final class ConfigFiles {
    static final String TEMP_PREFIX = ".config.toml.";
    static final String TEMP_SUFFIX = ".codex-bridge.tmp";
    static final String LOCK_NAME = ".config.toml.codex-bridge.lock";

    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /** A step between writing the temp file and renaming it over the target; tests inject failures here. */
    @FunctionalInterface
    interface BeforeRename {
        void run(Path temp) throws IOException;
    }

    private ConfigFiles() {
    }

    /**
     * The file that really gets written: the (absolute) target of a symlink, else the path itself.
     *
     * @throws ConfigMigrationException for a link to nothing: writing through it would create
     *                                  whatever file it names
     */
    static Path resolveTarget(Path configFile) throws IOException {
        List<Path> chain = linkChain(configFile);
        if (chain.size() == 1) {
            return configFile;
        }
        Path target = chain.get(chain.size() - 1);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new ConfigMigrationException(configFile + " is a symbolic link to " + target
                    + ", which does not exist; refusing to create a file where a link points. Create the file "
                    + "(it may be empty) or remove the link, then run again; nothing was changed");
        }
        return target;
    }

    /** {@code configFile}, then each path its symbolic links lead to; the last one is no link. */
    private static List<Path> linkChain(Path configFile) throws IOException {
        List<Path> chain = new ArrayList<>();
        Path p = configFile.toAbsolutePath();
        chain.add(p);
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
            Path link = Files.readSymbolicLink(p);
            p = p.getParent().resolve(link).normalize();
            chain.add(p);
        }
        if (Files.isSymbolicLink(p)) {
            throw new IOException("too many levels of symbolic links at " + configFile);
        }
        return chain;
    }

    private static final Set<PosixFilePermission> SHARED_WRITE = EnumSet.of(
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    /**
     * Refuses when the folder of {@code configFile}, or of any file its symbolic links lead to,
     * can be written by its group or by other users: they could replace the file, the link or the
     * lock file with a link to another of the user's files, which the migration would then
     * overwrite. Checked before the lock is taken. Folders that do not exist yet are created
     * owner-only by {@link #locked}; a file system without POSIX permissions is not checked.
     *
     * @throws ConfigMigrationException naming the folder and its permissions
     */
    static void refuseSharedFolders(Path configFile) throws IOException {
        for (Path p : linkChain(configFile)) {
            Path dir = p.getParent();
            if (dir == null || !Files.isDirectory(dir)
                    || Files.getFileAttributeView(dir, PosixFileAttributeView.class) == null) {
                continue;
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            if (!Collections.disjoint(perms, SHARED_WRITE)) {
                throw new ConfigMigrationException("refusing to write " + p.getFileName() + ": its folder " + dir
                        + " can be written by " + (perms.contains(PosixFilePermission.OTHERS_WRITE) ? "every user" : "its group")
                        + " (" + PosixFilePermissions.toString(perms) + "), who could swap the file or its lock for a link "
                        + "to another of your files; `chmod go-w " + dir + "` and run again; nothing was changed");
            }
        }
    }

    /** The file's text, or null if it does not exist. Not UTF-8 is an error. */
    static String read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not valid UTF-8, as TOML requires");
        }
    }

    /** The file system's identity of {@code file} itself (never a link's target), or null when it does not exist. */
    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }

    /**
     * Runs {@code body} holding the in-process and cross-process lock for {@code target}'s folder.
     * The lock file is removed again on every way out, so no migration, refused or not, leaves it
     * in the user's {@code CODEX_HOME}. Removing a lock file others may be waiting on is safe only
     * because the holder first marks it stale (one byte; a live lock file is empty): a waiter that
     * then gets the lock on the unlinked file sees the mark and starts over on a fresh one. A lock
     * path that is a symbolic link (or anything but a regular file) is refused, never followed:
     * truncating and marking it would write to whatever it names.
     */
    static <T> T locked(Path target, IoSupplier<T> body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        createOwnerOnly(dir);
        Path lockFile = dir.resolve(LOCK_NAME);
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try {
            while (true) {
                refuseUnusualLock(lockFile);
                Object before = fileKey(lockFile);
                try (FileChannel ch = openLock(lockFile);
                     FileLock ignored = ch.lock()) {
                    if (ch.size() > 0) {
                        if (before == null || !before.equals(fileKey(lockFile))) {
                            continue; // a holder removed this file after we opened it: lock a fresh one
                        }
                        // still the file at the path, yet marked: its holder died between marking and
                        // removing it; we hold the lock, so clear the mark instead of spinning on it
                        ch.truncate(0);
                    }
                    try {
                        removeStaleTemps(dir);
                        return body.get();
                    } finally {
                        ch.write(ByteBuffer.wrap(new byte[] {'x'}), 0);
                        try {
                            Files.deleteIfExists(lockFile);
                        } catch (IOException e) {
                            ch.truncate(0); // a platform that cannot delete an open file keeps it, unmarked
                        }
                    }
                }
            }
        } finally {
            jvmLock.unlock();
        }
    }

    private static void refuseUnusualLock(Path lockFile) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(lockFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return;
        }
        if (!a.isRegularFile()) {
            throw new ConfigMigrationException("refusing to use the lock file " + lockFile + ": it is "
                    + (a.isSymbolicLink() ? "a symbolic link" : "not a regular file")
                    + " (codex-bridge creates it as a plain empty file); remove it if no migration is running, "
                    + "then run again; nothing was changed");
        }
    }

    /** Opens (or creates) the lock file itself; a link put there after the check fails the open (O_NOFOLLOW). */
    private static FileChannel openLock(Path lockFile) throws IOException {
        try {
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
            if (Files.isSymbolicLink(lockFile)) {
                refuseUnusualLock(lockFile);
            }
            throw e;
        }
    }

    /** Creates {@code dir} and any missing parents owner-only where permissions exist, so the folder check passes later runs. */
    private static void createOwnerOnly(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && Files.getFileAttributeView(existing, PosixFileAttributeView.class) != null) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    @FunctionalInterface
    interface IoSupplier<T> {
        T get() throws IOException;
    }

    /**
     * Atomically replaces {@code target} with {@code text}. Call under {@link #locked}. With
     * {@code ownerOnly} the new file loses the old one's group and other bits.
     */
    static void write(Path target, String text, BeforeRename hook, boolean ownerOnly) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Set<PosixFilePermission> perms = permissionsOf(target);
        if (perms != null && ownerOnly) {
            perms = ownerPart(perms);
        }
        Path temp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (perms != null) {
                Files.setPosixFilePermissions(temp, perms);
            }
            hook.run(temp);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically", e);
            }
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Permissions to give the new file: the old file's, or owner-only for a new one (it may hold tokens). */
    private static Set<PosixFilePermission> permissionsOf(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (Files.getFileAttributeView(dir, PosixFileAttributeView.class) == null) {
            return null;
        }
        return Files.exists(target) ? Files.getPosixFilePermissions(target) : PosixFilePermissions.fromString("rw-------");
    }

    private static final Set<PosixFilePermission> OWNER = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    /** The file's permissions when its group or other users may read or write it; null otherwise (or without POSIX permissions). */
    static Set<PosixFilePermission> openToOthers(Path p) {
        try {
            if (!Files.exists(p) || Files.getFileAttributeView(p, PosixFileAttributeView.class) == null) {
                return null;
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            return perms.stream().anyMatch(x -> !OWNER.contains(x)) ? perms : null;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Takes the group and other bits off an existing file. Call under {@link #locked}. */
    static void restrictToOwner(Path p) throws IOException {
        Files.setPosixFilePermissions(p, ownerPart(Files.getPosixFilePermissions(p)));
    }

    /** {@code perms} without the group and other bits. */
    static Set<PosixFilePermission> ownerPart(Set<PosixFilePermission> perms) {
        Set<PosixFilePermission> owner = new HashSet<>(perms);
        owner.retainAll(OWNER);
        return owner;
    }

    /** Whether {@code p} can be written by anyone (a warning: another user could change codex's config). */
    static boolean isWorldWritable(Path p) {
        try {
            return Files.exists(p) && Files.getFileAttributeView(p, PosixFileAttributeView.class) != null
                    && Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can fsync a directory; the rename itself is already atomic
        }
    }

    /** Temp files left by a process that died between write and rename; only called under the lock. */
    private static void removeStaleTemps(Path dir) throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
            for (Path t : temps) {
                Files.deleteIfExists(t);
            }
        }
    }
}
