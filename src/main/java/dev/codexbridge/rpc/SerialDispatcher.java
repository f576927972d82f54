package dev.codexbridge.rpc;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * A peer's sink when the host brings none: one daemon thread, started on the first inbound
 * message, that serves requests through the peer's handler table and passes notifications to a
 * listener, in arrival order.
 */
final class SerialDispatcher implements InboundSink {
    private static final Logger LOG = SafeLogger.getLogger(JsonRpcPeer.class);

    private final JsonRpcPeer peer;
    private final Consumer<JsonRpcMessage.Notification> listener;
    private final ExecutorService executor;

    SerialDispatcher(JsonRpcPeer peer, Consumer<JsonRpcMessage.Notification> listener, String name) {
        this.peer = peer;
        this.listener = listener;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                RpcThreads.daemon("codex-bridge-dispatch-" + name));
        pool.allowCoreThreadTimeOut(true);
        this.executor = pool;
    }

    @Override
    public void accept(JsonRpcMessage.Inbound message) {
        executor.execute(() -> {
            if (message instanceof JsonRpcMessage.Request r) {
                peer.serve(r);
            } else if (listener != null) {
                try {
                    listener.accept((JsonRpcMessage.Notification) message);
                } catch (RuntimeException e) {
                    LOG.warn("[{}] notification listener failed on {}", peer.name(), message.method(), e);
                }
            }
        });
    }

    @Override
    public void closed(ConnectionClosedException cause) {
        executor.shutdown();
    }
}
