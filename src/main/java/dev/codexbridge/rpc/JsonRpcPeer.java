package dev.codexbridge.rpc;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.rpc.internal.Futures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.jspecify.annotations.Nullable;

/**
 * A JSON-RPC peer speaking codex's dialect (JSON-RPC 2.0 without {@code "jsonrpc"}) over whole
 * messages: a {@link MessageSource} in and a {@link MessageSender} out. Over a pair of byte streams
 * (stdio) the messages are newline-delimited lines ({@link #builder(InputStream, OutputStream)});
 * a message transport such as a WebSocket passes its own ({@link #builder(MessageSource, MessageSender)}).
 *
 * <ul>
 *   <li>Outgoing requests get {@code long} ids from 1 and always carry {@code params}; one lock
 *       orders the writes, each message sent whole.</li>
 *   <li>One reader thread ({@code InboundReader}) reads messages, completes response futures (on a
 *       callback executor, never on itself) and hands requests and notifications, in arrival
 *       order, to an {@link InboundSink}. It never runs host code.</li>
 *   <li>Every pending request is removed on every exit path: response, error, timeout,
 *       cancellation, close and end of stream; on close or EOF all of them fail at once with
 *       {@link ConnectionClosedException}.</li>
 *   <li>Malformed and over-long messages are counted, logged and skipped.</li>
 *   <li>{@code -32001} (server overloaded) is retried per {@link RetryPolicy} within the request's
 *       deadline.</li>
 * </ul>
 *
 * <p>This class is the request bookkeeping (ids, pending requests, timeouts, retries, answering
 * inbound requests exactly once) and the writing. Reading (sizes, blank and malformed messages,
 * the direct path, bursts) is {@code InboundReader}'s, framing the {@link MessageSource}'s and the
 * {@link MessageSender}'s ({@code LineFramer} and {@code LineSender} on byte streams), and the
 * default sink is {@code SerialDispatcher}.
 */
public final class JsonRpcPeer implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(JsonRpcPeer.class);

    /**
     * Inbound messages longer than this are skipped unread. Large enough for a command item
     * carrying 64 MiB of output plus its envelope; small enough that one message cannot take a
     * 512 MiB heap.
     */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** Params of a method that takes none: the request is written without a {@code params} member. */
    public static final JsonNode NO_PARAMS = com.fasterxml.jackson.databind.node.MissingNode.getInstance();

    private final String name;
    private final MessageSource source;
    private final MessageSender sender;
    private final Duration defaultTimeout;
    private final RetryPolicy retryPolicy;
    private final Executor callbackExecutor;
    private final Map<String, RequestHandler> handlers;
    private final InboundSink sink;
    private final WireTap tap;
    private final boolean jsonrpcMember;
    /** The caller's trace context as codex's {@code trace} member, or null: requests carry none. */
    private volatile Supplier<? extends JsonNode> traceContext;

    private final Object writeLock = new Object();
    private final AtomicLong nextId = new AtomicLong(1);
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<JsonRpcId, String> unansweredInbound = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final CompletableFuture<ConnectionClosedException> closed = new CompletableFuture<>();

    private final InboundReader reader;
    private final AtomicLong messagesSent = new AtomicLong();
    private final AtomicLong unmatchedResponses = new AtomicLong();
    private final AtomicLong overloadRetries = new AtomicLong();

    private volatile Thread readerThread;

    private JsonRpcPeer(Builder b) {
        this.name = b.name;
        this.source = b.source != null ? b.source : new LineFramer(b.input, b.maxMessageBytes);
        this.sender = b.sender != null ? b.sender : new LineSender(b.output);
        this.defaultTimeout = b.defaultTimeout;
        this.retryPolicy = b.retryPolicy;
        this.callbackExecutor = b.callbackExecutor;
        this.handlers = Map.copyOf(b.handlers);
        this.tap = b.tap;
        this.jsonrpcMember = b.jsonrpcMember;
        this.sink = b.sink != null ? b.sink : new SerialDispatcher(this, b.notificationListener, name);
        this.reader = new InboundReader(name, source, b.maxMessageBytes, sink, tap, this::dispatch);
    }

    /**
     * A peer over a pair of byte streams, one message per {@code \n}-terminated line each way
     * (codex's stdio; in-memory pipes in tests).
     */
    public static Builder builder(InputStream input, OutputStream output) {
        return new Builder(Objects.requireNonNull(input, "input"), Objects.requireNonNull(output, "output"), null, null);
    }

    /** A peer over a connection that carries whole messages (a WebSocket): nothing is framed again. */
    public static Builder builder(MessageSource source, MessageSender sender) {
        return new Builder(null, null, Objects.requireNonNull(source, "source"), Objects.requireNonNull(sender, "sender"));
    }

    /** Starts the reader thread. Idempotent. Register handlers and the sink before this. */
    public JsonRpcPeer start() {
        if (started.compareAndSet(false, true)) {
            Thread t = new Thread(this::readLoop, "codex-bridge-reader-" + name);
            t.setDaemon(true);
            readerThread = t;
            t.start();
        }
        return this;
    }

    public String name() {
        return name;
    }

    public boolean isOpen() {
        return open.get();
    }

    /** Completes, with the reason, when the connection closes for any reason. */
    public CompletableFuture<ConnectionClosedException> closedFuture() {
        return closed.copy();
    }

    // ---------------------------------------------------------------- outgoing requests

    /** Sends a request with the default timeout. {@code params} null means {@code {}}. */
    public CompletableFuture<JsonNode> request(String method, @Nullable Object params) {
        return request(method, params, defaultTimeout);
    }

    /**
     * Sends a request. The future completes with the {@code result}, or fails with
     * {@link RpcException}, {@link RpcTimeoutException} or {@link ConnectionClosedException}.
     * Cancelling it forgets the request (a late response is then counted as unmatched).
     */
    public CompletableFuture<JsonNode> request(String method, @Nullable Object params, Duration timeout) {
        return send(method, params, timeout, null);
    }

    private CompletableFuture<JsonNode> send(String method, Object params, Duration timeout,
                                             BiConsumer<JsonNode, Throwable> inlineAction) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(timeout, "timeout");
        JsonNode paramsNode = toParams(params);
        Pending p = new Pending(method, paramsNode, timeout);
        Supplier<? extends JsonNode> traces = traceContext;
        if (traces != null) {
            // read on the sending thread: the host's current span is the request's parent
            p.trace = traces.get();
        }
        if (inlineAction != null) {
            // registered before the request is written, so it can never run after later messages
            p.inline = true;
            p.future.whenComplete(inlineAction);
        }
        if (!open.get()) {
            p.future.completeExceptionally(closedCause());
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

    /**
     * Like {@link #request(String, Object, Duration)}, but {@code onAnswer} runs on the reader
     * thread as the answer is read, before the next message is, so it happens in wire order with
     * the messages that follow the response (it also runs for a timeout or a closed connection).
     * It must be quick and must not block, e.g. appending to a queue.
     */
    public CompletableFuture<JsonNode> requestInOrder(String method, Object params, Duration timeout,
                                                      BiConsumer<JsonNode, Throwable> onAnswer) {
        return send(method, params, timeout, Objects.requireNonNull(onAnswer, "onAnswer"));
    }

    /** Sends a request and maps its result to {@code type} with the project's mapper. */
    public <T> CompletableFuture<T> request(String method, Object params, Duration timeout, Class<T> type) {
        return request(method, params, timeout).thenApply(result -> Json.convert(result, type));
    }

    /**
     * Sends a request and waits for the result, unwrapping the future's exception so callers see
     * the {@link dev.codexbridge.CodexException} subtypes directly.
     */
    public JsonNode call(String method, Object params, Duration timeout) {
        return Futures.join(request(method, params, timeout));
    }

    /**
     * Gives every request sent from now on a top-level {@code trace} member (W3C trace context,
     * codex's {@code W3cTraceContext}): {@code source} is asked on the thread that sends the
     * request, and a null answer leaves the member out. Null (the default) for none: the bytes
     * written are then the same as ever. Set before the first request (the client sets it before
     * {@code initialize}).
     */
    public void traceContext(Supplier<? extends @Nullable JsonNode> source) {
        this.traceContext = source;
    }

    /** Sends a notification. */
    public void notify(String method, Object params) {
        write(new JsonRpcMessage.Notification(Objects.requireNonNull(method, "method"), toParams(params)));
    }

    // ---------------------------------------------------------------- answering inbound requests

    /**
     * Answers {@code request} through the handler table: an unknown method gets {@code -32601},
     * a failing handler {@code -32603}. The answer is written when the handler's stage completes.
     */
    public void serve(JsonRpcMessage.Request request) {
        RequestHandler handler = handlers.get(request.method());
        if (handler == null) {
            respondError(request.id(), new RpcError(RpcError.METHOD_NOT_FOUND, "Unsupported method: " + request.method()));
            return;
        }
        CompletionStage<?> stage;
        try {
            stage = handler.handle(request);
            if (stage == null) {
                stage = CompletableFuture.completedFuture(null);
            }
        } catch (Throwable t) {
            answerFailure(request, t);
            return;
        }
        stage.whenComplete((result, failure) -> {
            if (failure != null) {
                answerFailure(request, failure);
            } else {
                respond(request.id(), result);
            }
        });
    }

    /**
     * Answers an inbound request with a result ({@code null} means {@code {}}). Returns false, and
     * writes nothing, if the id was already answered, never received, or the connection is closed:
     * every request gets exactly one response.
     */
    public boolean respond(JsonRpcId id, @Nullable Object result) {
        JsonNode node = result == null ? Json.object() : result instanceof JsonNode j ? j : Json.tree(result);
        return answer(id, new JsonRpcMessage.Response(id, node));
    }

    /** Answers an inbound request with an error; same exactly-once rule as {@link #respond}. */
    public boolean respondError(JsonRpcId id, RpcError error) {
        return answer(id, new JsonRpcMessage.ErrorResponse(id, error));
    }

    private boolean answer(JsonRpcId id, JsonRpcMessage message) {
        String method = unansweredInbound.remove(id);
        if (method == null) {
            LOG.warn("[{}] not answering request {} again: already answered or never received", name, id);
            return false;
        }
        try {
            write(message);
            return true;
        } catch (ConnectionClosedException e) {
            LOG.debug("[{}] could not answer {} {}: {}", name, method, id, e.getMessage());
            return false;
        }
    }

    private void answerFailure(JsonRpcMessage.Request request, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof RpcException rpc) {
            respondError(request.id(), rpc.error());
            return;
        }
        LOG.warn("[{}] handler for {} failed", name, request.method(), cause);
        respondError(request.id(), new RpcError(RpcError.INTERNAL_ERROR,
                "handler for " + request.method() + " failed: " + cause.getClass().getSimpleName()));
    }

    // ---------------------------------------------------------------- stats and close

    public PeerStats stats() {
        return new PeerStats(reader.messagesRead(), messagesSent.get(), reader.malformedMessages(),
                reader.oversizedMessages(), unmatchedResponses.get(), overloadRetries.get(), pending.size(),
                unansweredInbound.size());
    }

    /** Closes the connection: fails every pending request and closes both directions. Idempotent. */
    @Override
    public void close() {
        shutdown(new ConnectionClosedException("connection closed by the client"));
    }

    /** Closes with a specific reason, e.g. the process exit that caused it. */
    public void close(ConnectionClosedException reason) {
        shutdown(reason);
    }

    private void shutdown(ConnectionClosedException reason) {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        closed.complete(reason);
        failAllPending(reason);
        unansweredInbound.clear();
        closeQuietly(sender);
        if (readerThread != Thread.currentThread()) {
            closeQuietly(source);
        }
        try {
            sink.closed(reason);
        } catch (RuntimeException e) {
            LOG.warn("[{}] inbound sink failed on close", name, e);
        }
    }

    private void failAllPending(ConnectionClosedException reason) {
        List<Pending> all = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : all) {
            completeExceptionally(p, reason);
        }
    }

    private ConnectionClosedException closedCause() {
        ConnectionClosedException reason = closed.getNow(null);
        return reason != null ? reason : new ConnectionClosedException("connection closed");
    }

    // ---------------------------------------------------------------- internals: writing

    private void sendAttempt(Pending p) {
        long id = nextId.getAndIncrement();
        p.id = id;
        pending.put(id, p);
        if (p.future.isDone()) {
            pending.remove(id, p);
            return;
        }
        try {
            write(new JsonRpcMessage.Request(JsonRpcId.of(id), p.method, p.params), p.trace);
        } catch (ConnectionClosedException e) {
            pending.remove(id, p);
            completeExceptionally(p, e);
        }
    }

    private void write(JsonRpcMessage message) {
        write(message, null);
    }

    private void write(JsonRpcMessage message, JsonNode trace) {
        byte[] bytes = MessageCodec.encode(message, jsonrpcMember, trace);
        synchronized (writeLock) {
            if (!open.get()) {
                throw closedCause();
            }
            try {
                if (tap != null) {
                    tap.outgoing(bytes);
                }
                sender.send(bytes);
                messagesSent.incrementAndGet();
            } catch (IOException e) {
                ConnectionClosedException reason = new ConnectionClosedException(
                        "cannot write to the connection: " + UntrustedText.of(e.getMessage()), UntrustedText.shown(e));
                // Shut down outside the lock would be nicer, but the lock only guards the stream
                // and shutdown never takes it, so calling it here cannot deadlock.
                shutdown(reason);
                throw closedCause();
            }
        }
    }

    // ---------------------------------------------------------------- internals: reading

    private void readLoop() {
        shutdown(reader.run(open));
    }

    /** A message read and parsed by the reader: a response settles its request, the rest go to the sink. */
    private void dispatch(JsonRpcMessage message) {
        if (message instanceof JsonRpcMessage.Response r) {
            Pending p = takePending(r.id());
            if (p != null) {
                complete(p, r.result());
            }
        } else if (message instanceof JsonRpcMessage.ErrorResponse e) {
            Pending p = e.id() == null ? null : takePending(e.id());
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
        } else if (message instanceof JsonRpcMessage.Request r) {
            if (unansweredInbound.putIfAbsent(r.id(), r.method()) != null) {
                LOG.warn("[{}] duplicate inbound request id {} ({}) ignored", name, r.id(), r.method());
                return;
            }
            sink.accept(r);
        } else if (message instanceof JsonRpcMessage.Notification n) {
            sink.accept(n);
        }
    }

    private Pending takePending(JsonRpcId id) {
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
            if (!p.future.isDone() && open.get()) {
                sendAttempt(p);
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void expire(Pending p) {
        pending.remove(p.id, p);
        completeExceptionally(p, new RpcTimeoutException(p.method, p.timeout));
    }

    private void complete(Pending p, JsonNode result) {
        if (p.inline) {
            p.future.complete(result);
        } else {
            callbackExecutor.execute(() -> p.future.complete(result));
        }
    }

    private void completeExceptionally(Pending p, Throwable failure) {
        callbackExecutor.execute(() -> p.future.completeExceptionally(failure));
    }

    private static JsonNode toParams(Object params) {
        if (params == NO_PARAMS) {
            return NO_PARAMS;
        }
        if (params == null) {
            return Json.object();
        }
        JsonNode node = params instanceof JsonNode j ? j : Json.tree(params);
        return node.isNull() || node.isMissingNode() ? Json.object() : node;
    }

    private static Throwable unwrap(Throwable t) {
        return Futures.unwrap(t);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a dead pipe: nothing left to tell anyone
        }
    }

    private static final class Pending {
        final String method;
        final JsonNode params;
        final Duration timeout;
        final CompletableFuture<JsonNode> future = new CompletableFuture<>();
        volatile long id;
        volatile int attempts;
        volatile ScheduledFuture<?> timeoutTask;
        volatile boolean inline;
        /** Sent as the request's {@code trace} member (every attempt), or null. */
        volatile JsonNode trace;

        Pending(String method, JsonNode params, Duration timeout) {
            this.method = method;
            this.params = params;
            this.timeout = timeout;
        }
    }

    /** Configures a peer; {@link #build()} returns it unstarted. */
    public static final class Builder {
        private final InputStream input;
        private final OutputStream output;
        private final MessageSource source;
        private final MessageSender sender;
        private String name = "peer";
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Duration defaultTimeout = DEFAULT_REQUEST_TIMEOUT;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private Executor callbackExecutor = RpcThreads.callbacks();
        private final Map<String, RequestHandler> handlers = new HashMap<>();
        private InboundSink sink;
        private Consumer<JsonRpcMessage.Notification> notificationListener;
        private WireTap tap;
        private boolean jsonrpcMember;

        private Builder(InputStream input, OutputStream output, MessageSource source, MessageSender sender) {
            this.input = input;
            this.output = output;
            this.source = source;
            this.sender = sender;
        }

        /** Names the reader thread and log lines. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The longest inbound message read; a longer one is skipped and counted in
         * {@link PeerStats#oversizedMessages()}. On byte streams no more than this is ever held of
         * one line; a {@link MessageSource} bounds its own buffering and this is checked on what it
         * hands over.
         */
        public Builder maxMessageBytes(int maxMessageBytes) {
            if (maxMessageBytes <= 0) {
                throw new IllegalArgumentException("maxMessageBytes must be positive");
            }
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        public Builder defaultTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.defaultTimeout = timeout;
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** Where request futures complete. Defaults to a shared daemon pool. */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Registers the handler {@link JsonRpcPeer#serve} uses for {@code method}. */
        public Builder handler(String method, RequestHandler handler) {
            handlers.put(Objects.requireNonNull(method, "method"), Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * Where inbound requests and notifications go. Without one, the peer serves requests with
         * its handler table and passes notifications to {@link #onNotification}, on a dispatch thread.
         */
        public Builder inbound(InboundSink sink) {
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** Notification listener for the default dispatcher; ignored when {@link #inbound} is set. */
        public Builder onNotification(Consumer<JsonRpcMessage.Notification> listener) {
            this.notificationListener = listener;
            return this;
        }

        /** Observes every message's bytes in both directions (fixture recording, conformance checks). */
        public Builder wireTap(WireTap tap) {
            this.tap = tap;
            return this;
        }

        /**
         * Sends {@code "jsonrpc":"2.0"} on every message. Codex neither needs nor sends it; strict
         * JSON-RPC 2.0 peers such as MCP servers and clients do.
         */
        public Builder jsonrpcMember(boolean include) {
            this.jsonrpcMember = include;
            return this;
        }

        public JsonRpcPeer build() {
            return new JsonRpcPeer(this);
        }
    }
}
