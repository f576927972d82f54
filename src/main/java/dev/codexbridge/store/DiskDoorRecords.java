package dev.codexbridge.store;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.store.spi.DoorRecordChecks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The door records of a {@link DiskConversationStore} ({@link DoorRecords}; decision 0126): one
 * file per record in the store's {@code .doors/} folder, named by the SHA-256 of its kind and key,
 * holding when it was written (the store's clock), its kind and key, and the value, replaced whole
 * by a rename (a reader sees the old value or the new). A write holds the store's lock of its
 * record ({@link DiskLocks}, shared by the processes on the machine), so that {@link #replace}'s
 * read and write are one step against every other write. Every hundredth put forgets
 * the records past the window and, beyond the count, the least recently written, by their files'
 * times (the system's clock: a folder of many records is listed, not read).
 */
final class DiskDoorRecords implements DoorRecords {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    static final String FOLDER = ".doors";
    private static final String SUFFIX = ".rec";
    /** The file's first bytes: its format, so that a later layout is told apart. */
    private static final byte[] MAGIC = "cbdr1\n".getBytes(StandardCharsets.US_ASCII);
    /** The magic, when it was written, the name's length. */
    private static final int HEADER = MAGIC.length + 8 + 4;
    private static final long MAX_FILE_BYTES = HEADER + 4L * (64 + DoorRecordChecks.MAX_KEY_CHARS) + DoorRecordChecks.MAX_VALUE_BYTES;
    private static final int PRUNE_EVERY = 100;
    /** A replace a crash cut short is removed once this old. */
    private static final Duration LEFT_TMP_AGE = Duration.ofMinutes(1);
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);

    private final java.nio.file.Path root;
    private final boolean handles;
    private final DiskLocks locks;
    private final Clock clock;
    private final Duration window;
    private final int max;
    private final BooleanSupplier closed;
    private final AtomicInteger puts = new AtomicInteger();

    DiskDoorRecords(java.nio.file.Path root, boolean handles, DiskLocks locks, Clock clock, Duration window, int maxRecords,
                    BooleanSupplier closed) {
        DoorRecordChecks.bounds(window, maxRecords);
        this.root = root;
        this.handles = handles;
        this.locks = locks;
        this.clock = clock;
        this.window = window;
        this.max = maxRecords;
        this.closed = closed;
    }

    @Override
    public void put(String kind, String key, byte[] value) {
        DoorRecordChecks.name(kind, key);
        DoorRecordChecks.value(value);
        try (DiskLocks.Held held = hold(kind, key)) {
            write(kind, key, value);
        }
        if (puts.incrementAndGet() % PRUNE_EVERY == 0) {
            prune();
        }
    }

    @Override
    public boolean replace(String kind, String key, byte @Nullable [] expected, byte[] value) {
        DoorRecordChecks.name(kind, key);
        DoorRecordChecks.value(value);
        try (DiskLocks.Held held = hold(kind, key)) {
            byte[] now = inFolder("reading", false, dir -> dir == null ? null : read(dir, kind, key, clock.instant()));
            if (!Arrays.equals(now, expected)) {
                return false;
            }
            write(kind, key, value);
        }
        if (puts.incrementAndGet() % PRUNE_EVERY == 0) {
            prune();
        }
        return true;
    }

    /** The lock every write of this record holds, among this JVM's threads and the machine's processes. */
    private DiskLocks.Held hold(String kind, String key) {
        if (closed.getAsBoolean()) {
            throw new StoreClosedException(null, "in " + root);
        }
        return locks.hold("door:" + kind + '\0' + key, LOCK_TIMEOUT);
    }

    private void write(String kind, String key, byte[] value) {
        byte[] name = (kind + '\0' + key).getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(HEADER + name.length + value.length).put(MAGIC).putLong(clock.millis()).putInt(name.length)
                .put(name).put(value);
        inFolder("keeping", true, dir -> {
            dir.replace(fileName(kind, key), file.array());
            return null;
        });
    }

    @Override
    public Optional<byte[]> get(String kind, String key) {
        DoorRecordChecks.name(kind, key);
        return Optional.ofNullable(inFolder("reading", false, dir -> dir == null ? null : read(dir, kind, key, clock.instant())));
    }

    @Override
    public Map<String, byte[]> getAll(String kind, Collection<String> keys) {
        DoorRecordChecks.keys(kind, keys);
        Map<String, byte[]> found = new HashMap<>();
        inFolder("reading", false, dir -> {
            Instant now = clock.instant();
            for (String k : keys) {
                byte[] v = dir == null ? null : read(dir, kind, k, now);
                if (v != null) {
                    found.put(k, v);
                }
            }
            return null;
        });
        return found;
    }

    @Override
    public boolean delete(String kind, String key) {
        DoorRecordChecks.name(kind, key);
        try (DiskLocks.Held held = hold(kind, key)) {
            return inFolder("forgetting", false, dir -> {
                if (dir == null || read(dir, kind, key, clock.instant()) == null) {
                    return false;
                }
                dir.delete(fileName(kind, key));
                return true;
            });
        }
    }

    /** The record's value within the window; one that cannot be read, or names another record, is none (and replaced by the next put). */
    private byte[] read(DiskFolder dir, String kind, String key, Instant now) throws IOException {
        String fileName = fileName(kind, key);
        byte[] bytes;
        try {
            bytes = dir.readSmall(fileName, MAX_FILE_BYTES);
        } catch (NoSuchFileException none) {
            return null;
        }
        byte[] name = (kind + '\0' + key).getBytes(StandardCharsets.UTF_8);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER + name.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || in.getInt(MAGIC.length + 8) != name.length
                || !Arrays.equals(bytes, HEADER, HEADER + name.length, name, 0, name.length)) {
            LOG.warn("the door record {} in {} cannot be read and counts as none", fileName, root);
            return null;
        }
        if (!Instant.ofEpochMilli(in.getLong(MAGIC.length)).plus(window).isAfter(now)) {
            return null;
        }
        return Arrays.copyOfRange(bytes, HEADER + name.length, bytes.length);
    }

    /** Forgets the records past the window, then the least recently written beyond the count. */
    void prune() {
        try (DiskFolder top = DiskFolder.open(root, handles); DiskFolder dir = top.folder(FOLDER)) {
            Instant now = Instant.now();
            record Entry(String name, Instant written) {
            }
            List<Entry> entries = new ArrayList<>();
            for (String name : dir.names()) {
                try {
                    Instant written = dir.attributes(name).lastModifiedTime().toInstant();
                    if (name.startsWith(DiskConversationStore.TMP) && written.isBefore(now.minus(LEFT_TMP_AGE))) {
                        dir.delete(name);
                    } else if (name.endsWith(SUFFIX)) {
                        entries.add(new Entry(name, written));
                    }
                } catch (NoSuchFileException gone) {
                    // replaced or forgotten meanwhile
                }
            }
            entries.sort(Comparator.comparing(Entry::written));
            int over = entries.size() - max;
            for (Entry e : entries) {
                if (e.written().plus(window).isAfter(now) && over <= 0) {
                    break;
                }
                try {
                    // a record written again since it was listed stays
                    if (dir.attributes(e.name()).lastModifiedTime().toInstant().equals(e.written())) {
                        dir.delete(e.name());
                    }
                } catch (NoSuchFileException gone) {
                    // forgotten meanwhile
                }
                over--;
            }
        } catch (NoSuchFileException none) {
            // no record yet
        } catch (IOException e) {
            LOG.warn("the door records in {} could not be pruned: {}", root, e.toString());
        }
    }

    private interface Work<T> {
        /** {@code dir} is null when the folder does not exist and the work does not make it. */
        T run(DiskFolder dir) throws IOException;
    }

    private <T> T inFolder(String doing, boolean make, Work<T> work) {
        if (closed.getAsBoolean()) {
            throw new StoreClosedException(null, "in " + root);
        }
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            if (make) {
                try {
                    top.createFolder(FOLDER);
                } catch (FileAlreadyExistsException exists) {
                    // checked as it is opened: a folder, not a link to one
                }
            }
            DiskFolder dir;
            try {
                dir = top.folder(FOLDER);
            } catch (NoSuchFileException none) {
                return work.run(null);
            }
            try (dir) {
                return work.run(dir);
            }
        } catch (IOException e) {
            throw new ConversationStoreException(null, doing + " a door record in " + root + " failed: " + e, e);
        }
    }

    private static String fileName(String kind, String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest((kind + '\0' + key).getBytes(StandardCharsets.UTF_8))) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "door records in " + root + "/" + FOLDER;
    }

    /** For a test: how many records the folder holds. */
    int size() throws IOException {
        try (DiskFolder top = DiskFolder.open(root, handles); DiskFolder dir = top.folder(FOLDER)) {
            return (int) dir.names().stream().filter(n -> n.endsWith(SUFFIX)).count();
        } catch (NoSuchFileException none) {
            return 0;
        }
    }
}
