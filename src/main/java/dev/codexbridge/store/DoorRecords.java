package dev.codexbridge.store;

import dev.codexbridge.store.spi.DoorRecordChecks;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Small values a door keeps beside the conversations, each under a kind and a key (decision 0126;
 * docs/store.md, "Door records"), so that every host sharing the store answers what another one
 * answered: the OpenAI door's response ids and chat histories. A value is the door's own bytes; the
 * store neither reads nor checks them. A door that keeps a principal's value puts the principal in
 * it and checks it when it reads.
 *
 * <ul>
 *   <li><b>Last write wins</b> for {@link #put}, which replaces the key's value whole;
 *       {@link #replace} writes only over the value its caller read, so that hosts changing one
 *       record at once each see the other's change instead of writing over it.</li>
 *   <li><b>Bounded.</b> A record is kept for the window from its last write; past it, it reads as
 *       none. At most {@code maxRecords} are kept (the least recently written forgotten first;
 *       stores checking a count may hold up to a few hundred more between checks).</li>
 *   <li><b>Sizes.</b> A kind is 1 to 64 of {@code a-z 0-9 . -}; a key 1 to
 *       {@value DoorRecordChecks#MAX_KEY_CHARS} characters without U+0000; a value at most
 *       {@value DoorRecordChecks#MAX_VALUE_BYTES} bytes; {@link #getAll} at most
 *       {@value DoorRecordChecks#MAX_KEYS} keys.</li>
 * </ul>
 *
 * <p>Thread-safe; calls block on storage and throw {@link ConversationStoreException} when it fails.
 */
public interface DoorRecords {
    /** How long a record is kept from its last write by default: thirty days, as OpenAI keeps a stored response. */
    Duration DEFAULT_WINDOW = Duration.ofDays(30);
    /** How many records a store keeps by default. */
    int DEFAULT_MAX_RECORDS = 1_000_000;

    /** Keeps {@code value} under {@code kind} and {@code key}, in place of what was there. */
    void put(String kind, String key, byte[] value);

    /**
     * Keeps {@code value} under {@code kind} and {@code key} only if what is there now is
     * {@code expected}, byte for byte ({@code null}: no value within the window), as one step among
     * every host sharing the store; whether it was kept. A door that reads a record, changes it and
     * writes it back reads it again and goes round when this answers false.
     */
    boolean replace(String kind, String key, byte @Nullable [] expected, byte[] value);

    /** The value under {@code kind} and {@code key}, within the window. */
    Optional<byte[]> get(String kind, String key);

    /** The values of those of {@code keys} that have one under {@code kind}, within the window; the others are absent. */
    Map<String, byte[]> getAll(String kind, Collection<String> keys);

    /** Forgets the value under {@code kind} and {@code key}; whether there was one. */
    boolean delete(String kind, String key);

    /**
     * Whether the store is known not to answer now (the last call that reached for its database
     * could not): a write tried now would wait out the store's timeout. A door that must answer
     * promptly keeps such a write for later instead of trying it. False unless the store can tell.
     */
    default boolean unreachable() {
        return false;
    }

    /** Records in this process only, at most {@code maxRecords} and 256 MiB of values in all, the least recently written forgotten first. */
    static DoorRecords inMemory(int maxRecords) {
        return new MemoryDoorRecords(maxRecords);
    }
}
