package dev.codexbridge.pool;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.transport.EndpointStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One endpoint of a {@link CodexPool}: its connection (opened on first use, replaced after a
 * loss), its health, and the placements under way on it.
 */
final class PoolNode {
    /** The pool's logger: what a node says is the pool's business. */
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    private final EndpointLink link;
    /** The pool's placement lock, which guards {@link #placing}. */
    private final Object placementLock;
    private final BooleanSupplier poolClosed;
    final PoolEndpoint spec;
    volatile CodexClient client;
    volatile boolean healthy;
    volatile Instant lastProbe;
    volatile String detail = "not probed yet";
    /** A connection is being opened (a connect may take up to the endpoint's connect timeout). */
    volatile boolean connecting;
    /** Drained: takes no new thread and no wake, keeps what it holds ({@link CodexPool#drain}). */
    volatile boolean draining;
    /** Removed from the pool ({@link CodexPool#removeEndpoint}): never placed on or probed again. */
    volatile boolean removed;
    /** Completes once a removed endpoint's connection is closed for good. */
    final CompletableFuture<Void> retired = new CompletableFuture<>();
    /** Sessions being placed here whose thread is not attached yet; guarded by placementLock. */
    int placing;

    PoolNode(PoolEndpoint spec, EndpointLink link, Object placementLock, BooleanSupplier poolClosed) {
        this.spec = spec;
        this.link = link;
        this.placementLock = placementLock;
        this.poolClosed = poolClosed;
    }

    boolean connected() {
        CodexClient c = client;
        return c != null && c.isOpen();
    }

    boolean usable() {
        CodexClient c = client;
        return healthy && !removed && (c == null || c.isOpen());
    }

    /** Attached threads plus placements under way; caller holds placementLock. */
    int load() {
        CodexClient c = client;
        return (c != null && c.isOpen() ? c.attachedThreads() : 0) + placing;
    }

    void release() {
        synchronized (placementLock) {
            placing--;
        }
    }

    /**
     * This endpoint's connection for a question asked of several at once: the open one at once,
     * else opened on a thread that may wait (a connect blocks).
     */
    Supplier<CompletableFuture<CodexClient>> asking(Consumer<CodexClient.Builder> configurer) {
        CodexClient open = client;
        return open != null && open.isOpen() ? () -> CompletableFuture.completedFuture(open)
                : () -> CompletableFuture.supplyAsync(() -> connectOrDown(configurer), RpcThreads.waits());
    }

    /** {@link #connect}, marking the endpoint down when it cannot be reached. */
    CodexClient connectOrDown(Consumer<CodexClient.Builder> configurer) {
        try {
            return connect(configurer);
        } catch (PoolException closedPool) {
            throw closedPool;
        } catch (CodexException e) {
            down("cannot connect: " + e.getMessage());
            throw e;
        }
    }

    synchronized CodexClient connect(Consumer<CodexClient.Builder> configurer) {
        CodexClient c = client;
        if (c != null && !ClientPlumbing.closedForGood(c)) {
            // open, or reconnecting: whoever opens a thread on it waits for the reconnect; replacing it
            // would end its sessions' turns as closed by the host though neither the host nor codex did
            return c;
        }
        if (poolClosed.getAsBoolean()) {
            throw new PoolException("the pool is closed");
        }
        CodexClient.Builder b = CodexClient.builder();
        if (spec.maxThreads() != Integer.MAX_VALUE) {
            b.maxThreads(spec.maxThreads());   // the connection enforces the same limit the pool places by
        }
        configurer.accept(b);
        CodexClient fresh;
        connecting = true;
        try {
            fresh = link.connect(spec, b);
        } finally {
            connecting = false;
        }
        client = fresh;
        ClientPlumbing.of(fresh).markPooled(spec.endpoint().uri().toString());     // its sessions' failures then give the pool's advice
        // off the reader thread: the pool's bookkeeping is no business of the connection's reader,
        // and explaining may wait briefly for codex's exit status (the waits pool)
        ClientPlumbing.of(fresh).closedFuture().thenAcceptAsync(cause -> {
            if (client == fresh && !poolClosed.getAsBoolean()) {
                down(ClientPlumbing.of(fresh).explainClose("", cause).getMessage());
            }
        }, RpcThreads.waits());
        return fresh;
    }

    void check(Duration timeout) {
        EndpointStatus status = link.readiness(spec, timeout);
        lastProbe = Instant.now();
        CodexClient c = client;
        if (status.ok()) {
            if (c != null && ClientPlumbing.closedForGood(c)) {
                disconnect(null);
            }
            if (!healthy) {
                LOG.info("endpoint {} ({}) is ready", spec.name(), spec.endpoint().uri());
            }
            healthy = true;
            detail = status.detail();
        } else {
            if (healthy) {
                LOG.warn("endpoint {} ({}) is not ready: {}", spec.name(), spec.endpoint().uri(), status.detail());
            }
            healthy = false;
            detail = status.detail();
        }
    }

    void down(String why) {
        healthy = false;
        detail = why;
        LOG.warn("endpoint {} ({}) lost: {}", spec.name(), spec.endpoint().uri(), why);
    }

    synchronized void disconnect(String why) {
        CodexClient c = client;
        client = null;
        if (why != null) {
            detail = why;
        }
        if (c != null) {
            c.close();
        }
    }
}
