package dev.codexbridge.openai;

import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Door records over {@link #kept} that fail every call while {@link #down}, as a store whose
 * database is away or a replica cut off from it; counts the writes tried and tells each write taken.
 */
final class FailingDoorRecords implements DoorRecords {
    final DoorRecords kept;
    volatile boolean down;
    /** What {@link #unreachable} says: the store's gate knows it is down. */
    volatile boolean known;
    final AtomicInteger putsTried = new AtomicInteger();
    /** Told the kind and value of each put before it is tried. */
    volatile BiConsumer<String, byte[]> beforePut = (kind, value) -> { };
    /** Told the kind and value of each put taken. */
    volatile BiConsumer<String, byte[]> onPut = (kind, value) -> { };

    FailingDoorRecords() {
        this(DoorRecords.inMemory(100));
    }

    FailingDoorRecords(DoorRecords kept) {
        this.kept = kept;
    }

    @Override
    public boolean unreachable() {
        return known;
    }

    private void check() {
        if (down) {
            throw new ConversationStoreException(null, "the database has not answered for 1 s (a fault of the test)", null);
        }
    }

    @Override
    public void put(String kind, String key, byte[] value) {
        beforePut.accept(kind, value);
        putsTried.incrementAndGet();
        check();
        kept.put(kind, key, value);
        onPut.accept(kind, value);
    }

    @Override
    public boolean replace(String kind, String key, byte[] expected, byte[] value) {
        putsTried.incrementAndGet();
        check();
        return kept.replace(kind, key, expected, value);
    }

    @Override
    public Optional<byte[]> get(String kind, String key) {
        check();
        return kept.get(kind, key);
    }

    @Override
    public Map<String, byte[]> getAll(String kind, Collection<String> keys) {
        check();
        return kept.getAll(kind, List.copyOf(keys));
    }

    @Override
    public boolean delete(String kind, String key) {
        check();
        return kept.delete(kind, key);
    }
}
