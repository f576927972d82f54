package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A {@link JsonRpcPeer}'s requests to the other side: their ids (a {@code long} from 1, a new one
 * per attempt), the table of those awaiting an answer, their deadlines, the retries of
 * {@code -32001} (server overloaded) per {@link RetryPolicy}, and the completion of their futures
 * on the callback executor. Every request leaves the table on every exit path: answer, error,
 * timeout, cancellation and close.
 */
final class OutboundRequests {
    private static final Logger LOG = SafeLogger.getLogger(JsonRpcPeer.class);

    private final String name;
    private final RetryPolicy retryPolicy;
    private final Executor callbackExecutor;
    private final PeerWriter writer;
    private final AtomicBoolean open;
    private final Supplier<ConnectionClosedException> closedCause;
    private final AtomicLong nextId = new AtomicLong(1);
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong unmatchedResponses = new AtomicLong();
    private final AtomicLong overloadRetries = new AtomicLong();

    /**
     * @param open        whether the connection is open (the peer's)
     * @param closedCause why it closed, for a request sent after that
     */
    OutboundRequests(String name, RetryPolicy retryPolicy, Executor callbackExecutor, PeerWriter writer, AtomicBoolean open,
                     Supplier<ConnectionClosedException> closedCause) {
        this.name = name;
        this.retryPolicy = retryPolicy;
        this.callbackExecutor = callbackExecutor;
        this.writer = writer;
        this.open = open;
        this.closedCause = closedCause;
    }

    /**
     * Sends a request and returns its future (see {@link JsonRpcPeer#request(String, Object, Duration)}).
     *
     * @param trace        the request's {@code trace} member on every attempt, or null
     * @param inlineAction run on the reader thread as the answer is read, or null
     */
    CompletableFuture<JsonNode> send(String method, JsonNode params, Duration timeout, @Nullable JsonNode trace,
                                     @Nullable BiConsumer<JsonNode, Throwable> inlineAction) {
        Pending p = new Pending(method, params, timeout);
        p.trace = trace;
        if (inlineAction != null) {
            // registered before the request is written, so it can never run after later messages
            p.inline = true;
            p.future.whenComplete(inlineAction);
        }
        if (!open.get()) {
            p.future.completeExceptionally(ConnectionClosedException.notSent(closedCause.get()));
            return p.future;
        }
        p.timeoutTask = RpcThreads.timer().schedule(() -> expire(p), timeout.toNanos(), TimeUnit.NANOSECONDS);
        p.future.whenComplete((r, e) -> {
            p.timeoutTask.cancel(false);
            pending.remove(p.id, p);
        });
        sendAttempt(p);
        return p.future;
    }

    private void sendAttempt(Pending p) {
        long id = nextId.getAndIncrement();
        p.id = id;
        pending.put(id, p);
        if (p.future.isDone()) {
            pending.remove(id, p);
            return;
        }
        // while it is written, a close leaves it to this attempt: only here is it known whether it went out
        p.writing = true;
        try {
            writer.write(new JsonRpcMessage.Request(JsonRpcId.of(id), p.method, p.params), p.trace);
        } catch (ConnectionClosedException e) {
            p.writing = false;
            pending.remove(id, p);
            // not written (an earlier attempt, if any, codex refused as overloaded): it never reached codex
            completeExceptionally(p, ConnectionClosedException.notSent(e));
            return;
        }
        p.writing = false;
        if (!open.get()) {
            // closed as it was written: it went out, so codex may have it (a close that saw it writing left it here)
            pending.remove(id, p);
            completeExceptionally(p, closedCause.get());
        }
    }

    /** A result read: its request completes. */
    void answered(JsonRpcMessage.Response r) {
        Pending p = take(r.id());
        if (p != null) {
            complete(p, r.result());
        }
    }

    /** An error read: its request fails, or is sent again when the server was overloaded and retries are left. */
    void failed(JsonRpcMessage.ErrorResponse e) {
        Pending p = e.id() == null ? null : take(e.id());
        if (p == null) {
            if (e.id() == null) {
                unmatchedResponses.incrementAndGet();
                LOG.warn("[{}] error response without id: {}", name, e.error().message());
            }
            return;
        }
        if (e.error().code() == RpcError.SERVER_OVERLOADED && p.attempts < retryPolicy.maxRetries()) {
            retryLater(p);
        } else {
            completeExceptionally(p, new RpcException(p.method, e.error()));
        }
    }

    /** Fails every request still waiting with {@code reason} (the connection closed). */
    void failAll(ConnectionClosedException reason) {
        List<Pending> all = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : all) {
            if (!p.writing) {       // one being written is failed by its own attempt, which knows whether it went out
                completeExceptionally(p, reason);
            }
        }
    }

    int waiting() {
        return pending.size();
    }

    long unmatchedResponses() {
        return unmatchedResponses.get();
    }

    long overloadRetries() {
        return overloadRetries.get();
    }

    private Pending take(JsonRpcId id) {
        Long key = id.asLong();
        Pending p = key == null ? null : pending.remove(key);
        if (p == null) {
            unmatchedResponses.incrementAndGet();
            LOG.debug("[{}] response for unknown or expired request id {}", name, id);
        }
        return p;
    }

    private void retryLater(Pending p) {
        p.attempts++;
        overloadRetries.incrementAndGet();
        Duration delay = retryPolicy.delayBefore(p.attempts);
        LOG.debug("[{}] {} overloaded; retry {} in {} ms", name, p.method, p.attempts, delay.toMillis());
        RpcThreads.timer().schedule(() -> {
            if (p.future.isDone()) {
                return;
            }
            if (open.get()) {
                sendAttempt(p);
            } else {
                // closed during the pause: codex refused the last attempt as overloaded and never got this one
                completeExceptionally(p, ConnectionClosedException.notSent(closedCause.get()));
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void expire(Pending p) {
        pending.remove(p.id, p);
        completeExceptionally(p, new RpcTimeoutException(p.method, p.timeout));
    }

    // Whoever settles a request first decides its outcome: completions run on a pool, so a close
    // seen by the writing thread after the answer was read must not overtake that answer.
    private void complete(Pending p, JsonNode result) {
        if (!p.settled.compareAndSet(false, true)) {
            return;
        }
        if (p.inline) {
            p.future.complete(result);
        } else {
            callbackExecutor.execute(() -> p.future.complete(result));
        }
    }

    private void completeExceptionally(Pending p, Throwable failure) {
        if (!p.settled.compareAndSet(false, true)) {
            return;
        }
        callbackExecutor.execute(() -> p.future.completeExceptionally(failure));
    }

    private static final class Pending {
        final String method;
        final JsonNode params;
        final Duration timeout;
        final CompletableFuture<JsonNode> future = new CompletableFuture<>();
        /** Set while an attempt writes it (see {@link #failAll}). */
        volatile boolean writing;
        volatile long id;
        volatile int attempts;
        volatile ScheduledFuture<?> timeoutTask;
        volatile boolean inline;
        /** Set by the first answer, failure, timeout or close to settle it; later ones are dropped. */
        final AtomicBoolean settled = new AtomicBoolean();
        /** Sent as the request's {@code trace} member (every attempt), or null. */
        volatile JsonNode trace;

        Pending(String method, JsonNode params, Duration timeout) {
            this.method = method;
            this.params = params;
            this.timeout = timeout;
        }
    }
}
