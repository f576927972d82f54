package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.internal.ThreadInbox;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;

/**
 * Where what codex sends goes (decision 0009): each thread's {@link ThreadInbox}, the
 * connection-wide inbox, every subscriber's {@link EventLane}, and the fallback
 * {@link ServerRequestHandler} for a server request no inbox takes. The reader thread hands each
 * message to a {@link #sink} and returns at once; host code runs on the pools, never here.
 * Attachments and subscribers outlive a reconnect: each connection gets a sink of its own.
 */
final class EventRouter {
    /** The client's logger: routing failures have always been logged as the client's. */
    private static final Logger LOG = SafeLogger.getLogger(CodexClient.class);

    private final ClientConnection connection;
    private final ServerRequestHandler serverRequests;
    private final ConcurrentHashMap<String, ThreadInbox> threads = new ConcurrentHashMap<>();
    private final AtomicReference<ThreadInbox> unscoped = new AtomicReference<>();
    private final CopyOnWriteArrayList<EventLane> lanes = new CopyOnWriteArrayList<>();

    EventRouter(ClientConnection connection, ServerRequestHandler serverRequests) {
        this.connection = connection;
        this.serverRequests = serverRequests;
    }

    /** The reader's hand-off for connection {@code generation}. */
    InboundSink sink(int generation) {
        return new Router(generation);
    }

    AutoCloseable subscribe(CodexEventListener listener, Executor executor, int buffer, Set<String> methods) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1");
        }
        EventLane lane = new EventLane(Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(executor, "executor"),
                buffer, methods);
        lanes.add(lane);
        ConnectionClosedException cause = connection.closedCause();
        if (cause != null) {
            lane.connectionClosed(connection.explainClose("", cause));
        }
        return () -> {
            lanes.remove(lane);
            lane.close();
        };
    }

    AutoCloseable attach(String threadId, ThreadInbox inbox) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(inbox, "inbox");
        if (threads.putIfAbsent(threadId, inbox) != null) {
            throw new IllegalStateException("thread " + threadId + " is already attached to this connection");
        }
        ConnectionClosedException cause = connection.closedCause();
        if (cause != null) {
            inbox.closed(cause);
        }
        return () -> threads.remove(threadId, inbox);
    }

    AutoCloseable attachUnscoped(ThreadInbox inbox) {
        Objects.requireNonNull(inbox, "inbox");
        if (!unscoped.compareAndSet(null, inbox)) {
            throw new IllegalStateException("connection-wide messages already go to another inbox");
        }
        ConnectionClosedException cause = connection.closedCause();
        if (cause != null) {
            inbox.closed(cause);
        }
        return () -> unscoped.compareAndSet(inbox, null);
    }

    boolean attached(String threadId) {
        return threads.containsKey(threadId);
    }

    int attachedThreads() {
        return threads.size();
    }

    /** Tells every attached inbox, the connection-wide one included, that the connection closed; on the reader thread. */
    void closeInboxes(ConnectionClosedException cause) {
        List<ThreadInbox> inboxes = new ArrayList<>(threads.values());
        ThreadInbox connectionWide = unscoped.get();
        if (connectionWide != null && !inboxes.contains(connectionWide)) {
            inboxes.add(connectionWide);
        }
        for (ThreadInbox inbox : inboxes) {
            try {
                inbox.closed(cause);
            } catch (RuntimeException e) {
                LOG.warn("thread inbox failed on close", e);
            }
        }
    }

    boolean hasSubscribers() {
        return !lanes.isEmpty();
    }

    /** Tells every subscriber the client is done; not on the reader thread (explaining may wait for codex's exit). */
    void closeLanes(ConnectionClosedException cause) {
        CodexException why = connection.explainClose("", cause);
        lanes.forEach(lane -> lane.connectionClosed(why));
    }

    private void fallback(CodexEvent.ServerRequest request) {
        CompletionStage<?> stage;
        try {
            stage = serverRequests.handle(request);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        if (stage == null) {
            stage = CompletableFuture.completedFuture(null);
        }
        stage.whenComplete((result, failure) -> {
            if (failure == null) {
                connection.peer().respond(request.id(), result);
                return;
            }
            Throwable cause = Futures.unwrap(failure);
            if (cause instanceof RpcException rpc) {
                connection.peer().respondError(request.id(), rpc.error());
            } else {
                LOG.warn("server request handler failed on {}", request.method(), cause);
                connection.peer().respondError(request.id(), new RpcError(RpcError.INTERNAL_ERROR,
                        "handler for " + request.method() + " failed: " + cause.getClass().getSimpleName()));
            }
        });
    }

    private static String threadOf(JsonNode params) {
        JsonNode id = params.get("threadId");
        if (id == null || !id.isTextual()) {
            JsonNode thread = params.get("thread");
            id = thread == null ? null : thread.get("id");
        }
        return id != null && id.isTextual() ? id.asText() : null;
    }

    /** The reader thread's hand-off: route, never block, never run host code here. */
    private final class Router implements InboundSink {
        private final int generation;
        /** Inboxes given messages since the reader last ran out of input; the reader thread's own. */
        private final List<ThreadInbox> touched = new ArrayList<>();

        Router(int generation) {
            this.generation = generation;
        }

        @Override
        public boolean acceptBytes(byte[] message, int offset, int length) {
            CodexEvent.Notification event = WireDecoder.decode(message, offset, length);
            if (event == null) {
                return false;
            }
            route(event);
            return true;
        }

        @Override
        public void accept(JsonRpcMessage.Inbound message) {
            String threadId = threadOf(message.params());
            CodexEvent event = message instanceof JsonRpcMessage.Request r
                    ? new CodexEvent.ServerRequest(r.id(), r.method(), threadId, r.params())
                    : new CodexEvent.Notification(message.method(), threadId, message.params());
            route(event);
        }

        private void route(CodexEvent event) {
            String threadId = event.threadId();
            WorkHold work = connection.work();
            if (work != null && threadId != null) {
                if (event.method().equals("turn/completed")) {
                    work.turnCompleted(generation, threadId);
                } else if (event.method().equals("turn/started")) {
                    work.turnStarted(generation, threadId);
                }
            }
            ThreadInbox inbox = threadId == null ? unscoped.get() : threads.get(threadId);
            if (inbox != null) {
                try {
                    // An attached thread reads every message's typed params: decoding them here, on
                    // the reader thread, takes that work off the thread consuming the inbox, so
                    // parsing and handling a fast stream run on two cores instead of one.
                    decode(event);
                    inbox.accept(event);
                    if (touched.isEmpty() || touched.get(touched.size() - 1) != inbox) {
                        touched.add(inbox);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("thread {} inbox failed on {}", threadId, event.method(), e);
                }
            } else if (event instanceof CodexEvent.ServerRequest request) {
                RpcThreads.host().execute(() -> fallback(request));     // host code: it may block
            }
            for (EventLane lane : lanes) {
                lane.offer(event);
            }
        }

        @Override
        public void endOfBurst() {
            for (int i = 0; i < touched.size(); i++) {
                try {
                    touched.get(i).endOfBurst();
                } catch (RuntimeException e) {
                    LOG.warn("thread inbox failed at the end of a burst", e);
                }
            }
            touched.clear();
        }

        private void decode(CodexEvent event) {
            if (event instanceof CodexEvent.Notification n) {
                n.params();
            } else if (event instanceof CodexEvent.ServerRequest r) {
                r.params();
            }
        }

        @Override
        public void closed(ConnectionClosedException cause) {
            connection.lost(generation, cause);
        }
    }
}
