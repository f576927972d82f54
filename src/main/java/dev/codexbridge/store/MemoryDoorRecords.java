package dev.codexbridge.store;

import dev.codexbridge.store.spi.DoorRecordChecks;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@link DoorRecords#inMemory}: the records in this process, least recently written first, the
 * oldest forgotten beyond the count or beyond {@link #MAX_BYTES} of values in all (the heap is the
 * process's). No window: what the process forgets at its end is shorter than any. Guarded by its
 * own monitor.
 */
final class MemoryDoorRecords implements DoorRecords {
    static final long MAX_BYTES = 256L << 20;
    private final int max;
    private final long maxBytes;
    private final Map<String, byte[]> records = new LinkedHashMap<>();
    private long bytes;

    MemoryDoorRecords(int maxRecords) {
        this(maxRecords, MAX_BYTES);
    }

    MemoryDoorRecords(int maxRecords, long maxBytes) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("keep at least one door record, not " + maxRecords);
        }
        this.max = maxRecords;
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized void put(String kind, String key, byte[] value) {
        DoorRecordChecks.name(kind, key);
        byte[] copy = DoorRecordChecks.value(value).clone();
        String name = kind + '\0' + key;
        forget(name);
        records.put(name, copy);
        bytes += copy.length;
        var oldest = records.entrySet().iterator();
        while ((records.size() > max || bytes > maxBytes) && oldest.hasNext()) {
            var e = oldest.next();
            if (e.getKey().equals(name)) {
                break;
            }
            bytes -= e.getValue().length;
            oldest.remove();
        }
    }

    @Override
    public synchronized boolean replace(String kind, String key, byte @Nullable [] expected, byte[] value) {
        DoorRecordChecks.name(kind, key);
        DoorRecordChecks.value(value);
        if (!Arrays.equals(records.get(kind + '\0' + key), expected)) {
            return false;
        }
        put(kind, key, value);
        return true;
    }

    @Override
    public synchronized Optional<byte[]> get(String kind, String key) {
        DoorRecordChecks.name(kind, key);
        byte[] v = records.get(kind + '\0' + key);
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    @Override
    public synchronized Map<String, byte[]> getAll(String kind, Collection<String> keys) {
        DoorRecordChecks.keys(kind, keys);
        Map<String, byte[]> found = new HashMap<>();
        for (String k : keys) {
            byte[] v = records.get(kind + '\0' + k);
            if (v != null) {
                found.put(k, v.clone());
            }
        }
        return found;
    }

    @Override
    public synchronized boolean delete(String kind, String key) {
        DoorRecordChecks.name(kind, key);
        return forget(kind + '\0' + key);
    }

    private boolean forget(String name) {
        byte[] old = records.remove(name);
        if (old != null) {
            bytes -= old.length;
        }
        return old != null;
    }
}
