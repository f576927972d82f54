package dev.codexbridge.approval.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Passes a cancellation back up a chain of futures. A {@code CompletableFuture} made by
 * {@code thenApply} or {@code exceptionally} does not cancel the one it came from, so cancelling
 * the answer the session holds would not reach the host's handler without this.
 */
final class CancelPropagation {
    private CancelPropagation() {
    }

    /** Returns {@code downstream}; cancelling it cancels {@code upstream} too. */
    static <T> CompletableFuture<T> from(CompletableFuture<T> downstream, Future<?> upstream) {
        downstream.whenComplete((value, failure) -> {
            if (downstream.isCancelled()) {
                upstream.cancel(false);
            }
        });
        return downstream;
    }
}
