package dev.codexbridge.gateway;

import dev.codexbridge.internal.Remembered;
import dev.codexbridge.session.CodexSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Who opened each thread a front end served: the record {@link CodexGateway} keeps when given one
 * ({@link CodexGateway.Builder#threadOwners}), so a thread stays its principal's across eviction
 * and restarts — a principal resumes only threads recorded as its own, and any other id, whether
 * another's or none at all, is refused the same way before codex is asked. {@link #files} keeps it
 * on disk; {@link #inMemory} for one process's life.
 */
public interface ThreadOwners {
    /** Records {@code principal} as the owner of the new thread {@code threadId}. */
    void record(String threadId, String principal);

    /** The owner of {@code threadId}; empty when there is no record, or the record cannot be read (never "anyone's"). */
    Optional<String> ownerOf(String threadId);

    /** Whether {@code principal} is the recorded owner of {@code threadId} (no record: nobody is). */
    default boolean owns(String principal, String threadId) {
        return principal.equals(ownerOf(threadId).orElse(null));
    }

    /** Records {@code session}'s new thread as {@code principal}'s and returns it; closes it when the record cannot be written. */
    default CodexSession owned(String principal, CodexSession session) {
        try {
            record(session.threadId(), principal);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        return session;
    }

    /**
     * In this process only, the {@code max} threads most recently recorded or asked about (the least
     * recently used ones are forgotten: refused, as an id nobody used is).
     */
    static ThreadOwners inMemory(int max) {
        Remembered<String, String> owners = Remembered.atMost(max);
        return new ThreadOwners() {
            @Override
            public void record(String threadId, String principal) {
                owners.put(Objects.requireNonNull(threadId, "threadId"), Objects.requireNonNull(principal, "principal"));
            }

            @Override
            public Optional<String> ownerOf(String threadId) {
                return Optional.ofNullable(owners.get(threadId));
            }
        };
    }

    /**
     * On disk in {@code dir} (created owner-only): one file per thread, named by its id (a UUID, as
     * codex's thread ids are; anything else is refused), holding the owner. A record is written to
     * a temporary file and moved into place atomically, so it is there whole or not at all; a
     * record that cannot be read is treated as no record.
     */
    static ThreadOwners files(Path dir) {
        return new FileThreadOwners(dir);
    }

    /** The disk record of {@link #files}. */
    final class FileThreadOwners implements ThreadOwners {
        private static final Pattern ID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
        private final Path dir;

        FileThreadOwners(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
            try {
                if (Files.isSymbolicLink(this.dir)) {
                    throw new IllegalArgumentException("the thread owners' folder " + this.dir + " is a symbolic link; give the folder itself");
                }
                if (!Files.isDirectory(this.dir)) {
                    Files.createDirectories(this.dir);
                    ownerOnly(this.dir, "rwx------");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the thread owners' folder " + this.dir, e);
            }
        }

        @Override
        public void record(String threadId, String principal) {
            Path file = file(threadId).orElseThrow(() -> new IllegalArgumentException("not a thread id: " + threadId));
            Objects.requireNonNull(principal, "principal");
            try {
                Path tmp = Files.createTempFile(dir, ".owner-", ".tmp");
                ownerOnly(tmp, "rw-------");
                Files.writeString(tmp, principal, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record the owner of thread " + threadId + " in " + dir, e);
            }
        }

        @Override
        public Optional<String> ownerOf(String threadId) {
            Optional<Path> file = file(threadId);
            if (file.isEmpty() || !Files.isRegularFile(file.get(), LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            try {
                String owner = Files.readString(file.get(), StandardCharsets.UTF_8);
                return owner.isBlank() ? Optional.empty() : Optional.of(owner);
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        private Optional<Path> file(@Nullable String threadId) {
            if (threadId == null || !ID.matcher(threadId).matches()) {
                return Optional.empty();
            }
            return Optional.of(dir.resolve(UUID.fromString(threadId).toString()));
        }

        private static void ownerOnly(Path p, String mode) throws IOException {
            try {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the folder's own protection applies
            }
        }
    }
}
