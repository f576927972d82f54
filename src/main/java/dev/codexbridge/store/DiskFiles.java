package dev.codexbridge.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** The disk operations {@link DiskConversationStore} is made of: durable writes, atomic renames, removal. */
final class DiskFiles {
    private DiskFiles() {
    }

    /** Writes {@code in} to the new file {@code file} and forces it to the disk. */
    static void writeDurably(Path file, InputStream in) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             OutputStream stream = Channels.newOutputStream(out)) {
            in.transferTo(stream);
            out.force(true);
        }
    }

    /** Writes {@code bytes} to the new file {@code file} and forces it to the disk. */
    static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
    }

    /** Replaces {@code file} with {@code bytes} at once: a reader sees the old content or the new, never part of it. */
    static void replaceDurably(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(".tmp-" + file.getFileName() + "-" + java.util.UUID.randomUUID());
        try {
            writeDurably(tmp, bytes);
            moveAtomically(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Renames {@code from} to {@code to} in one step and makes the rename durable. */
    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the store's folder must allow atomic renames (one file system): " + e.getMessage(), e);
        }
        forceDirectory(to.getParent());
    }

    /** Makes the entries of {@code dir} (new files, renames) durable; a system that cannot open a folder keeps them as it does. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
            // Windows opens no folder as a channel: its renames are durable by themselves
        }
    }

    /** Removes {@code path} and everything under it; what is already gone is skipped (another process may remove it too). */
    static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                for (Path entry : entries) {
                    deleteTree(entry);
                }
            } catch (NoSuchFileException gone) {
                return;
            }
        }
        Files.deleteIfExists(path);
    }
}
