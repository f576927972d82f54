package dev.codexbridge.client;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** How many threads a connection may serve ({@code maxThreads}) and how many places are taken. */
final class ThreadPlaces {
    private final int max;
    private final AtomicInteger reserved = new AtomicInteger();

    ThreadPlaces(int max) {
        this.max = max;
    }

    /** Takes a place, or throws when all are taken; closing the handle gives it back, once. */
    AutoCloseable reserve() {
        while (true) {
            int now = reserved.get();
            if (now >= max) {
                throw new CodexException("this codex connection already serves " + now + " threads, its limit (maxThreads); "
                        + "open another connection or raise the limit", FailureKind.CAPACITY);
            }
            if (reserved.compareAndSet(now, now + 1)) {
                AtomicBoolean released = new AtomicBoolean();
                return () -> {
                    if (released.compareAndSet(false, true)) {
                        reserved.decrementAndGet();
                    }
                };
            }
        }
    }

    int reserved() {
        return reserved.get();
    }

    int max() {
        return max;
    }
}
