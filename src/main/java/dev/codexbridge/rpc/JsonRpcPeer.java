package dev.codexbridge.rpc;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.rpc.internal.Futures;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>This class is the peer's face, its life (start, close) and the routing of what is read. The
 * outgoing requests' bookkeeping (ids, pending requests, timeouts, retries) is
 * {@code OutboundRequests}'s, answering inbound requests exactly once {@code InboundRequests}'s, and
 * the writing {@code PeerWriter}'s. Reading (sizes, blank and malformed messages, the direct path,
 * bursts) is {@code InboundReader}'s, framing the {@link MessageSource}'s and the
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
    private final InboundSink sink;
    /** The caller's trace context as codex's {@code trace} member, or null: requests carry none. */
    private volatile Supplier<? extends JsonNode> traceContext;

    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final CompletableFuture<ConnectionClosedException> closed = new CompletableFuture<>();

    private final PeerWriter writer;
    private final OutboundRequests outbound;
    private final InboundRequests inbound;
    private final InboundReader reader;

    private volatile Thread readerThread;

    private JsonRpcPeer(Builder b) {
        this.name = b.name;
        this.source = b.source != null ? b.source : new LineFramer(b.input, b.maxMessageBytes);
        this.sender = b.sender != null ? b.sender : new LineSender(b.output);
        this.defaultTimeout = b.defaultTimeout;
        this.writer = new PeerWriter(sender, b.tap, b.jsonrpcMember, open, this::closedCause, this::shutdown);
        this.outbound = new OutboundRequests(name, b.retryPolicy, b.callbackExecutor, writer, open, this::closedCause);
        this.inbound = new InboundRequests(name, b.handlers, writer);
        this.sink = b.sink != null ? b.sink : new SerialDispatcher(this, b.notificationListener, name);
        this.reader = new InboundReader(name, source, b.maxMessageBytes, sink, b.tap, this::dispatch);
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
        Supplier<? extends JsonNode> traces = traceContext;
        // read on the sending thread: the host's current span is the request's parent
        JsonNode trace = traces == null ? null : traces.get();
        return outbound.send(method, paramsNode, timeout, trace, inlineAction);
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
        writer.write(new JsonRpcMessage.Notification(Objects.requireNonNull(method, "method"), toParams(params)));
    }

    // ---------------------------------------------------------------- answering inbound requests

    /**
     * Answers {@code request} through the handler table: an unknown method gets {@code -32601},
     * a failing handler {@code -32603}. The answer is written when the handler's stage completes.
     */
    public void serve(JsonRpcMessage.Request request) {
        inbound.serve(request);
    }

    /**
     * Answers an inbound request with a result ({@code null} means {@code {}}). Returns false, and
     * writes nothing, if the id was already answered, never received, or the connection is closed:
     * every request gets exactly one response.
     */
    public boolean respond(JsonRpcId id, @Nullable Object result) {
        return inbound.respond(id, result);
    }

    /** Answers an inbound request with an error; same exactly-once rule as {@link #respond}. */
    public boolean respondError(JsonRpcId id, RpcError error) {
        return inbound.respondError(id, error);
    }

    // ---------------------------------------------------------------- stats and close

    public PeerStats stats() {
        return new PeerStats(reader.messagesRead(), writer.messagesSent(), reader.malformedMessages(),
                reader.oversizedMessages(), outbound.unmatchedResponses(), outbound.overloadRetries(), outbound.waiting(),
                inbound.unanswered());
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
        outbound.failAll(reason);
        inbound.clear();
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

    private ConnectionClosedException closedCause() {
        ConnectionClosedException reason = closed.getNow(null);
        return reason != null ? reason : new ConnectionClosedException("connection closed");
    }

    // ---------------------------------------------------------------- internals: reading

    private void readLoop() {
        shutdown(reader.run(open));
    }

    /** A message read and parsed by the reader: a response settles its request, the rest go to the sink. */
    private void dispatch(JsonRpcMessage message) {
        if (message instanceof JsonRpcMessage.Response r) {
            outbound.answered(r);
        } else if (message instanceof JsonRpcMessage.ErrorResponse e) {
            outbound.failed(e);
        } else if (message instanceof JsonRpcMessage.Request r) {
            if (inbound.received(r)) {
                sink.accept(r);
            }
        } else if (message instanceof JsonRpcMessage.Notification n) {
            sink.accept(n);
        }
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

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a dead pipe: nothing left to tell anyone
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
