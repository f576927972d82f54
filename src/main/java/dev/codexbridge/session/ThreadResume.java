package dev.codexbridge.session;

import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The tries of one {@code thread/resume}: each waits at most {@code timeout}; one that got no
 * answer is tried again at once, one codex refused as overloaded after a short pause, up to
 * {@code attempts} tries. A waiting turn may {@linkplain #hurry() hurry} it: one more try is sent
 * at once rather than after the pending one's timeout, and whichever codex answers first counts
 * (a second {@code thread/resume} of a thread already open on the connection is answered alike
 * and changes nothing). A thread codex never wrote down ends the tries at once
 * ({@link #notStored}). Thread-safe.
 */
final class ThreadResume {
    /** The pause before a try that follows codex's "overloaded", times the tries so far. */
    private static final Duration OVERLOADED_PAUSE = Duration.ofMillis(200);

    private final Function<Duration, CompletableFuture<String>> send;
    private final Duration timeout;
    private final int attempts;
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private int sent;
    private int inFlight;
    private boolean hurried;

    /** {@code send} sends one {@code thread/resume} with the given deadline and completes with the thread id. */
    ThreadResume(Function<Duration, CompletableFuture<String>> send, Duration timeout, int attempts) {
        this.send = send;
        this.timeout = timeout;
        this.attempts = Math.max(1, attempts);
    }

    /** Sends the first try; the future completes with the thread id, or the failure that ended the tries. */
    CompletableFuture<String> start() {
        trySend(false);
        return result;
    }

    /** A turn waits for this resume: one more try now, if one is still pending (once per resume). */
    void hurry() {
        synchronized (this) {
            if (result.isDone() || hurried || inFlight == 0) {
                return;
            }
            hurried = true;
        }
        trySend(true);
    }

    private void trySend(boolean extra) {
        synchronized (this) {
            if (result.isDone() || !extra && sent >= attempts) {
                return;
            }
            if (!extra) {
                sent++;
            }
            inFlight++;
        }
        CompletableFuture<String> answer;
        try {
            answer = send.apply(timeout);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete(this::answered);
    }

    private void answered(String threadId, Throwable failure) {
        Runnable next = null;
        synchronized (this) {
            inFlight--;
            if (result.isDone()) {
                return;
            }
            if (failure == null) {
                next = () -> result.complete(threadId);
            } else {
                Throwable cause = Futures.unwrap(failure);
                if (notStored(cause) || sent >= attempts || !retryable(cause)) {
                    if (inFlight == 0 || notStored(cause)) {
                        next = () -> result.completeExceptionally(cause);
                    }
                    // else: a try still pending may yet succeed; its answer decides
                } else if (cause instanceof RpcTimeoutException) {
                    next = () -> trySend(false);
                } else {
                    long pause = OVERLOADED_PAUSE.toMillis() * sent;
                    next = () -> RpcThreads.timer().schedule(() -> RpcThreads.callbacks().execute(() -> trySend(false)),
                            pause, TimeUnit.MILLISECONDS);
                }
            }
        }
        if (next != null) {
            next.run();
        }
    }

    private static boolean retryable(Throwable cause) {
        return cause instanceof RpcTimeoutException
                || cause instanceof RpcException e && e.code() == RpcError.SERVER_OVERLOADED;
    }

    /**
     * Whether codex answered that it has no record of the thread: it never wrote the thread down
     * (codex 0.169: -32600 "no rollout found for thread id …" for a thread without a file,
     * -32603 "failed to read thread: … rollout at … is empty" for one whose file has no complete
     * first line). Recognised by codex's words, not by the code alone: both codes mean other
     * things too.
     */
    static boolean notStored(Throwable cause) {
        if (!(cause instanceof RpcException e) || e.error() == null) {
            return false;
        }
        String m = e.error().message();
        return e.code() == RpcError.INVALID_REQUEST && m.contains("no rollout found for thread id")
                || e.code() == RpcError.INTERNAL_ERROR && m.contains("rollout at ") && m.contains(" is empty");
    }
}
