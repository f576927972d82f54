package dev.codexbridge.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's record of threads opened here and not in the store yet, when it has a store and
 * no {@link ThreadOwners} of the host's: the store's record is the owner from a thread's first
 * stored turn on, so the entry is dropped then and a replica keeps nothing per stored
 * conversation. At most {@code max} entries (the oldest forgotten: refused until stored).
 */
final class OpenedHere implements ThreadOwners {
    private final Map<String, String> owners;

    OpenedHere(int max) {
        this.owners = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > max;
            }
        };
    }

    @Override
    public synchronized void record(String threadId, String principal) {
        owners.put(threadId, principal);
    }

    @Override
    public synchronized Optional<String> ownerOf(String threadId) {
        return Optional.ofNullable(owners.get(threadId));
    }

    /** The thread is in the store now: its record there answers. */
    synchronized void stored(String threadId) {
        owners.remove(threadId);
    }

    synchronized int size() {
        return owners.size();
    }
}
