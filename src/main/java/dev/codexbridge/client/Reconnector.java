package dev.codexbridge.client;

import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reopens a lost connection under a {@link ReconnectPolicy}: attempts with backoff on the shared
 * timer, each run on the waits pool, then every resumer (a session reopening its thread), at
 * most {@link ReconnectPolicy#concurrentResumes} at a time, each started as the one before it ends
 * (on the callback pool). Holds no thread between attempts, and none per resume.
 */
final class Reconnector {
    /** The client's logger: reconnects have always been logged as the client's. */
    private static final Logger LOG = LoggerFactory.getLogger(CodexClient.class);

    /** Null: the client ends with its connection. */
    private final ReconnectPolicy policy;
    private final AtomicBoolean reconnecting = new AtomicBoolean();
    private final CopyOnWriteArrayList<Function<CodexClient, CompletionStage<?>>> resumers = new CopyOnWriteArrayList<>();

    Reconnector(ReconnectPolicy policy) {
        this.policy = policy;
    }

    boolean enabled() {
        return policy != null;
    }

    AutoCloseable onReconnect(Function<CodexClient, CompletionStage<?>> resume) {
        resumers.add(Objects.requireNonNull(resume, "resume"));
        return () -> resumers.remove(resume);
    }

    /** False when a reconnect already runs: a failed attempt's own end, which the attempt loop handles. */
    boolean begin() {
        return reconnecting.compareAndSet(false, true);
    }

    void schedule(ClientConnection connection, ConnectionClosedException cause, int attempt) {
        long delay = policy.delayBefore(attempt).toNanos();
        // an attempt waits for codex to start and answer: on the waits pool, never on the callback pool it waits for
        RpcThreads.timer().schedule(() -> RpcThreads.waits().execute(() -> attempt(connection, cause, attempt)),
                delay, TimeUnit.NANOSECONDS);
    }

    private void attempt(ClientConnection connection, ConnectionClosedException cause, int attempt) {
        if (connection.closedByHost()) {
            return;
        }
        try {
            connection.reopen();
        } catch (RuntimeException e) {
            if (attempt >= policy.maxAttempts() || connection.closedByHost()) {
                LOG.warn("codex connection could not be reopened after {} attempts: {}", attempt, e.getMessage());
                connection.giveUp(new ConnectionClosedException("the connection to codex was lost and "
                        + attempt + " attempts to reopen it failed; the last: " + e.getMessage(), e));
                return;
            }
            LOG.debug("reconnect attempt {} failed: {}", attempt, e.getMessage());
            schedule(connection, cause, attempt + 1);
            return;
        }
        LOG.info("codex connection reopened (connection {}); resuming {} thread(s)", connection.generation(), resumers.size());
        reconnecting.set(false);
        if (!connection.isOpen()) {
            // lost again before the flag was down, so its end was ignored: treat it as a new loss
            connection.lost(connection.generation(), new ConnectionClosedException("the reopened connection closed at once"));
            return;
        }
        resumeAll(connection.owner());
    }

    /** Runs every resumer, at most {@code concurrentResumes} in flight, each as soon as a slot frees. */
    private void resumeAll(CodexClient client) {
        ConcurrentLinkedQueue<Function<CodexClient, CompletionStage<?>>> todo = new ConcurrentLinkedQueue<>(resumers);
        for (int i = 0; i < policy.concurrentResumes(); i++) {
            resumeNext(client, todo);
        }
    }

    private void resumeNext(CodexClient client, ConcurrentLinkedQueue<Function<CodexClient, CompletionStage<?>>> todo) {
        Function<CodexClient, CompletionStage<?>> next = todo.poll();
        if (next == null) {
            return;
        }
        CompletionStage<?> stage;
        try {
            stage = next.apply(client);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        (stage == null ? CompletableFuture.completedFuture(null) : stage).whenComplete((r, e) -> {
            if (e != null) {
                LOG.warn("resuming a thread after the reconnect failed: {}", Futures.unwrap(e).getMessage());
            }
            resumeNext(client, todo);
        });
    }
}
