package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.BuildInfo;
import dev.codexbridge.CodexException;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.CodexApi;
import dev.codexbridge.protocol.CodexAsyncApi;
import dev.codexbridge.protocol.InitializeCapabilities;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.Futures;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.PeerStats;
import dev.codexbridge.rpc.JsonRpcId;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcThreads;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.transport.CodexTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a codex app-server: the handshake, a typed method for every stable client
 * request ({@link CodexApi}; {@link #async()} for futures), one ordered stream of everything
 * codex sends, and server requests dispatched the moment they arrive.
 *
 * <pre>{@code
 * try (CodexClient codex = CodexClient.builder().connect()) {
 *     ModelListResponse models = codex.modelList(new ModelListParams(null, null, null));
 *     codex.subscribe(event -> System.out.println(event.method() + " " + event.threadId()));
 * }
 * }</pre>
 *
 * <p>Many threads (and so many {@code CodexSession}s) can share one client. Messages about a
 * thread go, in wire order, to that thread's {@link ThreadInbox} when one is attached, and to
 * every {@link #subscribe subscriber}; a server request for a thread nobody attached, or for no
 * thread, goes to the {@link Builder#serverRequests fallback handler}, which refuses by default.
 * All methods are thread-safe.
 */
public final class CodexClient implements CodexApi, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CodexClient.class);

    private final CodexTransport.Factory transports;
    private final ClientInfo clientInfo;
    private final boolean experimentalApi;
    private final List<String> optOutNotifications;
    private final Duration requestTimeout;
    private final ServerRequestHandler serverRequests;
    private final Executor eventExecutor;
    private final int eventBuffer;
    private final ConcurrentHashMap<String, ThreadInbox> threads = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<EventLane> lanes = new CopyOnWriteArrayList<>();
    private final CompletableFuture<ConnectionClosedException> closed = new CompletableFuture<>();
    private volatile CodexTransport transport;
    private volatile InitializeResponse initialized;
    private final ReconnectPolicy reconnect;
    private final int maxThreads;
    private final java.util.concurrent.atomic.AtomicInteger reservedThreads = new java.util.concurrent.atomic.AtomicInteger();
    /** Counts connections: 1 for the first, +1 per reconnect. A message from an older one is ignored. */
    private final java.util.concurrent.atomic.AtomicInteger generation = new java.util.concurrent.atomic.AtomicInteger();
    /** Completes when the current connection is up; replaced by a pending one while reconnecting. */
    private volatile CompletableFuture<CodexClient> ready = new CompletableFuture<>();
    private volatile boolean closedByHost;
    /** The transport whose connection was lost last (it explains its own end after a reconnect). */
    private volatile CodexTransport lost;
    private final Object explainLock = new Object();
    private volatile Explained lastExplained;
    private final java.util.concurrent.atomic.AtomicBoolean reconnecting = new java.util.concurrent.atomic.AtomicBoolean();
    private final CopyOnWriteArrayList<java.util.function.Function<CodexClient, CompletionStage<?>>> resumers = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicReference<ThreadInbox> unscoped = new java.util.concurrent.atomic.AtomicReference<>();

    private CodexClient(Builder b) {
        this.transports = b.resolveTransports();
        this.clientInfo = b.clientInfo;
        this.experimentalApi = b.experimentalApi;
        this.optOutNotifications = List.copyOf(b.optOutNotifications);
        this.requestTimeout = b.requestTimeout;
        this.serverRequests = b.serverRequests;
        this.eventExecutor = b.eventExecutor;
        this.eventBuffer = b.eventBuffer;
        this.reconnect = b.reconnect;
        this.maxThreads = b.maxThreads;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What codex answered to {@code initialize}: its user agent, home, platform. */
    public InitializeResponse serverInfo() {
        return initialized;
    }

    public boolean isOpen() {
        CodexTransport t = transport;
        return t != null && t.peer().isOpen();
    }

    /**
     * Completes, with the reason, when the client is done: closed by the host, its connection lost
     * without a {@link ReconnectPolicy}, or every reconnect attempt failed.
     */
    public CompletableFuture<ConnectionClosedException> closedFuture() {
        return closed.copy();
    }

    /**
     * Completes with this client when its connection is up: at once when it is, after the
     * reconnect while one runs; fails when the client is done.
     */
    public CompletableFuture<CodexClient> whenReady() {
        return ready.copy();
    }

    /** Which connection this is: 1 for the first, one more after each reconnect. */
    public int generation() {
        return generation.get();
    }

    /**
     * Runs {@code resume} after each reconnect, at most {@link ReconnectPolicy#concurrentResumes}
     * at a time: how a session reopens its thread on the new connection. Close the handle to stop.
     */
    public AutoCloseable onReconnect(java.util.function.Function<CodexClient, CompletionStage<?>> resume) {
        resumers.add(Objects.requireNonNull(resume, "resume"));
        return () -> resumers.remove(resume);
    }

    /** Counters of the connection (lines, malformed input, pending requests). */
    public PeerStats stats() {
        return transport.peer().stats();
    }

    /** The default deadline of a request on this connection. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    // ---------------------------------------------------------------- requests

    @Override
    public <P, R> R request(RequestMethod<P, R> method, P params) {
        return Futures.join(requestAsync(method, params));
    }

    /** The asynchronous form of {@link #request(RequestMethod, Object)}. */
    public <P, R> CompletableFuture<R> requestAsync(RequestMethod<P, R> method, P params) {
        Object sent = method.paramsType() == Void.class ? JsonRpcPeer.NO_PARAMS : params;
        return requestAsync(method.method(), sent, method.resultType(), requestTimeout);
    }

    /** The typed requests of {@link CodexApi} in their asynchronous form, on this connection. */
    public CodexAsyncApi async() {
        return new CodexAsyncApi() {
            @Override
            public <P, R> CompletableFuture<R> requestAsync(RequestMethod<P, R> method, P params) {
                return CodexClient.this.requestAsync(method, params);
            }
        };
    }

    /**
     * A request by wire name with a typed result, for experimental methods and methods newer than
     * the pinned codex: {@code request("thread/backgroundTerminals/clean", params, JsonNode.class)}.
     */
    public <R> R request(String method, Object params, Class<R> resultType) {
        return Futures.join(requestAsync(method, params, resultType, requestTimeout));
    }

    /**
     * The asynchronous form of every request. The future fails with an {@link
     * dev.codexbridge.rpc.RpcException} for an error answer, an {@link
     * dev.codexbridge.rpc.RpcTimeoutException} past {@code timeout}, and a {@link CodexException}
     * saying why (exit code, stderr) when the connection ends first.
     */
    public <R> CompletableFuture<R> requestAsync(String method, Object params, Class<R> resultType, Duration timeout) {
        Objects.requireNonNull(resultType, "resultType");
        return explained(method, peer().request(method, params, timeout)).thenApply(result -> decode(method, result, resultType));
    }

    /**
     * A request whose answer is handed to {@code onAnswer} on the reader thread, before any message
     * that follows it on the wire: a turn's {@code turn/start} answer then reaches the turn's inbox
     * ahead of the turn's first notification. {@code onAnswer} must not block.
     */
    public void requestInOrder(String method, Object params, Duration timeout, BiConsumer<JsonNode, Throwable> onAnswer) {
        peer().requestInOrder(method, params, timeout, onAnswer);
    }

    /** Sends a notification to codex. */
    public void notify(String method, Object params) {
        peer().notify(method, params);
    }

    /** Answers a server request taken from a {@link ThreadInbox}; false if it was already answered. */
    public boolean respond(JsonRpcId id, Object result) {
        return peer().respond(id, result);
    }

    public boolean respondError(JsonRpcId id, RpcError error) {
        return peer().respondError(id, error);
    }

    // ---------------------------------------------------------------- events

    /**
     * Delivers every notification and server request of this connection to {@code listener}, in
     * arrival order, between turns as well as during them. Server requests are shown, not handed
     * over: they are answered by their thread's inbox or the fallback handler. Close the returned
     * handle to stop.
     */
    public AutoCloseable subscribe(CodexEventListener listener) {
        return subscribe(listener, eventExecutor, eventBuffer);
    }

    /**
     * {@link #subscribe(CodexEventListener)} delivering on {@code executor}, with room for
     * {@code buffer} undelivered events before this listener starts losing some.
     */
    public AutoCloseable subscribe(CodexEventListener listener, Executor executor, int buffer) {
        return subscribe(listener, executor, buffer, null);
    }

    /**
     * {@link #subscribe(CodexEventListener)} for only the messages with one of these wire methods,
     * e.g. {@code account/rateLimits/updated}: nothing else is queued for this listener.
     */
    public AutoCloseable subscribe(java.util.Set<String> methods, CodexEventListener listener) {
        return subscribe(listener, eventExecutor, eventBuffer, Objects.requireNonNull(methods, "methods"));
    }

    private AutoCloseable subscribe(CodexEventListener listener, Executor executor, int buffer, java.util.Set<String> methods) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1");
        }
        EventLane lane = new EventLane(Objects.requireNonNull(listener, "listener"), Objects.requireNonNull(executor, "executor"),
                buffer, methods);
        lanes.add(lane);
        ConnectionClosedException cause = closed.getNow(null);
        if (cause != null) {
            lane.connectionClosed(explainClose("", cause));
        }
        return () -> {
            lanes.remove(lane);
            lane.close();
        };
    }

    /**
     * Routes {@code threadId}'s messages, server requests included, to {@code inbox} from now on.
     * One inbox per thread; closing the handle detaches it.
     */
    public AutoCloseable attach(String threadId, ThreadInbox inbox) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(inbox, "inbox");
        if (threads.putIfAbsent(threadId, inbox) != null) {
            throw new IllegalStateException("thread " + threadId + " is already attached to this connection");
        }
        ConnectionClosedException cause = closed.getNow(null);
        if (cause != null) {
            inbox.closed(cause);
        }
        return () -> threads.remove(threadId, inbox);
    }

    /**
     * Routes the messages that belong to no thread (rate limits, login, MCP server status, the
     * auth-token refresh request) to {@code inbox}: for a connection that serves one session.
     */
    public AutoCloseable attachUnscoped(ThreadInbox inbox) {
        Objects.requireNonNull(inbox, "inbox");
        if (!unscoped.compareAndSet(null, inbox)) {
            throw new IllegalStateException("connection-wide messages already go to another inbox");
        }
        ConnectionClosedException cause = closed.getNow(null);
        if (cause != null) {
            inbox.closed(cause);
        }
        return () -> unscoped.compareAndSet(inbox, null);
    }

    /**
     * Takes one of the connection's thread places before a thread is opened on it; close the
     * handle when the thread leaves. Throws a {@link CodexException} when all
     * {@link Builder#maxThreads} are taken, so a host can open a further connection instead.
     */
    public AutoCloseable reserveThread() {
        while (true) {
            int now = reservedThreads.get();
            if (now >= maxThreads) {
                throw new CodexException("this codex connection already serves " + now + " threads, its limit (maxThreads); "
                        + "open another connection or raise the limit");
            }
            if (reservedThreads.compareAndSet(now, now + 1)) {
                java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
                return () -> {
                    if (released.compareAndSet(false, true)) {
                        reservedThreads.decrementAndGet();
                    }
                };
            }
        }
    }

    /** How many thread places are taken ({@link #reserveThread}); at most {@link #maxThreads()}. */
    public int reservedThreads() {
        return reservedThreads.get();
    }

    /** How many threads this connection serves at most. */
    public int maxThreads() {
        return maxThreads;
    }

    /** How many threads have an inbox attached. */
    public int attachedThreads() {
        return threads.size();
    }

    // ---------------------------------------------------------------- closing

    /**
     * Why the connection closed, worth showing to a person (exit code, stderr tail, secrets
     * redacted); {@code context} says when, e.g. "during the turn".
     */
    public CodexException explainClose(String context, ConnectionClosedException cause) {
        // every thread on a lost connection asks at once; the answer may wait for codex's exit: work it out once
        synchronized (explainLock) {
            Explained last = lastExplained;
            if (last != null && last.cause() == cause && last.context().equals(context)) {
                return last.why();
            }
            CodexException why = explainNow(context, cause);
            lastExplained = new Explained(cause, context, why);
            return why;
        }
    }

    private record Explained(ConnectionClosedException cause, String context, CodexException why) {
    }

    private CodexException explainNow(String context, ConnectionClosedException cause) {
        CodexTransport gone = lost;
        // after a reconnect, the connection that ended is not the current one: ask the one that did
        CodexTransport t = gone != null && gone.peer().closedFuture().getNow(null) == cause ? gone : transport;
        return t == null ? cause : t.explainClose(context, cause);
    }

    /** The last stderr lines of the codex process, secrets redacted; empty without a process. */
    public List<String> stderrTail(int lines) {
        CodexTransport t = transport;
        return t == null ? List.of() : t.stderrTail(lines);
    }

    /** Closes the connection and stops codex when the client started it. Idempotent. */
    @Override
    public void close() {
        closedByHost = true;
        CodexTransport t = transport;
        if (t != null) {
            t.close();
        }
        // a reconnect between attempts has no transport to close: end it here
        ConnectionClosedException cause = new ConnectionClosedException("the client was closed");
        if (closed.complete(cause)) {
            ready.completeExceptionally(cause);
        }
    }

    // ---------------------------------------------------------------- internals

    private JsonRpcPeer peer() {
        CodexTransport t = transport;
        if (t == null) {
            throw new CodexException("the client is not connected");
        }
        return t.peer();
    }

    private <T> CompletableFuture<T> explained(String method, CompletableFuture<T> future) {
        return future.exceptionallyCompose(failure -> {
            Throwable cause = Futures.unwrap(failure);
            if (!(cause instanceof ConnectionClosedException closedCause)) {
                return CompletableFuture.failedFuture(cause);
            }
            return CompletableFuture.supplyAsync(() -> {
                throw explainClose("before answering " + method, closedCause);
            }, RpcThreads.callbacks());
        });
    }

    private static <R> R decode(String method, JsonNode result, Class<R> type) {
        if (type == Void.class) {
            return null;
        }
        if (type == JsonNode.class) {
            return type.cast(result);
        }
        try {
            return Json.convert(result, type);
        } catch (JsonFormatException e) {
            throw new CodexException("codex answered " + method + " with a result that does not fit "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private CodexClient open() {
        CodexTransport t = transports.open(new Router(generation.incrementAndGet()));
        transport = t;
        try {
            InitializeCapabilities caps = InitializeCapabilities.builder()
                    .experimentalApi(experimentalApi)
                    .optOutNotificationMethods(optOutNotifications.isEmpty() ? null : optOutNotifications)
                    .build();
            JsonNode answer = Futures.join(explained("initialize", t.peer().request("initialize",
                    new InitializeParams(caps, clientInfo), requestTimeout)));
            initialized = Json.convert(answer, InitializeResponse.class);
            t.peer().notify("initialized", null);
            ready.complete(this);
            return this;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
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
        private final int connection;
        /** Inboxes given messages since the reader last ran out of input; the reader thread's own. */
        private final List<ThreadInbox> touched = new ArrayList<>();

        Router(int connection) {
            this.connection = connection;
        }

        @Override
        public boolean acceptLine(byte[] line, int offset, int length) {
            CodexEvent.Notification event = WireDecoder.decode(line, offset, length);
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
                RpcThreads.callbacks().execute(() -> fallback(request));
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
            if (connection != generation.get()) {
                return;     // an earlier connection's late end
            }
            boolean again = reconnect != null && !closedByHost && initialized != null;
            lost = transport;
            if (again) {
                if (!reconnecting.compareAndSet(false, true)) {
                    return;     // a reconnect attempt's own failure: the attempt loop goes on
                }
                ready = new CompletableFuture<>();
            } else {
                closed.complete(cause);
                ready.completeExceptionally(cause);
            }
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
            if (again) {
                // attached threads learned of the loss above; subscribers keep their lanes across it
                LOG.warn("codex connection {} lost ({}); reconnecting", connection, cause.getMessage());
                scheduleReconnect(cause, 1);
            } else if (!lanes.isEmpty()) {
                // explaining may wait briefly for codex's exit status: not on the reader thread
                RpcThreads.callbacks().execute(() -> closeLanes(cause));
            }
        }
    }

    private void closeLanes(ConnectionClosedException cause) {
        CodexException why = explainClose("", cause);
        lanes.forEach(lane -> lane.connectionClosed(why));
    }

    private void scheduleReconnect(ConnectionClosedException cause, int attempt) {
        long delay = reconnect.delayBefore(attempt).toNanos();
        RpcThreads.timer().schedule(() -> RpcThreads.callbacks().execute(() -> reconnectNow(cause, attempt)),
                delay, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void reconnectNow(ConnectionClosedException cause, int attempt) {
        if (closedByHost) {
            return;
        }
        try {
            CodexTransport old = transport;
            if (old != null) {
                old.close();
            }
            open();
        } catch (RuntimeException e) {
            if (attempt >= reconnect.maxAttempts() || closedByHost) {
                LOG.warn("codex connection could not be reopened after {} attempts: {}", attempt, e.getMessage());
                ConnectionClosedException gaveUp = new ConnectionClosedException("the connection to codex was lost and "
                        + attempt + " attempts to reopen it failed; the last: " + e.getMessage(), e);
                closed.complete(gaveUp);
                ready.completeExceptionally(gaveUp);
                closeLanes(gaveUp);
                return;
            }
            LOG.debug("reconnect attempt {} failed: {}", attempt, e.getMessage());
            scheduleReconnect(cause, attempt + 1);
            return;
        }
        LOG.info("codex connection reopened (connection {}); resuming {} thread(s)", generation.get(), resumers.size());
        reconnecting.set(false);
        CodexTransport now = transport;
        if (!now.peer().isOpen()) {
            // lost again before the flag was down, so its end was ignored: treat it as a new loss
            new Router(generation.get()).closed(new ConnectionClosedException("the reopened connection closed at once"));
            return;
        }
        resumeAll();
    }

    /** Runs every resumer, at most {@code concurrentResumes} in flight, each as soon as a slot frees. */
    private void resumeAll() {
        java.util.concurrent.ConcurrentLinkedQueue<java.util.function.Function<CodexClient, CompletionStage<?>>> todo =
                new java.util.concurrent.ConcurrentLinkedQueue<>(resumers);
        for (int i = 0; i < reconnect.concurrentResumes(); i++) {
            resumeNext(todo);
        }
    }

    private void resumeNext(java.util.concurrent.ConcurrentLinkedQueue<java.util.function.Function<CodexClient, CompletionStage<?>>> todo) {
        java.util.function.Function<CodexClient, CompletionStage<?>> next = todo.poll();
        if (next == null) {
            return;
        }
        CompletionStage<?> stage;
        try {
            stage = next.apply(this);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        (stage == null ? CompletableFuture.completedFuture(null) : stage).whenComplete((r, e) -> {
            if (e != null) {
                LOG.warn("resuming a thread after the reconnect failed: {}", Futures.unwrap(e).getMessage());
            }
            resumeNext(todo);
        });
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
                respond(request.id(), result);
                return;
            }
            Throwable cause = Futures.unwrap(failure);
            if (cause instanceof dev.codexbridge.rpc.RpcException rpc) {
                respondError(request.id(), rpc.error());
            } else {
                LOG.warn("server request handler failed on {}", request.method(), cause);
                respondError(request.id(), new RpcError(RpcError.INTERNAL_ERROR,
                        "handler for " + request.method() + " failed: " + cause.getClass().getSimpleName()));
            }
        });
    }

    /** The single entry point for configuring a connection. */
    public static final class Builder {
        /**
         * 500: codex keeps an open file per loaded thread and fails for good past its open-file
         * limit (about 950 threads under the common 1,024); 500 stays well below that, with room for
         * closed threads codex has not unloaded yet, and holds about 0.5 GiB per codex process
         * (docs/performance.md, "Threads per codex process").
         */
        public static final int DEFAULT_MAX_THREADS = 500;

        private CodexTransport.Factory transports;
        private CodexLaunch launch;
        private dev.codexbridge.transport.CodexEndpoint endpoint;
        private Consumer<JsonRpcPeer.Builder> peerConfigurer = peer -> { };
        private ClientInfo clientInfo = new ClientInfo("codex_bridge", "codex-bridge", BuildInfo.version());
        private boolean experimentalApi;
        private final List<String> optOutNotifications = new ArrayList<>();
        private Duration requestTimeout = Duration.ofSeconds(30);
        private ServerRequestHandler serverRequests = ServerRequestHandler.REFUSE;
        private Executor eventExecutor = RpcThreads.callbacks();
        private int eventBuffer = 100_000;
        private ReconnectPolicy reconnect;
        private int maxThreads = DEFAULT_MAX_THREADS;

        private Builder() {
        }

        /**
         * How many threads sessions may open on this connection (default {@value #DEFAULT_MAX_THREADS});
         * past it, opening one more fails at once instead of loading codex further.
         */
        public Builder maxThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("maxThreads must be at least 1");
            }
            this.maxThreads = threads;
            return this;
        }

        /**
         * Reopen the connection when it is lost (codex died, a socket dropped) instead of ending the
         * client: running turns still end at once, then every session on the client resumes its
         * thread on the new connection. Off by default.
         */
        public Builder reconnect(ReconnectPolicy policy) {
            this.reconnect = policy;
            return this;
        }

        /** Start codex this way (default: the located binary, {@code codex app-server}, inherited home). */
        public Builder process(CodexLaunch launch) {
            this.launch = Objects.requireNonNull(launch, "launch");
            return this;
        }

        /**
         * Talk to a running {@code codex app-server --listen ws://…|unix://…} instead of starting
         * one: {@code endpoint(CodexEndpoint.parse("ws://127.0.0.1:4500").tokenFile(file))}.
         * Closing the client then closes the connection and leaves the app-server running.
         */
        public Builder endpoint(dev.codexbridge.transport.CodexEndpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** Talk to something other than a codex child process (in-memory peers, replays, sockets). */
        public Builder transport(CodexTransport.Factory factory) {
            this.transports = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** Applied to the connection's peer before it starts (timeouts, a {@link WireTap}). */
        public Builder peerConfigurer(Consumer<JsonRpcPeer.Builder> configurer) {
            this.peerConfigurer = Objects.requireNonNull(configurer, "configurer");
            return this;
        }

        /** Sees every line sent and received (fixture recording, conformance checks). */
        public Builder wireTap(WireTap tap) {
            Consumer<JsonRpcPeer.Builder> before = peerConfigurer;
            return peerConfigurer(peer -> {
                before.accept(peer);
                peer.wireTap(tap);
            });
        }

        /** Who the client is; {@code name} becomes codex's {@code originator} header. */
        public Builder clientInfo(ClientInfo info) {
            this.clientInfo = Objects.requireNonNull(info, "info");
            return this;
        }

        /** Turns codex's experimental API on for this connection (needed for dynamic tools). */
        public Builder experimentalApi(boolean on) {
            this.experimentalApi = on;
            return this;
        }

        /** Notification methods codex should not send on this connection at all. */
        public Builder optOutNotifications(List<String> methods) {
            optOutNotifications.addAll(methods);
            return this;
        }

        /** Deadline of a single request (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive");
            }
            this.requestTimeout = timeout;
            return this;
        }

        /** Answers server requests no thread inbox takes (default: refuse every one). */
        public Builder serverRequests(ServerRequestHandler handler) {
            this.serverRequests = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Where subscribers' events are delivered (default: the library's shared daemon pool). */
        public Builder eventExecutor(Executor executor) {
            this.eventExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** How many undelivered events a subscriber may fall behind before it loses some (default 100,000). */
        public Builder eventBuffer(int events) {
            if (events < 1) {
                throw new IllegalArgumentException("eventBuffer must be at least 1");
            }
            this.eventBuffer = events;
            return this;
        }

        /**
         * Opens the connection and performs the handshake ({@code initialize}, then
         * {@code initialized}). Throws a {@link CodexException} saying why when codex cannot be
         * started or dies before answering.
         */
        public CodexClient connect() {
            return new CodexClient(this).open();
        }

        /**
         * Connects to the running app-server at {@code url} ({@code ws://IP:PORT}, {@code wss://…},
         * {@code unix://PATH}) without credentials and performs the handshake; for credentials use
         * {@link #connect(dev.codexbridge.transport.CodexEndpoint)}.
         */
        public CodexClient connect(java.net.URI url) {
            return connect(dev.codexbridge.transport.CodexEndpoint.of(url));
        }

        /**
         * Connects to a running app-server and performs the handshake. Throws a {@link
         * dev.codexbridge.transport.TransportException} when it cannot be reached and a {@link
         * dev.codexbridge.transport.AuthenticationException} when it refuses the credentials.
         */
        public CodexClient connect(dev.codexbridge.transport.CodexEndpoint endpoint) {
            return endpoint(endpoint).connect();
        }

        private CodexTransport.Factory resolveTransports() {
            if (transports != null) {
                if (endpoint != null) {
                    throw new IllegalStateException("set either a transport factory or an endpoint, not both");
                }
                return transports;
            }
            if (endpoint != null) {
                if (launch != null) {
                    throw new IllegalStateException("set either a process launch or an endpoint, not both");
                }
                Duration timeout = requestTimeout;
                Consumer<JsonRpcPeer.Builder> configure = peerConfigurer;
                return CodexTransport.connect(endpoint, peer -> {
                    peer.defaultTimeout(timeout);
                    configure.accept(peer);
                });
            }
            CodexLaunch l = launch != null ? launch
                    : CodexLaunch.appServer(new CodexLocator().locate(null).binary()).name("codex").build();
            Duration timeout = requestTimeout;
            Consumer<JsonRpcPeer.Builder> configure = peerConfigurer;
            return CodexTransport.process(l, peer -> {
                peer.defaultTimeout(timeout);
                configure.accept(peer);
            });
        }
    }
}
