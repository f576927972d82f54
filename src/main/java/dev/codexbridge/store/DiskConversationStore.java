package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadFactory;
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
 *     .tmp-&lt;…&gt;/               a put being written, or one a crash cut short: ignored, then removed
 *   .tmp-&lt;threadId&gt;.&lt;uuid&gt;/   a put's new folder, made here and moved into its conversation's at once
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
 *
 * <p>Nothing in the folder is trusted (decision 0062): every entry is reached through
 * {@link DiskFolder}, which follows no link and opens only folders and regular files of the sizes
 * expected, without waiting on a FIFO; anything else is a {@link CorruptConversationException}.
 */
public final class DiskConversationStore implements ConversationStore {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    static final String LEASE = DiskLease.FILE;
    static final String TMP = ".tmp-";
    /** How long a change waits for another's lock; a put holds it while it reads its sources. */
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
    /** Free space below which {@link #ping} reports the store unavailable. */
    static final long LOW_SPACE = 16L << 20;

    private final Path root;
    private final StoreLimits limits;
    private final Clock clock;
    private final DiskLocks locks;
    /** Whether folders are opened as handles where the file system has them (a test opens them by path, as where the JDK has no handles). */
    private final boolean handles;
    /** What puts replaced and crashes left, removed. */
    private final DiskTrash trash;

    private DiskConversationStore(Path root, StoreLimits limits, Clock clock, DiskLocks locks, boolean handles) {
        this.root = root;
        this.limits = limits;
        this.clock = clock;
        this.locks = locks;
        this.handles = handles;
        this.trash = new DiskTrash(root, handles, locks);
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
        return open(root, limits, clock, true);
    }

    /** The store, its folders opened by path with {@code handles} false, as on a file system without handles. */
    static DiskConversationStore open(Path root, StoreLimits limits, Clock clock, boolean handles) {
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
            DiskConversationStore store = new DiskConversationStore(real, limits, clock, DiskLocks.open(real), handles);
            store.trash.removeLeftovers();
            return store;
        } catch (IOException e) {
            throw new ConversationStoreException(null, "cannot open the conversation store in " + root + ": " + e, e);
        }
    }

    /**
     * Answers when the store's folder is still the folder it opened (not gone, not a link), this
     * process may write in it, and its file system has {@link #LOW_SPACE} left: below that a put
     * of a long conversation may not fit, and a door stops taking callers before its puts fail.
     */
    @Override
    public void ping() {
        try {
            BasicFileAttributes folder = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!folder.isDirectory()) {
                throw new ConversationStoreException(null, "the conversation store's folder " + root + " is no longer a folder", null);
            }
            if (!Files.isWritable(root)) {
                throw new ConversationStoreException(null, "the conversation store's folder " + root + " is not writable", null);
            }
            long left = Files.getFileStore(root).getUsableSpace();
            if (left < LOW_SPACE) {
                throw new ConversationStoreException(null, "the disk of the conversation store's folder " + root + " has " + left
                        + " bytes left (less than " + LOW_SPACE + ")", null);
            }
        } catch (IOException e) {
            throw new ConversationStoreException(null, "the conversation store's folder " + root + " cannot be reached: " + e, e);
        }
    }

    /** The threads that remove the versions puts replaced (a test holds them back). */
    void removerThreads(ThreadFactory threads) {
        trash.removerThreads(threads);
    }

    /** The store's folder. */
    public Path root() {
        return root;
    }

    @Override
    public ConversationLease lease(String threadId, String holder, Duration ttl) {
        StoreChecks.lease(threadId, holder, ttl);
        return locked(threadId, "leasing", true, (top, dir) -> {
            DiskTrash.removeTemporaries(dir);
            Instant now = clock.instant();
            Optional<ConversationLease> current = DiskLease.read(dir, threadId);
            if (current.isPresent() && current.get().liveAt(now)) {
                throw new ConversationLeasedException(threadId, current.get().holder(), current.get().expiresAt());
            }
            ConversationLease lease = new ConversationLease(threadId, holder, StoreChecks.newToken(), StoreChecks.expiry(now, ttl));
            DiskLease.write(dir, lease);
            return lease;
        });
    }

    @Override
    public ConversationLease renew(ConversationLease lease, Duration ttl) {
        StoreChecks.ttl(ttl);
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "renewing the lease on", false, (top, dir) -> {
            Instant now = clock.instant();
            DiskLease.checkInForce(dir, lease, now);
            ConversationLease renewed = new ConversationLease(threadId, lease.holder(), lease.token(), StoreChecks.expiry(now, ttl));
            DiskLease.write(dir, renewed);
            return renewed;
        });
    }

    @Override
    public boolean release(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "releasing the lease on", false, (top, dir) -> {
            Optional<ConversationLease> current = DiskLease.read(dir, threadId);
            if (current.isEmpty() || !current.get().token().equals(lease.token())) {
                return false;
            }
            dir.delete(LEASE);
            dir.force();
            if (DiskRecord.versions(dir).isEmpty()) {
                top.delete(threadId);     // leased but never stored: nothing to keep
            }
            return true;
        });
    }

    @Override
    public StoredConversation put(ConversationLease lease, StoredConversation conversation) {
        return put(lease, conversation, Map.of());
    }

    /** Appended files become chunks linked from the version replaced plus their tails ({@link DiskChunks}). */
    @Override
    public StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> appends) {
        return put(lease, conversation, StoreChecks.appends(conversation, appends));
    }

    private StoredConversation put(ConversationLease lease, StoredConversation conversation, Map<String, RolloutAppend> appends) {
        StoreChecks.put(limits, lease, conversation);
        String threadId = conversation.threadId();
        return locked(threadId, "storing", false, (top, dir) -> {
            DiskLease.checkInForce(dir, lease, clock.instant());
            DiskTrash.removeTemporaries(dir);
            List<String> versions = DiskRecord.versions(dir);
            long current = versions.isEmpty() ? 0 : DiskRecord.versionOf(versions.get(0));
            if (current != conversation.version()) {
                throw new VersionConflictException(threadId, conversation.version(), current);
            }
            StoredConversation stored = conversation.toBuilder().version(current + 1).build();
            // made in the root, whose path is the store's own, and moved into the conversation's folder through its handle:
            // a conversation folder swapped for a link meanwhile is not written through
            String tmp = TMP + threadId + "." + UUID.randomUUID();
            top.createFolder(tmp);
            try {
                top.moveUnforced(tmp, dir, tmp);
                try (DiskFolder version = dir.folder(tmp); DiskFolder base = appends.isEmpty() || versions.isEmpty() ? null : dir.folder(versions.get(0))) {
                    DiskRecord.write(version, stored, clock.instant(), appends,
                            base == null ? null : new DiskChunks.Base(base, DiskChunks.storedFiles(threadId, base, versions.get(0), limits)));
                }
                // the sources may have taken a while: the lease must still be in force when the version appears
                DiskLease.checkInForce(dir, lease, clock.instant());
                dir.move(tmp, dir, DiskRecord.versionDir(stored.version()));
            } catch (IOException | RuntimeException e) {
                top.delete(tmp);
                dir.delete(tmp);
                throw e;
            }
            for (String older : versions) {
                // moved away whole first: a reader finds a version complete or not at all
                trash.discardLater(top, dir, older);
            }
            return stored;
        });
    }

    @Override
    public Optional<StoredConversation> get(String threadId) {
        return newest(threadId, (version, name) -> DiskRecord.read(threadId, version, name, limits));
    }

    /** The owner in the newest version's manifest (checked against its hash, as {@link #get} checks it), no rollout read. */
    @Override
    public Optional<ConversationOwner> ownerOf(String threadId) {
        return newest(threadId, (version, name) -> DiskRecord.summary(threadId, version, name, limits)).map(ConversationSummary::owner);
    }

    /** What {@code read} takes from the conversation's newest version folder; empty when none is stored. */
    private <T> Optional<T> newest(String threadId, VersionReader<T> read) {
        StoreChecks.threadId(threadId);
        // no lock: a put that lands meanwhile removes the version being read, which is then read again
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            for (int attempt = 0; ; attempt++) {
                DiskFolder dir;
                try {
                    dir = top.folder(threadId);
                } catch (NoSuchFileException never) {
                    return Optional.empty();
                }
                try (dir) {
                    List<String> versions = DiskRecord.versions(dir);
                    if (versions.isEmpty()) {
                        return Optional.empty();
                    }
                    String newest = versions.get(0);
                    try (DiskFolder version = dir.folder(newest)) {
                        return Optional.of(read.read(version, newest));
                    } catch (NoSuchFileException e) {
                        // a version in place is whole: a file missing there is missing, one moved away is read again
                        if (stillThere(dir, newest) || attempt == 20) {
                            throw new CorruptConversationException(threadId, "a file of the record is missing: " + e.getFile(), e);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw failed(threadId, "reading", e);
        }
    }

    private interface VersionReader<T> {
        T read(DiskFolder version, String versionDir) throws IOException;
    }

    @Override
    public boolean delete(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "deleting", false, (top, dir) -> {
            DiskLease.checkInForce(dir, lease, clock.instant());
            boolean stored = !DiskRecord.versions(dir).isEmpty();
            DiskTrash.discard(top, threadId);
            return stored;
        });
    }

    @Override
    public List<ConversationSummary> list(@Nullable String afterThreadId, int limit) {
        StoreChecks.listLimit(limit);
        List<String> ids = new ArrayList<>();
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            for (String name : top.names()) {
                if (RolloutFile.isThreadId(name) && (afterThreadId == null || name.compareTo(afterThreadId) > 0)) {
                    ids.add(name);
                }
            }
            ids.sort(null);
            List<ConversationSummary> page = new ArrayList<>();
            for (String id : ids) {
                if (page.size() == limit) {
                    break;
                }
                summary(top, id).ifPresent(page::add);
            }
            return page;
        } catch (IOException e) {
            throw new ConversationStoreException(null, "cannot list the conversation store in " + root + ": " + e, e);
        }
    }

    /** The summary of the conversation {@code id}; none when it has no version or cannot be read (logged, never waited on). */
    private Optional<ConversationSummary> summary(DiskFolder top, String id) {
        try (DiskFolder dir = top.folder(id)) {
            List<String> versions = DiskRecord.versions(dir);
            if (versions.isEmpty()) {
                return Optional.empty();
            }
            try (DiskFolder version = dir.folder(versions.get(0))) {
                return Optional.of(DiskRecord.summary(id, version, versions.get(0), limits));
            }
        } catch (IOException | ConversationStoreException e) {
            LOG.warn("stored conversation {} left out of the list: {}", id, e.toString());
            return Optional.empty();
        }
    }

    /** Waits (a while) for the versions put replaced to be removed, then lets go of the locks. */
    @Override
    public void close() {
        try {
            trash.drain();
        } finally {
            locks.close();
        }
    }

    private static boolean stillThere(DiskFolder dir, String name) throws IOException {
        try {
            return dir.attributes(name).isDirectory();
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    /**
     * Runs {@code work} on the conversation's folder under its lock, which excludes every other
     * change to it from this JVM and from other processes; the folder is made first with
     * {@code create}, else {@code work} gets none when there is none.
     */
    private <T> T locked(String threadId, String doing, boolean create, LockedWork<T> work) {
        DiskLocks.Held held = locks.hold(threadId, LOCK_TIMEOUT);
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            if (create) {
                try {
                    top.createFolder(threadId);
                } catch (FileAlreadyExistsException exists) {
                    // checked as it is opened: a folder, not a link to one
                }
            }
            DiskFolder dir;
            try {
                dir = top.folder(threadId);
            } catch (NoSuchFileException none) {
                if (create) {
                    throw none;     // made a moment ago and removed behind the lock's back
                }
                return work.run(top, null);
            }
            try (dir) {
                return work.run(top, dir);
            }
        } catch (IOException e) {
            throw failed(threadId, doing, e);
        } finally {
            held.close();
        }
    }

    @FunctionalInterface
    private interface LockedWork<T> {
        /** {@code dir} is null when the conversation has no folder (never leased or stored). */
        T run(DiskFolder top, @Nullable DiskFolder dir) throws IOException;
    }

    private ConversationStoreException failed(String threadId, String doing, IOException e) {
        if (e instanceof DiskFolder.ForeignEntryException foreign) {
            return new CorruptConversationException(threadId, foreign.getMessage(), foreign);
        }
        return new ConversationStoreException(threadId, doing + " conversation " + threadId + " in " + root + " failed: " + e, e);
    }
}
