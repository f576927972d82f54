package dev.codexbridge.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * A folder of {@link DiskConversationStore}, whose entries are looked at without following a
 * symbolic link and opened only once checked (decision 0062):
 *
 * <ul>
 *   <li>a folder in it is opened only when it is a folder, not a link to one;</li>
 *   <li>a file is read only when it is a regular file of the size expected, checked before it is
 *       opened; it is opened for reading and writing, which opens a FIFO at once instead of waiting
 *       for a writer (Linux, macOS), and its size is checked again on the open file, so a FIFO
 *       swapped in after the check is refused too, never waited on;</li>
 *   <li>every file written is new ({@code O_EXCL}), so none is written through a link;</li>
 *   <li>every folder and file created is its owner's only (0700, 0600) where the file system has
 *       POSIX permissions;</li>
 *   <li>a folder is removed only once empty: {@link DiskTrash} takes one apart without recursion.</li>
 * </ul>
 *
 * <p>Where the file system opens a folder as a handle ({@link SecureDirectoryStream}: Linux), its
 * entries are looked up in the open folder, so a folder swapped for a link after it was checked is
 * still not followed. Where the JDK gives none (Windows; macOS on some JDKs) each entry is checked
 * by its path just before it is used. Folders are created only by path: only in the store's root,
 * whose path is its own.
 */
final class DiskFolder implements Closeable {
    private static final Path HERE = Path.of(".");
    private static final boolean POSIX = Path.of("").getFileSystem().supportedFileAttributeViews().contains("posix");
    /** What a folder the store creates is made with: its owner's only. */
    static final FileAttribute<?>[] OWNER_FOLDER = POSIX ? new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))} : new FileAttribute<?>[0];
    /** What a file the store creates is made with: its owner's only. */
    static final FileAttribute<?>[] OWNER_FILE = POSIX ? new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))} : new FileAttribute<?>[0];

    /** Where the folder was when it was opened: with a handle, for messages only. */
    private final Path path;
    private final @Nullable SecureDirectoryStream<Path> handle;

    private DiskFolder(Path path, @Nullable SecureDirectoryStream<Path> handle) {
        this.path = path;
        this.handle = handle;
    }

    /** The store's root, {@code trusted} (a real path the store checked), by handle where the file system has them and {@code handles}. */
    static DiskFolder open(Path trusted, boolean handles) throws IOException {
        if (handles) {
            DirectoryStream<Path> stream = Files.newDirectoryStream(trusted);
            if (stream instanceof SecureDirectoryStream<Path> secure) {
                return new DiskFolder(trusted, secure);
            }
            stream.close();
        }
        return new DiskFolder(trusted, null);
    }

    /** What {@code name} is, a link itself rather than what it names. */
    BasicFileAttributes attributes(String name) throws IOException {
        try {
            if (handle != null) {
                return handle.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, NOFOLLOW_LINKS).readAttributes();
            }
            return Files.readAttributes(path.resolve(name), BasicFileAttributes.class, NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.resolve(name).toString());
        }
    }

    /** The folder {@code name} in this one; anything else, a link to a folder included, is refused. */
    DiskFolder folder(String name) throws IOException {
        BasicFileAttributes found = attributes(name);
        if (!found.isDirectory()) {
            throw new ForeignEntryException(path.resolve(name) + " is " + kind(found) + ", not a folder the store made");
        }
        if (handle == null) {
            return new DiskFolder(path.resolve(name), null);
        }
        return new DiskFolder(path.resolve(name), (SecureDirectoryStream<Path>) handle.newDirectoryStream(Path.of(name), NOFOLLOW_LINKS));
    }

    /**
     * Whether the folder {@code name} in this one can be opened from here whatever its depth: always
     * through a handle; by path, while its path stays well under the longest the system takes.
     */
    boolean nearRoot(String name) {
        return handle != null || path.toString().length() + name.length() < 1024;
    }

    /** Creates the folder {@code name}; only in the store's root, whose path is its own (nothing else is created by path). */
    void createFolder(String name) throws IOException {
        Files.createDirectory(path.resolve(name), OWNER_FOLDER);
    }

    /** The names of the entries. */
    List<String> names() throws IOException {
        return names(Integer.MAX_VALUE);
    }

    /** The names of the first {@code max} entries the folder lists. */
    List<String> names(int max) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = handle != null ? handle.newDirectoryStream(HERE, NOFOLLOW_LINKS) : Files.newDirectoryStream(path)) {
            Iterator<Path> each = entries.iterator();
            while (names.size() < max && each.hasNext()) {
                names.add(each.next().getFileName().toString());
            }
        }
        return names;
    }

    /**
     * How many names the regular file {@code name} has (hard links): 1 where the file system does
     * not say (no {@code unix} attributes); more than 1 also when the name no longer leads where
     * the folder's handle does (the folder moved meanwhile), which the caller treats as shared.
     */
    long links(String name) throws IOException {
        Map<String, Object> unix;
        try {
            unix = Files.readAttributes(path.resolve(name), "unix:nlink,fileKey", NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException none) {
            return 1;
        } catch (NoSuchFileException moved) {
            return Long.MAX_VALUE;
        }
        if (handle != null && !Objects.equals(unix.get("fileKey"), attributes(name).fileKey())) {
            return Long.MAX_VALUE;
        }
        return ((Number) unix.get("nlink")).longValue();
    }

    /** The size of the regular file {@code name}; a link, a folder or a special file is refused. */
    long regularFileSize(String name) throws IOException {
        BasicFileAttributes found = attributes(name);
        if (!found.isRegularFile()) {
            throw new ForeignEntryException(path.resolve(name) + " is " + kind(found) + ", not a regular file the store wrote");
        }
        return found.size();
    }

    /**
     * The bytes of the regular file {@code name}, refused before it is opened when it has more than
     * {@code max}. Read again (twice at most) when another writer renamed a new file into place
     * between the size's check and the open, as another host's write of a small record does.
     */
    byte[] readSmall(String name, long max) throws IOException {
        for (int tries = 1; ; tries++) {
            long size = regularFileSize(name);
            if (size > max) {
                throw new ForeignEntryException(path.resolve(name) + " has " + size + " bytes, more than the store writes there (" + max + ")");
            }
            try {
                return read(name, size);
            } catch (ChangedWhileReadException e) {
                if (tries == 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * The bytes of the regular file {@code name}, which has {@code size} bytes (the caller checked
     * both): opened without following a link and without waiting, its size checked again on the
     * open file, exactly that many bytes read.
     */
    byte[] read(String name, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 8) {
            throw new ForeignEntryException(path.resolve(name) + " has " + size + " bytes, more than one read holds");
        }
        // READ and WRITE: O_RDWR opens a FIFO without waiting for a writer (read-only would block)
        try (SeekableByteChannel in = open(name, Set.of(READ, WRITE, NOFOLLOW_LINKS))) {
            long open = in.size();
            if (open != size) {
                // a FIFO or another file put there since the check: a FIFO's size is 0, so nothing is read from it
                throw new ChangedWhileReadException(path.resolve(name) + " changed while it was read (" + open + " bytes, " + size + " expected)");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining()) {
                if (in.read(bytes) < 0) {
                    throw new ForeignEntryException(path.resolve(name) + " was cut short while it was read");
                }
            }
            return bytes.array();
        }
    }

    /**
     * The regular file {@code name}, open for reading and writing: a link, a folder or a special
     * file is refused before it is opened, and one swapped in after the check is opened without
     * waiting (O_RDWR); a FIFO then has no size, which the caller refuses before reading.
     */
    FileChannel openRegularFile(String name) throws IOException {
        regularFileSize(name);
        return (FileChannel) open(name, Set.of(READ, WRITE, NOFOLLOW_LINKS));
    }

    /** Creates the new file {@code name} ({@code O_EXCL}: nothing written through a link), open for reading and writing. */
    FileChannel createFile(String name) throws IOException {
        return (FileChannel) open(name, Set.of(CREATE_NEW, READ, WRITE), OWNER_FILE);
    }

    /** Writes the new file {@code name} and forces it to the disk. */
    void write(String name, byte[] bytes) throws IOException {
        try (FileChannel out = newFile(name)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
    }

    /** Replaces the file {@code name} with {@code bytes} at once: a reader sees the old content or the new, never part of it. */
    void replace(String name, byte[] bytes) throws IOException {
        String tmp = DiskConversationStore.TMP + name + "-" + UUID.randomUUID();
        try {
            write(tmp, bytes);
            move(tmp, this, name);
        } finally {
            try {
                deleteEntry(tmp, false);
            } catch (NoSuchFileException moved) {
                // renamed into place
            }
        }
    }

    /**
     * Renames {@code name} to {@code targetName} in {@code target} (one step: the same file system)
     * and makes it durable. A link is renamed itself, never followed.
     */
    void move(String name, DiskFolder target, String targetName) throws IOException {
        moveUnforced(name, target, targetName);
        target.force();
    }

    /** {@link #move} without forcing the folder: a crash may undo it. */
    void moveUnforced(String name, DiskFolder target, String targetName) throws IOException {
        try {
            if (handle != null && target.handle != null) {
                handle.move(Path.of(name), target.handle, Path.of(targetName));
            } else {
                Files.move(path.resolve(name), target.path.resolve(targetName), StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the store's folder must allow atomic renames (one file system): " + e.getMessage(), e);
        }
    }

    /** Makes the folder's entries (new files, renames) durable; a system that cannot open a folder keeps them as it does. */
    void force() throws IOException {
        try (SeekableByteChannel self = handle != null ? handle.newByteChannel(HERE, Set.of(READ)) : FileChannel.open(path, READ)) {
            if (self instanceof FileChannel channel) {
                channel.force(true);
            }
        } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
            // Windows opens no folder as a channel: its renames are durable by themselves
        }
    }

    /**
     * Removes the file or link {@code name} (a link itself, never what it names), or the folder
     * {@code name} when it is empty ({@link java.nio.file.DirectoryNotEmptyException} otherwise:
     * {@link DiskTrash} takes a folder apart); what is gone is skipped.
     */
    void delete(String name) throws IOException {
        BasicFileAttributes found;
        try {
            found = attributes(name);
        } catch (NoSuchFileException gone) {
            return;
        }
        try {
            deleteEntry(name, found.isDirectory());
        } catch (NoSuchFileException gone) {
            // another process removed it too
        }
    }

    private void deleteEntry(String name, boolean folder) throws IOException {
        if (handle == null) {
            Files.delete(path.resolve(name));
        } else if (folder) {
            handle.deleteDirectory(Path.of(name));
        } else {
            handle.deleteFile(Path.of(name));
        }
    }

    private FileChannel newFile(String name) throws IOException {
        // CREATE_NEW is O_EXCL: a link or anything else already there fails it, nothing is written through one
        return (FileChannel) open(name, Set.of(CREATE_NEW, WRITE), OWNER_FILE);
    }

    private SeekableByteChannel open(String name, Set<OpenOption> options, FileAttribute<?>... created) throws IOException {
        return handle != null ? handle.newByteChannel(Path.of(name), options, created) : Files.newByteChannel(path.resolve(name), options, created);
    }

    private static String kind(BasicFileAttributes found) {
        if (found.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (found.isDirectory()) {
            return "a folder";
        }
        if (found.isRegularFile()) {
            return "a file";
        }
        return "a special file (a FIFO, a socket or a device)";
    }

    @Override
    public void close() throws IOException {
        if (handle != null) {
            handle.close();
        }
    }

    /** An entry that is not what the store wrote there: a link, a special file, a file of the wrong size. */
    static class ForeignEntryException extends IOException {
        private static final long serialVersionUID = 1L;

        ForeignEntryException(String message) {
            super(message);
        }
    }

    /** A file whose size on the open file is not the one checked before it was opened: replaced since, or not a file at all. */
    static final class ChangedWhileReadException extends ForeignEntryException {
        private static final long serialVersionUID = 1L;

        ChangedWhileReadException(String message) {
            super(message);
        }
    }
}
