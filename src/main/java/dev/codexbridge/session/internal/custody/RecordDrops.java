package dev.codexbridge.session.internal.custody;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The drops of codex's records ({@code thread/delete}) one codex is asked for, a few at a time
 * across every session on it (issue 80). Codex 0.171.0 answers a {@code thread/delete} under the
 * same single permit as {@code thread/start} and {@code thread/resume}; asked for many at once
 * under load, it queued them (20 s and more behind each other in a door serving several
 * conversations a second), every new conversation and wake waited behind them, and a recycle
 * waited for the old codex to answer them all. A few at a time ({@link #MAX_UNDER_WAY}), a start or
 * a wake waits behind those at most, and so does a recycle; what waits here is bounded, and a drop past the bound is not asked for (the
 * record stays until an import there drops it). A session that wakes or closes withdraws its
 * drop still waiting, so it never waits behind other sessions'. Thread-safe.
 */
final class RecordDrops {
    /**
     * Drops codex is asked for at once. Each waits in codex for the permit behind the starts and
     * wakes asked before it; how many are under way sets how long a start or a recycle can wait
     * behind them (one at a time: 1.5 s held at a recycle; sixteen: 3 – 5 s; sixty-four: 13 s) and
     * how many codex answers while it also serves turns (two to five a second at its limit here,
     * whatever the number; below its limit, all of them).
     */
    static final int MAX_UNDER_WAY = 16;
    /** Drops waiting per codex client beyond those under way; past it a drop is not asked for. */
    static final int MAX_WAITING = 1_024;
    private static final int WAITING = 0;
    private static final int STARTED = 1;
    private static final int WITHDRAWN = 2;
    private static final Map<CodexClient, RecordDrops> BY_CLIENT = Collections.synchronizedMap(new WeakHashMap<>());

    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private int underWay;

    RecordDrops() {
    }

    /** The drops asked of {@code client}'s codex. */
    static RecordDrops of(CodexClient client) {
        return BY_CLIENT.computeIfAbsent(client, c -> new RecordDrops());
    }

    /**
     * {@code step} once the drops before it have ended, on a store thread; its {@link Drop#done}
     * when the future it returns is. Null, and {@code step} never run, when {@link #MAX_WAITING}
     * already wait.
     */
    @Nullable Drop run(Supplier<CompletableFuture<Void>> step) {
        Drop drop = new Drop();
        Runnable start = () -> {
            if (!drop.state.compareAndSet(WAITING, STARTED)) {
                next();         // withdrawn while it waited
                return;
            }
            CompletableFuture<Void> running;
            try {
                running = step.get();
            } catch (RuntimeException e) {
                running = CompletableFuture.failedFuture(e);
            }
            running.whenComplete((x, failure) -> {
                next();
                if (failure == null) {
                    drop.done.complete(null);
                } else {
                    drop.done.completeExceptionally(failure);
                }
            });
        };
        synchronized (this) {
            if (underWay < MAX_UNDER_WAY) {
                underWay++;
            } else if (waiting.size() < MAX_WAITING) {
                waiting.add(start);
                return drop;
            } else {
                return null;
            }
        }
        startOnAStoreThread(start);
        return drop;
    }

    /** One drop asked for: done when it ended, or at once when withdrawn before it started. */
    static final class Drop {
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicInteger state = new AtomicInteger(WAITING);

        CompletableFuture<Void> done() {
            return done;
        }

        /**
         * Not to be started after all (the session wakes or closes meanwhile: it does not wait
         * behind other sessions' drops); false once it has started, when {@link #done} follows it.
         */
        boolean withdraw() {
            if (state.compareAndSet(WAITING, WITHDRAWN)) {
                done.complete(null);
                return true;
            }
            return false;
        }
    }

    private void next() {
        Runnable start;
        synchronized (this) {
            start = waiting.poll();
            if (start == null) {
                underWay--;
                return;
            }
        }
        startOnAStoreThread(start);
    }

    private static void startOnAStoreThread(Runnable start) {
        try {
            RpcThreads.stores().execute(start);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            start.run();        // the library's threads are going: the step ends here rather than never
        }
    }
}
