package dev.codexbridge.rpc.internal;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A future the library hands to host code, completing on the {@link RpcThreads#host() host pool}
 * (or a host's executor) once the library's own future does. So a continuation attached without an
 * executor ({@code thenApply}, {@code whenComplete}) runs there, never on a thread the library needs
 * for its own progress, and may block.
 *
 * <p>A thread that waits for it ({@code join}, {@code get}) does not wait for the host pool: it
 * waits for the library's future and completes this one itself, running the continuations that
 * were waiting for it. Stages derived from it ({@code thenApply}, {@code handle}, {@code copy}, …)
 * are host futures too and wait the same way, so a continuation on the host pool that blocks on
 * another library future (or on a stage of it) gets its answer even while every host thread is
 * busy. (A stage that also waits for another future — {@code thenCompose}, {@code thenCombine} —
 * can only settle its own side this way.)
 */
public final class HostFuture<T> extends CompletableFuture<T> {
    /** The library's future this one mirrors; null for a derived stage. */
    private final CompletableFuture<? extends T> source;
    /** The host future this stage was derived from; null for the first. */
    private final HostFuture<?> upstream;

    private HostFuture(CompletableFuture<? extends T> source, HostFuture<?> upstream) {
        this.source = source;
        this.upstream = upstream;
    }

    /** {@code library} as seen by host code: completing on the host pool. */
    public static <T> CompletableFuture<T> of(CompletableFuture<? extends T> library) {
        return of(library, RpcThreads.host());
    }

    /** {@code library} as seen by host code: completing on {@code executor}. */
    public static <T> CompletableFuture<T> of(CompletableFuture<? extends T> library, Executor executor) {
        Objects.requireNonNull(executor, "executor");
        HostFuture<T> f = new HostFuture<>(Objects.requireNonNull(library, "library"), null);
        library.whenComplete((value, failure) -> {
            try {
                executor.execute(() -> f.settle(value, failure));
            } catch (RejectedExecutionException rejected) {
                // a host executor that was shut down: the future still completes, here
                f.settle(value, failure);
            }
        });
        return f;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new HostFuture<>(null, this);
    }

    @Override
    public T join() {
        helpUninterruptibly();
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        try {
            help(Long.MAX_VALUE);
        } catch (TimeoutException cannotHappen) {
            throw new IllegalStateException(cannotHappen);    // no deadline was given
        }
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        help(unit.toNanos(timeout));
        return super.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Waits for the library's future (without the host pool) and completes this chain from it. */
    private void help(long nanos) throws InterruptedException, TimeoutException {
        if (isDone()) {
            return;
        }
        if (upstream != null) {
            upstream.help(nanos);
            return;
        }
        try {
            T value = nanos == Long.MAX_VALUE ? source.get() : source.get(nanos, TimeUnit.NANOSECONDS);
            settle(value, null);
        } catch (ExecutionException e) {
            settle(null, e.getCause());
        } catch (CancellationException e) {
            settle(null, e);
        }
    }

    private void helpUninterruptibly() {
        if (isDone()) {
            return;
        }
        if (upstream != null) {
            upstream.helpUninterruptibly();
            return;
        }
        try {
            settle(source.join(), null);
        } catch (CompletionException e) {
            settle(null, e.getCause() != null ? e.getCause() : e);
        } catch (CancellationException e) {
            settle(null, e);
        }
    }

    /** Completes as a stage depending on the library's future would: a failure wrapped once. */
    private void settle(T value, Throwable failure) {
        if (failure == null) {
            complete(value);
        } else {
            completeExceptionally(failure instanceof CompletionException ? failure : new CompletionException(failure));
        }
    }
}
