package dev.codexbridge.pool;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.protocol.ThreadLoadedListResponse;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.Futures;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Asks a pool's endpoints where a thread lives, all of them at once and within one deadline (the
 * pool's probe timeout): which of them has it loaded ({@code thread/loaded/list}, every page) or,
 * when none has, which of them has it stored ({@code thread/read} without turns). The read is
 * asked only whether it answers: on an app-server that does not hold the thread it shows a running
 * turn as interrupted, so nothing else of its answer is used. An endpoint that has not answered by
 * the deadline counts as unknown; nothing waits for it longer. Each endpoint comes with how to get
 * its connection: at once when it is open, else opened on a thread that may wait.
 */
final class ThreadFinder {
    /** More pages than any app-server holds threads; a cursor that never ends stops here. */
    private static final int MAX_PAGES = 10_000;

    /** What one endpoint said about the thread. */
    enum Presence { YES, NO, UNKNOWN }

    /**
     * One endpoint's answer.
     *
     * @param presence whether it has the thread (unknown: it did not answer in time, or failed)
     * @param detail   for {@link Presence#UNKNOWN}, why, for a person; otherwise empty
     */
    record Reply(Presence presence, String detail) {
        Reply {
            Objects.requireNonNull(presence, "presence");
            Objects.requireNonNull(detail, "detail");
        }
    }

    private final Duration timeout;

    /** @param timeout how long the endpoints have to answer, all together */
    ThreadFinder(Duration timeout) {
        this.timeout = timeout;
    }

    /** Which endpoints have {@code threadId} loaded (in memory, maybe running a turn). */
    <K> Map<K, Reply> loaded(Map<K, Supplier<CompletableFuture<CodexClient>>> endpoints, String threadId) {
        return ask(endpoints, (client, deadline) -> loadedOn(client, threadId, null, deadline, 0));
    }

    /** Which endpoints have {@code threadId} stored: their {@code thread/read} answers it, not an error. */
    <K> Map<K, Reply> stored(Map<K, Supplier<CompletableFuture<CodexClient>>> endpoints, String threadId) {
        return ask(endpoints, (client, deadline) -> client
                .requestAsync(ClientRequests.THREAD_READ.method(), new ThreadReadParams(false, threadId), ThreadReadResponse.class,
                        remaining(deadline))
                .handle((read, failure) -> {
                    if (failure == null) {
                        return true;
                    }
                    if (Futures.unwrap(failure) instanceof RpcException) {
                        return false;           // codex answered, with an error: it has no such thread
                    }
                    throw Futures.rethrow(Futures.unwrap(failure));
                }));
    }

    private <K> Map<K, Reply> ask(Map<K, Supplier<CompletableFuture<CodexClient>>> endpoints,
                                  BiFunction<CodexClient, Long, CompletableFuture<Boolean>> question) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<K, CompletableFuture<Boolean>> asked = new LinkedHashMap<>();
        endpoints.forEach((key, connect) -> asked.put(key,
                connect.get().thenCompose(client -> question.apply(client, deadline))));
        try {
            CompletableFuture.allOf(asked.values().toArray(new CompletableFuture<?>[0])).get(remaining(deadline).toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException someDidNot) {
            // read each answer below: an endpoint that failed or is still silent is unknown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PoolException("interrupted while asking the endpoints where a thread lives");
        }
        Map<K, Reply> replies = new LinkedHashMap<>();
        asked.forEach((key, answer) -> replies.put(key, replyOf(answer)));
        return replies;
    }

    private Reply replyOf(CompletableFuture<Boolean> answer) {
        if (!answer.isDone()) {
            answer.cancel(false);       // its request ends by its own deadline; nobody reads it any more
            return new Reply(Presence.UNKNOWN, "did not answer within " + timeout.toMillis() + " ms");
        }
        try {
            return new Reply(answer.join() ? Presence.YES : Presence.NO, "");
        } catch (RuntimeException e) {
            Throwable cause = Futures.unwrap(e);
            return new Reply(Presence.UNKNOWN, cause instanceof RpcTimeoutException
                    ? "did not answer within " + timeout.toMillis() + " ms" : "could not be asked: " + UntrustedText.messageOf(cause));
        }
    }

    private static CompletableFuture<Boolean> loadedOn(CodexClient client, String threadId, String cursor, long deadline, int page) {
        return client.requestAsync(ClientRequests.THREAD_LOADED_LIST.method(), new ThreadLoadedListParams(cursor, null),
                ThreadLoadedListResponse.class, remaining(deadline)).thenCompose(list -> {
                    if (list.data() != null && list.data().contains(threadId)) {
                        return CompletableFuture.completedFuture(true);
                    }
                    String next = list.nextCursor();
                    if (next == null || next.equals(cursor) || page + 1 >= MAX_PAGES) {
                        return CompletableFuture.completedFuture(false);
                    }
                    return loadedOn(client, threadId, next, deadline, page + 1);
                });
    }

    /** What is left until {@code deadline}, at least a millisecond (a request needs a positive timeout). */
    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
    }
}
