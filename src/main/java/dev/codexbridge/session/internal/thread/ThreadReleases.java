package dev.codexbridge.session.internal.thread;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.protocol.ThreadLoadedListResponse;
import dev.codexbridge.protocol.ThreadUnsubscribeParams;
import dev.codexbridge.protocol.ThreadUnsubscribeResponse;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The {@code thread/unsubscribe} requests of one client's sessions (closed or hibernating), paced
 * and made certain (decision 0040). Codex 0.169.0 leaves some of a burst of simultaneous
 * unsubscribes unanswered, and a thread whose unsubscribe was lost stays loaded for good; so at
 * most {@link #IN_FLIGHT} go out at once, and one codex does not answer in time is checked
 * against {@code thread/loaded/list} and sent again (at most {@link #MAX_TRIES} times, waiting
 * longer each time) until codex confirms or no longer lists the thread. A connection that ended
 * took its subscriptions with it: nothing is sent there. One entry per thread id, so the queue is
 * bounded by the sessions that let go of a thread and have not come back. Thread-safe.
 */
public final class ThreadReleases {
    private static final Logger LOG = SafeLogger.getLogger(ThreadReleases.class);
    /** Unsubscribes one connection has out at once: 500 at once lost up to 108 answers, 50 at a time none. */
    public static final int IN_FLIGHT = 16;
    /** Tries per thread before the release is given up (and logged). */
    static final int MAX_TRIES = 8;
    /** The longest one try waits for codex's answer. */
    private static final Duration TRY_TIMEOUT = Duration.ofSeconds(10);
    private static final Map<CodexClient, ThreadReleases> OF_CLIENT = Collections.synchronizedMap(new WeakHashMap<>());

    private final Object lock = new Object();
    /** Waiting to go out, oldest first; every release waiting or out is in {@link #byThread}. */
    private final ArrayDeque<Release> queue = new ArrayDeque<>();
    private final Map<String, Release> byThread = new HashMap<>();
    private int out;
    private final Duration tryTimeout;

    /** One thread to let go of on the connection {@code generation} of {@code client}. */
    private static final class Release {
        final CodexClient client;
        final int generation;
        final String threadId;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int tries;
        /** A session took the thread back: no further try is sent. */
        boolean reclaimed;
        /** Between tries: neither queued nor out. */
        boolean pausing;

        Release(CodexClient client, int generation, String threadId) {
            this.client = client;
            this.generation = generation;
            this.threadId = threadId;
        }
    }

    ThreadReleases(Duration requestTimeout) {
        this.tryTimeout = requestTimeout.compareTo(TRY_TIMEOUT) < 0 ? requestTimeout : TRY_TIMEOUT;
    }

    /** The releases of {@code client}'s sessions: one per client, kept while the client is. */
    public static ThreadReleases of(CodexClient client) {
        return OF_CLIENT.computeIfAbsent(client, c -> new ThreadReleases(c.requestTimeout()));
    }

    /**
     * Tells codex this client no longer follows {@code threadId} on connection {@code generation};
     * completes once codex confirmed, showed the thread unloaded, the connection ended, or the
     * tries ran out. Never fails, never blocks.
     */
    CompletableFuture<Void> release(CodexClient client, int generation, String threadId) {
        Release r;
        synchronized (lock) {
            Release known = byThread.get(threadId);
            if (known != null && !known.reclaimed) {
                return known.done.copy();
            }
            r = new Release(client, generation, threadId);
            if (known == null) {
                byThread.put(threadId, r);
                queue.addLast(r);
            } else {
                // the one before was taken back and is still out: this one follows when it is answered
                known.done.whenComplete((x, e) -> enqueue(r));
            }
        }
        pump();
        return r.done.copy();
    }

    private void enqueue(Release r) {
        synchronized (lock) {
            if (r.reclaimed) {
                r.done.complete(null);
                return;
            }
            byThread.put(r.threadId, r);
            queue.addLast(r);
        }
        pump();
    }

    /**
     * A session takes {@code threadId} back (it resumes it): a release not sent yet is dropped; one
     * out already is not tried again. Completes when the resume may go out: at once, or when the
     * unsubscribe out is answered (or its try times out), so codex never reads the unsubscribe after the resume.
     */
    CompletableFuture<Void> reclaim(String threadId) {
        synchronized (lock) {
            Release r = byThread.get(threadId);
            if (r == null) {
                return CompletableFuture.completedFuture(null);
            }
            r.reclaimed = true;
            if (queue.remove(r) || r.pausing) {
                byThread.remove(threadId);
                r.done.complete(null);
            }
            return r.done.copy();
        }
    }

    /** How many releases wait or are out (for tests and the bench). */
    public int pending() {
        synchronized (lock) {
            return byThread.size();
        }
    }

    private void pump() {
        while (true) {
            Release next;
            synchronized (lock) {
                if (out >= IN_FLIGHT || queue.isEmpty()) {
                    return;
                }
                next = queue.pollFirst();
                out++;
            }
            send(next);
        }
    }

    private void send(Release r) {
        CodexClient c = r.client;
        if (!c.isOpen() || c.generation() != r.generation) {
            finish(r, null);        // the connection that held the subscription is gone, and the subscription with it
            return;
        }
        r.tries++;
        CompletableFuture<ThreadUnsubscribeResponse> sent;
        try {
            sent = ClientPlumbing.of(c).request("thread/unsubscribe", new ThreadUnsubscribeParams(r.threadId),
                    ThreadUnsubscribeResponse.class, tryTimeout);
        } catch (RuntimeException e) {
            finish(r, e.getMessage());
            return;
        }
        sent.whenComplete((answer, failure) -> {
            Throwable cause = failure == null ? null : Futures.unwrap(failure);
            if (cause == null || cause instanceof ConnectionClosedException || !(cause instanceof RpcTimeoutException)) {
                // answered (an error answer is an answer too: codex read it), or the connection and its subscriptions are gone
                if (cause != null && !(cause instanceof ConnectionClosedException)) {
                    LOG.debug("thread/unsubscribe {}: {}", r.threadId, cause.getMessage());
                }
                finish(r, null);
                return;
            }
            if (reclaimedNow(r)) {
                finish(r, null);
                return;
            }
            stillLoaded(r).whenComplete((loaded, e) -> {
                if (Boolean.FALSE.equals(loaded) || reclaimedNow(r)) {
                    finish(r, null);
                } else if (r.tries >= MAX_TRIES) {
                    finish(r, "codex did not answer " + r.tries + " thread/unsubscribe requests; the thread may stay loaded");
                } else {
                    retryLater(r);
                }
            });
        });
    }

    private boolean reclaimedNow(Release r) {
        synchronized (lock) {
            return r.reclaimed;
        }
    }

    /** Whether codex still lists the thread as loaded; null when that could not be read. */
    private CompletableFuture<Boolean> stillLoaded(Release r) {
        CodexClient c = r.client;
        if (!c.isOpen() || c.generation() != r.generation) {
            return CompletableFuture.completedFuture(false);
        }
        try {
            return ClientPlumbing.of(c).request("thread/loaded/list", new ThreadLoadedListParams(null, null), ThreadLoadedListResponse.class,
                    tryTimeout).handle((list, e) -> e != null || list == null ? null : list.data() != null && list.data().contains(r.threadId));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Gives the place in flight back and queues {@code r} again after a pause that doubles each try (1 s, 2 s, … 30 s). */
    private void retryLater(Release r) {
        synchronized (lock) {
            out--;
            r.pausing = true;
        }
        long delayMs = Math.min(30_000L, 1_000L << Math.min(r.tries - 1, 5));
        LOG.debug("codex did not answer thread/unsubscribe {} (try {}); trying again in {} ms", r.threadId, r.tries, delayMs);
        RpcThreads.timer().schedule(() -> {
            synchronized (lock) {
                r.pausing = false;
                if (r.reclaimed) {
                    return;     // completed by reclaim
                }
                queue.addLast(r);
            }
            pump();
        }, delayMs, TimeUnit.MILLISECONDS);
        pump();
    }

    private void finish(Release r, String problem) {
        synchronized (lock) {
            out--;
            byThread.remove(r.threadId, r);
        }
        if (problem != null) {
            LOG.warn("thread/unsubscribe {}: {}", r.threadId, problem);
        }
        r.done.complete(null);
        pump();
    }
}
