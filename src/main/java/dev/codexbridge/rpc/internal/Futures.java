package dev.codexbridge.rpc.internal;

import dev.codexbridge.rpc.ConnectionClosedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for the library's futures so callers see its unchecked exceptions, not wrappers. */
public final class Futures {
    private Futures() {
    }

    /**
     * Waits for {@code future} and returns its value, rethrowing its failure as the unchecked
     * exception it is; an interrupted wait cancels the future and keeps the interrupt flag.
     */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new ConnectionClosedException("interrupted while waiting for codex", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** {@link #join} with a deadline; past it, {@link TimeoutException} and the future is left running. */
    public static <T> T join(CompletableFuture<T> future, long timeout, TimeUnit unit) throws TimeoutException {
        try {
            return future.get(timeout, unit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionClosedException("interrupted while waiting for codex", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** The failure inside completion and execution wrappers. */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A future's failure as an unchecked exception to throw; errors are thrown as they are. */
    public static RuntimeException rethrow(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof RuntimeException re) {
            return re;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new CompletionException(cause);
    }
}
