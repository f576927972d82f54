package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.store.spi.LeaseCounts;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
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
 *     r0000000000000000003.log the record (DiskLog): each put appends its new bytes and manifest
 *     v0000000000000000002/    a version as releases before format 3 wrote it: read, replaced at the next put
 *   .tmp-&lt;threadId&gt;.&lt;uuid&gt;    a log being written whole, moved into its conversation's folder at once
 *   .sends/&lt;sha-256&gt;.json      a request sent with an idempotency key and its answer (DiskSendRecords)
 *   .doors/&lt;sha-256&gt;.rec       a door's record: its kind, key and value (DiskDoorRecords)
 *   .trash-&lt;uuid&gt;/              a deleted conversation, or a version folder a put replaced, being removed
 * </pre>
 *
 * <p>A put appends the rollouts' new bytes and the version's manifest to the conversation's log
 * and forces it once (decision 0097); a reader takes the log's last whole manifest, so a put cut
 * short is never seen. When appending would leave the log more than a sixteenth dead bytes (a
 * rollout replaced, many manifests) or a rollout in too many pieces, the put writes a new log
 * whole, forces it and renames it into place, then removes the one before. Every
 * change to a conversation (lease, renew, release, put, delete) holds its lock, which excludes
 * other threads and other processes on the machine, for the whole change: a put's sources are read
 * under it. Reads take no lock. A folder on a network file system is not supported: its locks and
 * renames may not be what a local disk's are.
 *
 * <p>Nothing in the folder is trusted (decision 0062): every entry is reached through
 * {@link DiskFolder}, which follows no link and opens only folders and regular files,
 * without waiting on a FIFO; anything else is a {@link CorruptConversationException}.
 */
public final class DiskConversationStore implements ConversationStore {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    static final String LEASE = DiskLease.FILE;
    static final String TMP = ".tmp-";
    /** How long a change waits for another's lock; a put holds it while it reads its sources. */
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
    /** How long {@link #close} waits for changes under way: a put of a long conversation, not a wait for another process's lock. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
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
    private final LeaseCounts leaseCounts = new LeaseCounts();
    /** Reads a conversation's newest version, without a lock. */
    private final DiskNewest newest;
    /** Set by {@link #close}: every call after it is a {@link StoreClosedException}. */
    private volatile boolean closed;
    /** Guards {@link #changing}; {@link #close} waits on it. */
    private final Object changes = new Object();
    /** Changes under way: {@link #close} lets them end before it returns, so that none writes in the folder after it. */
    private int changing;

    private DiskConversationStore(Path root, StoreLimits limits, Clock clock, DiskLocks locks, boolean handles) {
        this.root = root;
        this.limits = limits;
        this.clock = clock;
        this.locks = locks;
        this.handles = handles;
        this.trash = new DiskTrash(root, handles, locks);
        this.newest = new DiskNewest(root, limits, handles);
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
        failIfClosed(null);
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

    /** The store's send records (decision 0117): one file per key in {@code .sends/}, kept for {@code window}, at most {@code maxRecords}. */
    @Override
    public Optional<SendRecords> sendRecords(Duration window, int maxRecords) {
        return Optional.of(new DiskSendRecords(root, handles, locks, clock, window, maxRecords, () -> closed));
    }

    /** The store's door records (decision 0126): one file per record in {@code .doors/}, kept for {@code window} from its write. */
    @Override
    public Optional<DoorRecords> doorRecords(Duration window, int maxRecords) {
        return Optional.of(new DiskDoorRecords(root, handles, locks, clock, window, maxRecords, () -> closed));
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
            DiskTrash.removeTemporaries(top, dir, DiskTrash.MAX_REMOVED);
            Instant now = clock.instant();
            Optional<ConversationLease> current = DiskLease.read(dir, threadId);
            if (current.isPresent() && current.get().liveAt(now)) {
                leaseCounts.countRefused();
                throw new ConversationLeasedException(threadId, current.get().holder(), current.get().expiresAt());
            }
            if (current.isPresent()) {
                leaseCounts.countTakenOver();       // lapsed, never given back
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
            if (dir == null) {
                throw new LeaseLostException(lease, "it was released (or never taken)");
            }
            return DiskLease.renew(dir, lease, StoreChecks.expiry(now, ttl), now);
        });
    }

    @Override
    public boolean askHandOver(String threadId) {
        StoreChecks.threadId(threadId);
        boolean asked = locked(threadId, "asking for", false, (top, dir) -> DiskLease.ask(dir, threadId, clock.instant()));
        if (asked) {
            leaseCounts.countAsked();
        }
        return asked;
    }

    @Override
    public Optional<LeaseCounts> leaseCounts() {
        return Optional.of(leaseCounts);
    }

    @Override
    public boolean release(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "releasing the lease on", false, (top, dir) -> {
            Optional<ConversationLease> current = DiskLease.read(dir, threadId, clock.instant());
            if (current.isEmpty() || !current.get().token().equals(lease.token())) {
                return false;
            }
            if (current.get().handOverAsked()) {
                leaseCounts.countHandedOver();
            }
            dir.delete(LEASE);
            dir.force();
            if (!isStored(dir)) {
                try {
                    top.delete(threadId);     // leased but never stored: nothing to keep
                } catch (DirectoryNotEmptyException left) {
                    DiskTrash.discard(top, threadId);
                }
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
            DiskTrash.removeTemporaries(top, dir, DiskTrash.MAX_REMOVED);
            List<String> names = DiskRecord.names(dir);
            List<String> logs = DiskLog.logs(names);
            List<String> versions = DiskRecord.versions(names);
            StoredConversation stored;
            try (DiskLog.Opened log = logs.isEmpty() ? null : DiskLog.open(threadId, dir, logs.get(0), limits)) {
                long current = log != null ? log.version() : versions.isEmpty() ? 0 : DiskRecord.versionOf(threadId, versions.get(0));
                long next = StoreChecks.nextVersion(threadId, current);
                if (current != conversation.version()) {
                    throw new VersionConflictException(threadId, conversation.version(), current);
                }
                stored = conversation.toBuilder().version(next).build();
                List<DiskLogPut.Planned> plan = DiskLogPut.plan(threadId, log, stored, appends);
                if (log != null && DiskLogPut.appendable(threadId, dir, log, plan)) {
                    DiskLogPut.append(threadId, log, stored, clock.instant(), plan, () -> DiskLease.checkInForce(dir, lease, clock.instant()));
                    logs = logs.subList(1, logs.size());
                } else {
                    writeLog(top, dir, lease, stored, log, plan);
                }
            }
            // older logs and version folders (an earlier release's, or left by a crash): a reader takes the newest log, and
            // the version is stored already, so one that cannot be removed now, or past the first 1,024, is left for the next put
            try {
                for (String older : logs.subList(0, Math.min(logs.size(), DiskRemoval.BATCH))) {
                    DiskTrash.discard(top, dir, older);
                }
                for (String older : versions.subList(0, Math.min(versions.size(), DiskRemoval.BATCH))) {
                    trash.discardLater(top, dir, older);
                }
            } catch (IOException e) {
                LOG.warn("conversation {} is stored at version {}; an older record beside it is removed at its next put: {}", threadId,
                        stored.version(), e.toString());
            }
            return stored;
        });
    }

    /**
     * Writes the version whole as a new log: made in the root, whose path is the store's own,
     * forced, then moved into the conversation's folder through its handle (a folder swapped for a
     * link meanwhile is not written through) under its final name, in one step.
     */
    private void writeLog(DiskFolder top, DiskFolder dir, ConversationLease lease, StoredConversation stored, DiskLog.@Nullable Opened current,
                          List<DiskLogPut.Planned> plan) throws IOException {
        String tmp = TMP + stored.threadId() + "." + UUID.randomUUID();
        try {
            try (FileChannel out = top.createFile(tmp)) {
                DiskLogPut.writeWhole(stored.threadId(), out, current, stored, clock.instant(), plan);
            }
            // the sources may have taken a while: the lease must still be in force when the version appears
            DiskLease.checkInForce(dir, lease, clock.instant());
            top.move(tmp, dir, DiskLog.name(stored.version()));
        } catch (IOException | RuntimeException e) {
            top.delete(tmp);
            throw e;
        }
    }

    @Override
    public Optional<StoredConversation> get(String threadId) {
        failIfClosed(threadId);
        return newest.read(threadId, log -> DiskLog.read(threadId, log), (version, name) -> DiskRecord.read(threadId, version, name, limits));
    }

    /** The owner in the newest version's manifest (checked against its hash, as {@link #get} checks it), no rollout read. */
    @Override
    public Optional<ConversationOwner> ownerOf(String threadId) {
        failIfClosed(threadId);
        return newest.read(threadId, log -> DiskLog.summary(threadId, log), (version, name) -> DiskRecord.summary(threadId, version, name, limits))
                .map(ConversationSummary::owner);
    }

    @Override
    public boolean delete(ConversationLease lease) {
        String threadId = StoreChecks.threadId(lease.threadId());
        return locked(threadId, "deleting", false, (top, dir) -> {
            DiskLease.checkInForce(dir, lease, clock.instant());
            boolean stored = isStored(dir);
            DiskTrash.discard(top, threadId);
            return stored;
        });
    }

    @Override
    public List<ConversationSummary> list(@Nullable String afterThreadId, int limit) {
        StoreChecks.listLimit(limit);
        failIfClosed(null);
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
                newest.summary(top, id).ifPresent(page::add);
            }
            return page;
        } catch (IOException e) {
            throw new ConversationStoreException(null, "cannot list the conversation store in " + root + ": " + e, e);
        }
    }

    /**
     * Refuses new calls, lets the changes under way end (for up to 10 s), waits (a while) for the
     * versions puts replaced to be removed, then lets go of the locks: once it returns, nothing of
     * this store writes in its folder.
     */
    @Override
    public void close() {
        boolean ended = changesEnded();
        try {
            if (!ended) {
                LOG.warn("a change to a stored conversation was still under way {} after the store in {} began to close; "
                        + "its lock is closed under it and it fails", CLOSE_WAIT, root);
            }
            trash.drain();
        } finally {
            locks.close();
        }
    }

    /**
     * Closes to new changes and waits up to {@link #CLOSE_WAIT} for those under way: a host that
     * removes the folder once {@code close} returns finds nothing written in it after; false when
     * one was still running.
     */
    private boolean changesEnded() {
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        synchronized (changes) {
            closed = true;
            try {
                for (long left = CLOSE_WAIT.toNanos(); changing > 0 && left > 0; left = deadline - System.nanoTime()) {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(changes, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return changing == 0;
        }
    }

    /** Refuses work once closed, before the closed lock file can turn it into a wait that reads as a busy lock. */
    private void failIfClosed(@Nullable String threadId) {
        if (closed) {
            throw new StoreClosedException(threadId, "in " + root);
        }
    }

    /** Whether the conversation's folder holds a version, in a log or a version folder. */
    private static boolean isStored(DiskFolder dir) throws IOException {
        List<String> names = DiskRecord.names(dir);
        return !DiskLog.logs(names).isEmpty() || !DiskRecord.versions(names).isEmpty();
    }

    /**
     * Runs {@code work} on the conversation's folder under its lock, which excludes every other
     * change to it from this JVM and from other processes; the folder is made first with
     * {@code create}, else {@code work} gets none when there is none.
     */
    private <T> T locked(String threadId, String doing, boolean create, LockedWork<T> work) {
        synchronized (changes) {
            failIfClosed(threadId);
            changing++;
        }
        try {
            return lockedNow(threadId, doing, create, work);
        } finally {
            synchronized (changes) {
                if (--changing == 0) {
                    changes.notifyAll();
                }
            }
        }
    }

    private <T> T lockedNow(String threadId, String doing, boolean create, LockedWork<T> work) {
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
            throw failed(root, threadId, doing, e);
        } finally {
            held.close();
        }
    }

    @FunctionalInterface
    private interface LockedWork<T> {
        /** {@code dir} is null when the conversation has no folder (never leased or stored). */
        T run(DiskFolder top, @Nullable DiskFolder dir) throws IOException;
    }

    /** {@code e}, met {@code doing} to conversation {@code threadId} in the store at {@code root}, as the store reports it. */
    static ConversationStoreException failed(Path root, String threadId, String doing, IOException e) {
        if (e instanceof DiskFolder.ForeignEntryException foreign) {
            return new CorruptConversationException(threadId, foreign.getMessage(), foreign);
        }
        return new ConversationStoreException(threadId, doing + " conversation " + threadId + " in " + root + " failed: " + e, e);
    }
}
