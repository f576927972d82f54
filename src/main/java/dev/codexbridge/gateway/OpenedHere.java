package dev.codexbridge.gateway;

import dev.codexbridge.internal.Remembered;
import java.util.Optional;

/**
 * The gateway's record of threads opened here and not in the store yet, when it has a store and
 * no {@link ThreadOwners} of the host's: the store's record is the owner from a thread's first
 * stored turn on, so the entry is dropped then and a replica keeps nothing per stored
 * conversation. At most {@code max} entries, the least recently used forgotten: such a thread is
 * refused, as an unknown one is, until it is stored.
 */
final class OpenedHere implements ThreadOwners {
    private final Remembered<String, String> owners;

    OpenedHere(int max) {
        this.owners = Remembered.atMost(max);
    }

    @Override
    public void record(String threadId, String principal) {
        owners.put(threadId, principal);
    }

    @Override
    public Optional<String> ownerOf(String threadId) {
        return Optional.ofNullable(owners.get(threadId));
    }

    /** The thread is in the store now: its record there answers. */
    void stored(String threadId) {
        owners.remove(threadId);
    }

    /**
     * A turn of the thread ended not kept ({@code ErrorCategory.NOT_KEPT}): when the thread was
     * never stored, codex's copy here holds what the caller was told is gone, and no other replica
     * could resume it; forgotten, it is refused here too, and a front end that knows it as a
     * principal's own finds it abandoned (decision 0093). A stored thread is not here: no-op.
     */
    void notKept(String threadId) {
        owners.remove(threadId);
    }

    int size() {
        return owners.size();
    }
}
