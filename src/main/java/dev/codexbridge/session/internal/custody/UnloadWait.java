package dev.codexbridge.session.internal.custody;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A sleep's wait until codex no longer has the thread loaded, before its files are removed there
 * ({@link ThreadCustody#sleep}). Each check is a short task on the store threads, the pause
 * between two a timer's delay (growing from 25 ms to half a second): no thread waits meanwhile.
 */
public final class UnloadWait {
    /** How long a sleep waits for codex to unload the thread beyond the connection's re-attach window. */
    public static final Duration GRACE = Duration.ofSeconds(10);
    private static final long POLL_MS = 25;
    private static final long POLL_MAX_MS = 500;

    private UnloadWait() {
    }

    /**
     * Done once codex on {@code from} says it no longer has the thread loaded; failed after
     * {@code unloadWindow} and {@code grace} ({@link #GRACE}, shorter in tests), and with
     * {@link WokenFirst} as soon as {@code wanted} says a wake came. A closed connection is no such
     * answer: codex keeps a thread whose connection dropped for the re-attach window, so the wait
     * goes on (the client may reconnect) and, without the answer, fails, and the thread stays
     * where it was.
     */
    public static CompletableFuture<Void> until(LineageMoves moves, CodexClient from, String threadId, Duration unloadWindow,
                                         Duration grace, BooleanSupplier wanted) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Duration wait = unloadWindow.plus(grace);
        check(moves, from, threadId, wait, wanted, System.nanoTime() + wait.toNanos(), POLL_MS, done);
        return done;
    }

    private static void check(LineageMoves moves, CodexClient from, String threadId, Duration wait, BooleanSupplier wanted,
                              long deadline, long pauseMs, CompletableFuture<Void> done) {
        try {
            if (wanted.getAsBoolean()) {
                done.completeExceptionally(new WokenFirst());
                return;
            }
            if (from.isOpen() && !moves.loaded(from, threadId)) {
                done.complete(null);
                return;
            }
            if (System.nanoTime() > deadline) {
                done.completeExceptionally(new StillLoaded("codex still has thread " + threadId + " loaded "
                        + wait.toSeconds() + " s after this session let go of it: its copy stays there, "
                        + "and the conversation is stored as it was"));
                return;
            }
            long next = Math.min(POLL_MAX_MS, pauseMs * 2);
            RpcThreads.timer().schedule(() -> {
                try {
                    RpcThreads.stores().execute(() -> check(moves, from, threadId, wait, wanted, deadline, next, done));
                } catch (RejectedExecutionException e) {
                    done.completeExceptionally(e);
                }
            }, pauseMs, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    /** Codex kept the thread loaded past the wait: the conversation is stored, and codex's copy stays where it is. */
    public static final class StillLoaded extends CodexException {
        private static final long serialVersionUID = 1L;

        StillLoaded(String message) {
            super(message);
        }
    }

    /** The wait ended by a wake: not a failure, the thread stays where it is. */
    public static final class WokenFirst extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WokenFirst() {
            super("wanted again before codex unloaded it", null, false, false);
        }
    }
}
