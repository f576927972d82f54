package dev.codexbridge.a2a;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contexts as one JSON file each ({@code p-<sha-256 of the principal and the context id>.json}: a
 * caller's id never becomes a path, and two principals' contexts of one id are two files), written
 * to a temporary file and moved over the old one, so a crash leaves the old record or the new one,
 * never half of one. All are read into a {@link MemoryContextStore} when the store opens; it
 * answers the lookups, the files only make it outlive the process. A record written before context
 * ids were each principal's ({@code <sha-256 of the context id>.json}) is moved to its name then.
 */
final class FileContextStore implements ContextStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileContextStore.class);
    private static final String SUFFIX = ".json";
    /** Names of records by principal and id; the earlier names (the id's digest alone) are hex digits only. */
    private static final String PREFIX = "p-";

    private final Path dir;
    private final MemoryContextStore index;

    private FileContextStore(Path dir, MemoryContextStore index) {
        this.dir = dir;
        this.index = index;
    }

    static FileContextStore open(Path directory, int maxContexts) {
        MemoryContextStore index = new MemoryContextStore(maxContexts);
        Path dir = directory.toAbsolutePath().normalize();
        try {
            prepare(dir);
            List<Found> found = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                for (Path f : files) {
                    try {
                        found.add(new Found(f, A2aWire.JSON.readValue(f.toFile(), StoredContext.class)));
                    } catch (IOException | RuntimeException e) {
                        // one unreadable record costs its own context only
                        LOG.warn("ignoring the unreadable A2A context record {}: {}", f, e.getMessage());
                    }
                }
            }
            found.sort(Comparator.comparingLong(f -> f.context().updatedMs()));
            FileContextStore store = new FileContextStore(dir, index);
            for (Found f : found) {
                index.put(f.context()).forEach(store::delete);
            }
            found.forEach(store::rename);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the A2A context store " + dir + ": " + e.getMessage(), e);
        }
    }

    private record Found(Path file, StoredContext context) {
    }

    /**
     * A record found under an earlier name: moved to its name when it is its context's newest
     * (the store's), else deleted (a newer record of the context was found, or it was forgotten).
     */
    private void rename(Found f) {
        Path named = file(f.context());
        if (f.file().equals(named)) {
            return;
        }
        try {
            if (f.context().equals(index.context(f.context().principal(), f.context().contextId()).orElse(null))) {
                move(f.file(), named);
            } else {
                Files.deleteIfExists(f.file());
            }
        } catch (IOException e) {
            LOG.warn("cannot move the A2A context record {} to {}: {}", f.file(), named, e.getMessage());
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Creates the directory owner-only; refuses one that others may write to (they could plant a context). */
    private static void prepare(Path dir) throws IOException {
        boolean posix = Files.getFileStore(existingAncestor(dir))
                .supportsFileAttributeView(PosixFileAttributeView.class);
        if (!Files.exists(dir)) {
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("the A2A context store " + dir + " is not a directory");
        }
        if (posix) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            if (perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)) {
                throw new IllegalArgumentException("the A2A context store " + dir + " may be written by others ("
                        + PosixFilePermissions.toString(perms) + "): give it to this user alone (chmod 700)");
            }
        }
    }

    private static Path existingAncestor(Path dir) {
        Path p = dir;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? dir.getRoot() : p;
    }

    @Override
    public Optional<StoredContext> context(String principal, String contextId) {
        return index.context(principal, contextId);
    }

    @Override
    public Optional<StoredContext> contextOfTask(String taskId) {
        return index.contextOfTask(taskId);
    }

    @Override
    public Optional<String> taskOfMessage(String principal, String messageId) {
        return index.taskOfMessage(principal, messageId);
    }

    @Override
    public Optional<String> ownerOfThread(String threadId) {
        return index.ownerOfThread(threadId);
    }

    @Override
    public void save(StoredContext context) {
        List<StoredContext> gone = index.put(context);
        write(context);
        gone.forEach(this::delete);
    }

    private void write(StoredContext context) {
        Path target = file(context);
        try {
            Path tmp = Files.createTempFile(dir, ".context-", ".tmp");
            try {
                Files.write(tmp, A2aWire.JSON.writeValueAsString(context).getBytes(StandardCharsets.UTF_8));
                move(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the A2A context record " + target + ": " + e.getMessage(), e);
        }
    }

    private void delete(StoredContext context) {
        try {
            Files.deleteIfExists(file(context));
        } catch (IOException e) {
            LOG.warn("cannot delete the forgotten A2A context record {}: {}", file(context).getFileName(), e.getMessage());
        }
    }

    /** The record's file: the digest of the principal (its length first, so no two pairs read alike) and the id. */
    private Path file(StoredContext context) {
        String named = context.principal().length() + ":" + context.principal() + ":" + context.contextId();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(named.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(PREFIX + HexFormat.of().formatHex(digest) + SUFFIX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
