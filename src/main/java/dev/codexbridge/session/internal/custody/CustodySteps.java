package dev.codexbridge.session.internal.custody;

import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One session's custody steps, one after another on the library's store threads
 * ({@link RpcThreads#stores()}): each starts when the one before ended, failed or not, so a sleep
 * finishes before the next wake starts. Thread-safe.
 */
final class CustodySteps {
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /** {@code work} as the next step. */
    synchronized CompletableFuture<Void> run(Runnable work) {
        CompletableFuture<Void> next = tail.handle((x, failure) -> null).thenRunAsync(work, RpcThreads.stores());
        tail = next;
        return next;
    }

    /** A step whose end is the future {@code work} returns: the next step starts when that one is done. */
    synchronized CompletableFuture<Void> runThen(Supplier<CompletableFuture<Void>> work) {
        CompletableFuture<Void> next = tail.handle((x, failure) -> null).thenComposeAsync(x -> work.get(), RpcThreads.stores());
        tail = next;
        return next;
    }
}
