package dev.codexbridge.session.internal.thread;

import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.internal.failure.ResumeFailures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The tries of one {@code thread/resume} (or of the {@code thread/start} that replaces a thread
 * codex never wrote): each waits at most {@code timeout}; one that got no answer is tried again
 * at once, one codex refused as overloaded after a short pause, up to {@code attempts} tries.
 * Codex 0.169 answers a burst of requests partly with -32001 "Server overloaded; retry later."
 * and leaves a few without any answer at all, so neither ends the tries. A waiting turn may
 * {@linkplain #hurry() hurry} a resume: one more try is sent after a short {@link #PATIENCE}
 * rather than after the pending one's timeout, and whichever codex answers first counts (a second
 * {@code thread/resume} of a thread already open on the connection is answered alike and changes
 * nothing). A thread codex never wrote down ends the tries at once ({@link ResumeFailures#notStored}).
 * Thread-safe.
 */
public final class ThreadOpenTries {
    /** The pause before a try that follows codex's "overloaded", times the tries so far. */
    private static final Duration OVERLOADED_PAUSE = Duration.ofMillis(200);
    /**
     * Timeouts that do not count as tries while codex is seen working (it sent something on the
     * connection since the try went out): a codex working through hundreds of resumes after a
     * restart is slow, not gone. Bounds how long that may go on.
     */
    static final int MAX_FORGIVEN = 30;
    /** How long a waiting turn lets a pending resume go unanswered before it sends one more. */
    static final Duration PATIENCE = Duration.ofSeconds(2);

    private final Function<Duration, CompletableFuture<String>> send;
    private final Duration timeout;
    private final int attempts;
    /** Messages read from codex on the connection so far: its progress. */
    private final LongSupplier progress;
    private long progressAtLastSend;
    private int forgiven;
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private int sent;
    private int inFlight;
    private boolean hurried;
    /** When the latest try was sent (System.nanoTime). */
    private long lastSentAt;

    /**
     * {@code send} sends one request with the given deadline and completes with the thread id;
     * {@code progress} counts what codex has sent on the connection (a try that timed out while it
     * grew is tried again without counting, up to {@link #MAX_FORGIVEN} times).
     */
    ThreadOpenTries(Function<Duration, CompletableFuture<String>> send, Duration timeout, int attempts, LongSupplier progress) {
        this.send = send;
        this.timeout = timeout;
        this.attempts = Math.max(1, attempts);
        this.progress = progress;
    }

    /**
     * The tries of a thread opened again on a shared connection: the reconnect {@code policy}'s
     * timeout (at most {@code timeout}) and tries; without a policy one try of {@code timeout}.
     */
    static ThreadOpenTries under(ReconnectPolicy policy, Function<Duration, CompletableFuture<String>> send, Duration timeout,
                                 LongSupplier progress) {
        return policy == null ? new ThreadOpenTries(send, timeout, 1, progress)
                : new ThreadOpenTries(send, policy.resumeTimeout().compareTo(timeout) <= 0 ? policy.resumeTimeout() : timeout,
                        policy.resumeAttempts(), progress);
    }

    /** Sends the first try; the future completes with the thread id, or the failure that ended the tries. */
    CompletableFuture<String> start() {
        trySend(false);
        return result;
    }

    /**
     * A turn waits for this resume: if a try is still unanswered {@link #PATIENCE} after it was
     * sent, one more goes out then (once per resume). Codex answers a resume in milliseconds
     * unless it dropped the request, so a resume that is merely slow is not sent twice. Never
     * sends on the calling thread.
     */
    void hurry() {
        long due;
        synchronized (this) {
            if (result.isDone() || hurried || inFlight == 0) {
                return;
            }
            hurried = true;
            due = Math.max(0, lastSentAt + PATIENCE.toNanos() - System.nanoTime());
        }
        RpcThreads.timer().schedule(() -> RpcThreads.callbacks().execute(() -> trySend(true)), due, TimeUnit.NANOSECONDS);
    }

    private void trySend(boolean extra) {
        synchronized (this) {
            if (result.isDone() || !extra && sent >= attempts) {
                return;
            }
            if (extra && inFlight == 0) {
                return;     // hurried, but the pending try has been answered (or retried) meanwhile
            }
            if (!extra) {
                sent++;
            }
            inFlight++;
            lastSentAt = System.nanoTime();
            progressAtLastSend = progressNow();
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
                if (cause instanceof RpcTimeoutException && forgiven < MAX_FORGIVEN && progressNow() > progressAtLastSend) {
                    forgiven++;
                    sent--;         // codex is busy, not gone: this try does not count
                }
                if (ResumeFailures.notStored(cause) || sent >= attempts || !retryable(cause)) {
                    if (inFlight == 0 || ResumeFailures.notStored(cause)) {
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

    private long progressNow() {
        try {
            return progress.getAsLong();
        } catch (RuntimeException e) {
            return progressAtLastSend;      // a closed connection shows no progress
        }
    }

    private static boolean retryable(Throwable cause) {
        return cause instanceof RpcTimeoutException
                || cause instanceof RpcException e && e.code() == RpcError.SERVER_OVERLOADED;
    }
}
