package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The embedded {@link ConversationStore}: a folder on the local disk, nothing to install.
 *
 * <pre>
 * root/
 *   .locks                     one byte per stripe of conversations, locked by the OS (DiskLocks)
 *   &lt;threadId&gt;/
 *     lease.json               holder, token, expiry; replaced atomically
 *     v0000000000000000003/    the stored version: rollouts 0, 1, …, manifest.json, manifest.sha256
 *     .tmp-&lt;uuid&gt;/             a put being written, or one a crash cut short: ignored, then removed
 *   .trash-&lt;uuid&gt;/              a deleted conversation, or a version a put replaced, being removed
 * </pre>
 *
 * <p>A put writes and forces every file into a temporary folder beside the version it replaces,
 * forces the folder, and renames it to {@code v<next>} in one step, then moves the older version
 * into the trash, which a thread of the store empties once the put has returned; a reader takes
 * the newest version folder, which is complete whenever it exists. Every
 * change to a conversation (lease, renew, release, put, delete) holds its lock, which excludes
 * other threads and other processes on the machine, for the whole change: a put's sources are read
 * under it. Reads take no lock. A folder on a network file system is not supported: its locks and
 * renames may not be what a local disk's are.
 */
public final class DiskConversationStore implements ConversationStore {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    static final String LEASE = "lease.json";
    static final String TMP = ".tmp-";
    private static final String TRASH = ".trash-";
    /** How long a change waits for another's lock; a put holds it while it reads its sources. */
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
    /** How long a close waits for the older versions still to be removed. */
    private static final Duration REMOVER_DRAIN = Duration.ofSeconds(30);

    private final Path root;
    private final StoreLimits limits;
    private final Clock clock;
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

    private DiskConversationStore(Path root, StoreLimits limits, Clock clock, DiskLocks locks) {
        this.root = root;
        this.limits = limits;
        this.clock = clock;
        this.locks = locks;
    }

    /** The store in {@code root} (created owner-only when missing), with the default caps and the system clock. */
    public static DiskConversationStore open(Path root) {
        return open(root, StoreLimits.DEFAULTS, Clock.systemUTC());
    }

    /**
     * The store in {@code root}, created owner-only when missing. Opening removes what a crash left
     * behind: temporary folders of puts cut short (of conversations no other process is changing)
     * and deleted conversations not yet removed.
     */
    public static DiskConversationStore open(Path root, StoreLimits limits, Clock clock) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        try {
            Path dir = root.toAbsolutePath();
            if (Files.isSymbolicLink(dir)) {
                throw new IllegalArgumentException("the conversation store's folder " + dir + " is a symbolic link; give the folder itself");
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                try {
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the parent folder's protection applies
                }
            }
            Path real = dir.toRealPath();
            DiskConversationStore store = new DiskConversationStore(real, limits, clock, DiskLocks.open(real));
            store.removeLeftovers();
            return store;
        } catch (IOException e) {
            throw new ConversationStoreException(null, "cannot open the conversation store in " + root + ": " + e, e);
        }
    }

    /** The threads that remove the versions puts replaced (a test holds them back). */
    void removerThreads(ThreadFactory threads) {
        remover.setThreadFactory(threads);
    }

    /** The store's folder. */
    public Path root() {
        return root;
    }

    @Override
    public ConversationLease lease(String threadId, String holder, Duration ttl) {
        StoreChecks.lease(threadId, holder, ttl);
        return locked(threadId, "leasing", dir -> {
            Files.createDirectories(dir);
            removeTemporaries(dir);
            Instant now = clock.instant();
            Optional<ConversationLease> current = readLease(dir, threadId);
            if (current.isPresent() && current.get().liveAt(now)) {
                throw new ConversationLeasedException(threadId, current.get().holder(), current.get().expiresAt());
            }
            ConversationLease lease = new ConversationLease(threadId, holder, StoreChecks.newToken(), StoreChecks.expiry(now, ttl));
            writeLease(dir, lease);
            return lease;
        });
    }

    @Override
    public ConversationLease renew(ConversationLease lease, Duration ttl) {
        StoreChecks.ttl(ttl);
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "renewing the lease on", dir -> {
            Instant now = clock.instant();
            checkInForce(dir, lease, now);
            ConversationLease renewed = new ConversationLease(threadId, lease.holder(), lease.token(), StoreChecks.expiry(now, ttl));
            writeLease(dir, renewed);
            return renewed;
        });
    }

    @Override
    public boolean release(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "releasing the lease on", dir -> {
            Optional<ConversationLease> current = readLease(dir, threadId);
            if (current.isEmpty() || !current.get().token().equals(lease.token())) {
                return false;
            }
            Files.delete(dir.resolve(LEASE));
            DiskFiles.forceDirectory(dir);
            if (DiskRecord.versions(dir).isEmpty()) {
                DiskFiles.deleteTree(dir);     // leased but never stored: nothing to keep
            }
            return true;
        });
    }

    @Override
    public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
        StoreChecks.put(limits, lease, conversation);
        String threadId = conversation.threadId();
        return locked(threadId, "storing", dir -> {
            checkInForce(dir, lease, clock.instant());
            removeTemporaries(dir);
            List<Path> versions = DiskRecord.versions(dir);
            long current = versions.isEmpty() ? 0 : DiskRecord.versionOf(versions.get(0));
            if (current != conversation.version()) {
                throw new VersionConflictException(threadId, conversation.version(), current);
            }
            StoredConversation stored = conversation.toBuilder().version(current + 1).build();
            Path tmp = Files.createDirectory(dir.resolve(TMP + UUID.randomUUID()));
            try {
                DiskRecord.write(tmp, stored, clock.instant());
                // the sources may have taken a while: the lease must still be in force when the version appears
                checkInForce(dir, lease, clock.instant());
                DiskFiles.moveAtomically(tmp, dir.resolve(DiskRecord.versionDir(stored.version())));
            } catch (IOException | RuntimeException e) {
                DiskFiles.deleteTree(tmp);
                throw e;
            }
            for (Path older : versions) {
                // moved away whole first: a reader finds a version complete or not at all
                discardLater(older);
            }
            return stored;
        });
    }

    @Override
    public Optional<StoredConversation> get(String threadId) {
        StoreChecks.threadId(threadId);
        Path dir = root.resolve(threadId);
        // no lock: a put that lands meanwhile removes the version being read, which is then read again
        for (int attempt = 0; ; attempt++) {
            Path newest = null;
            try {
                List<Path> versions = DiskRecord.versions(dir);
                if (versions.isEmpty()) {
                    return Optional.empty();
                }
                newest = versions.get(0);
                return Optional.of(DiskRecord.read(threadId, newest, limits));
            } catch (NoSuchFileException e) {
                if (newest != null && Files.isDirectory(newest) || attempt == 20) {
                    throw new CorruptConversationException(threadId, "a file of the record is missing: " + e.getFile(), e);
                }
            } catch (IOException e) {
                throw failed(threadId, "reading", e);
            }
        }
    }

    /** The owner in the newest version's manifest (checked against its hash), no rollout read. */
    @Override
    public Optional<ConversationOwner> ownerOf(String threadId) {
        StoreChecks.threadId(threadId);
        Path dir = root.resolve(threadId);
        for (int attempt = 0; ; attempt++) {
            try {
                List<Path> versions = DiskRecord.versions(dir);
                return versions.isEmpty() ? Optional.empty() : Optional.ofNullable(DiskRecord.summary(threadId, versions.get(0)).owner());
            } catch (NoSuchFileException e) {
                // a put moved that version away meanwhile: the newer one is read
                if (attempt == 20) {
                    throw new CorruptConversationException(threadId, "a file of the record is missing: " + e.getFile(), e);
                }
            } catch (IOException e) {
                throw failed(threadId, "reading", e);
            }
        }
    }

    @Override
    public boolean delete(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "deleting", dir -> {
            checkInForce(dir, lease, clock.instant());
            boolean stored = !DiskRecord.versions(dir).isEmpty();
            discard(dir);
            return stored;
        });
    }

    @Override
    public List<ConversationSummary> list(@Nullable String afterThreadId, int limit) {
        StoreChecks.listLimit(limit);
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (RolloutFile.isThreadId(name) && (afterThreadId == null || name.compareTo(afterThreadId) > 0)) {
                    ids.add(name);
                }
            }
        } catch (IOException e) {
            throw new ConversationStoreException(null, "cannot list the conversation store in " + root + ": " + e, e);
        }
        ids.sort(null);
        List<ConversationSummary> page = new ArrayList<>();
        for (String id : ids) {
            if (page.size() == limit) {
                break;
            }
            try {
                List<Path> versions = DiskRecord.versions(root.resolve(id));
                if (!versions.isEmpty()) {
                    page.add(DiskRecord.summary(id, versions.get(0)));
                }
            } catch (IOException | ConversationStoreException e) {
                LOG.warn("stored conversation {} left out of the list: {}", id, e.toString());
            }
        }
        return page;
    }

    /** Waits (a while) for the versions put replaced to be removed, then lets go of the locks. */
    @Override
    public void close() {
        remover.shutdown();
        try {
            if (!remover.awaitTermination(REMOVER_DRAIN.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("older versions of stored conversations are still being removed as the store closes; the next open removes the rest");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            locks.close();
        }
    }

    /** Renames {@code path} into the store's trash in one step, durably, then removes it; a crash in between leaves it for the next open. */
    private void discard(Path path) throws IOException {
        Path trash = root.resolve(TRASH + UUID.randomUUID());
        DiskFiles.moveAtomically(path, trash);
        DiskFiles.deleteTree(trash);
    }

    /**
     * A version a put replaced: renamed into the trash in one step, and removed once the put has
     * returned. The rename is not forced: should a crash undo it, the version is an older one
     * beside the newest, which readers pass over and the next put removes.
     */
    private void discardLater(Path older) throws IOException {
        Path trash = root.resolve(TRASH + UUID.randomUUID());
        Files.move(older, trash, StandardCopyOption.ATOMIC_MOVE);
        try {
            remover.execute(() -> {
                try {
                    DiskFiles.deleteTree(trash);
                } catch (IOException e) {
                    LOG.warn("an older version of a stored conversation could not be removed; the next open removes it: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException closing) {
            DiskFiles.deleteTree(trash);
        }
    }

    private static void checkInForce(Path dir, ConversationLease lease, Instant now) throws IOException {
        StoreChecks.inForce(lease, readLease(dir, lease.threadId()), now);
    }

    private static Optional<ConversationLease> readLease(Path dir, String threadId) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(LEASE));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            JsonNode lease = Json.mapper().readTree(bytes);
            return Optional.of(new ConversationLease(threadId, lease.path("holder").asText(), lease.path("token").asText(),
                    Instant.parse(lease.path("expiresAt").asText())));
        } catch (IOException | RuntimeException e) {
            // written by a rename, so never half there: a lease that cannot be read is nobody's rather than everybody's block
            LOG.warn("the lease of stored conversation {} cannot be read and counts as expired: {}", threadId, e.toString());
            return Optional.empty();
        }
    }

    private static void writeLease(Path dir, ConversationLease lease) throws IOException {
        String json = Json.write(Json.object().put("holder", lease.holder()).put("token", lease.token())
                .put("expiresAt", lease.expiresAt().toString()));
        DiskFiles.replaceDurably(dir.resolve(LEASE), json.getBytes(StandardCharsets.UTF_8));
    }

    /** Removes the temporary folders of puts a crash cut short; called under the conversation's lock, so none is being written. */
    private static void removeTemporaries(Path dir) throws IOException {
        try (DirectoryStream<Path> temporaries = Files.newDirectoryStream(dir, TMP + "*")) {
            for (Path tmp : temporaries) {
                DiskFiles.deleteTree(tmp);
            }
        } catch (NoSuchFileException gone) {
            // nothing stored under this id
        }
    }

    /**
     * Runs {@code work} on the conversation's folder under its lock, which excludes every other
     * change to it from this JVM and from other processes.
     */
    private <T> T locked(String threadId, String doing, LockedWork<T> work) {
        DiskLocks.Held held = locks.hold(threadId, LOCK_TIMEOUT);
        try {
            return work.run(root.resolve(threadId));
        } catch (IOException e) {
            throw failed(threadId, doing, e);
        } finally {
            held.close();
        }
    }

    @FunctionalInterface
    private interface LockedWork<T> {
        T run(Path conversationDir) throws IOException;
    }

    /**
     * What crashes left in the whole store: deleted conversations and replaced versions not yet
     * removed, puts cut short (skipped while locked).
     */
    private void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(TRASH)) {
                    DiskFiles.deleteTree(p);
                } else if (RolloutFile.isThreadId(name) && hasTemporaries(p)) {
                    try {
                        DiskLocks.Held held = locks.hold(name, Duration.ofMillis(100));
                        try {
                            removeTemporaries(p);
                        } finally {
                            held.close();
                        }
                    } catch (ConversationStoreException busy) {
                        // another process is changing it; its next change removes them
                    }
                }
            }
        }
    }

    private static boolean hasTemporaries(Path dir) throws IOException {
        try (DirectoryStream<Path> temporaries = Files.newDirectoryStream(dir, TMP + "*")) {
            return temporaries.iterator().hasNext();
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    private ConversationStoreException failed(String threadId, String doing, IOException e) {
        return new ConversationStoreException(threadId, doing + " conversation " + threadId + " in " + root + " failed: " + e, e);
    }
}
