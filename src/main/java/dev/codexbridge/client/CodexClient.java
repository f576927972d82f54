package dev.codexbridge.client;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.observe.ClientTelemetry;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.CodexApi;
import dev.codexbridge.protocol.CodexAsyncApi;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.HostFuture;
import dev.codexbridge.rpc.JsonRpcId;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.PeerStats;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.CodexTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One connection to a codex app-server: the handshake, a typed method for every stable client request ({@link CodexApi}; {@link
 * #async()} for futures), one ordered stream of everything codex sends, and server requests dispatched the moment they arrive.
 *
 * <pre>{@code
 * try (CodexClient codex = CodexClient.builder().connect()) {     ModelListResponse models = codex.modelList(new
 * ModelListParams(null, null, null));     codex.subscribe(event -> System.out.println(event.method() + " " + event.threadId()));
 * } }</pre>
 *
 * <p>Many threads (and so many {@code CodexSession}s) can share one client. Messages about a
 * thread go, in wire order, to the inbox its session attached and to every {@link #subscribe subscriber}; a server request for a
 * thread no session attached, or for no thread, goes to the {@link Builder#serverRequests fallback handler}, which refuses by
 * default. All methods are thread-safe.
 *
 * <p>The futures a client returns complete on the library's pool for host code
 * ({@code codex-bridge-host}), never on a thread the library needs for its own work: a
 * continuation attached without an executor runs there and may block, even on this client, and
 * waiting for one of these futures ({@code join}, {@code get}) never needs a free thread of that
 * pool. Subscribers' listeners and the fallback handler run there too (docs/embedding.md,
 * "Threads and blocking").
 *
 * <p>This class is the façade; the work is done by package-private parts: the connection and its
 * handshake ({@code ClientConnection}), the routing of what arrives ({@code EventRouter}),
 * reopening a lost connection ({@code Reconnector}) and the thread places ({@code ThreadPlaces}).
 * What the session package needs beyond the API is reached through
 * {@link ClientPlumbing#of(Object)}.
 */
public final class CodexClient implements CodexApi, AutoCloseable {
    /** {@link #async()}: one per client, stateless. */
    private final CodexAsyncApi async = new CodexAsyncApi() {
        @Override
        public <P, R> CompletableFuture<R> requestAsync(RequestMethod<P, R> method, P params) {
            return CodexClient.this.requestAsync(method, params);
        }
    };
    static {
        ClientPlumbing.install(CodexClient.class, client -> client.plumbing);
    }

    private final ClientOptions options;
    private final ClientConnection connection;
    private final EventRouter events;
    private final ThreadPlaces places;
    private final ClientPlumbing<CodexClient> plumbing;
    /** Stops the telemetry's observation of this client; null when telemetry is off. */
    private volatile ClientTelemetry observed;

    private CodexClient(ClientOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.connection = new ClientConnection(this, options);
        this.events = connection.events();
        // a codex this client starts inherits this process's open-file limit: maxThreads follows it
        this.places = new ThreadPlaces(options.launch() != null
                ? OpenFileBudget.maxThreads(options.maxThreads(), OpenFileBudget.softLimit()) : options.maxThreads());
        this.plumbing = new SessionPlumbing(connection, places);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a connection with {@code options} and performs the handshake ({@code initialize},
     * then {@code initialized}). Throws a {@link CodexException} saying why when codex cannot be
     * started or reached, or dies before answering.
     */
    public static CodexClient connect(ClientOptions options) {
        CodexClient client = new CodexClient(options);
        client.connection.open();
        IdleRestarts.watch(client.connection);
        Recycles.watch(client.connection);
        if (options.telemetry() != null) {
            client.observed = Recycles.observed(options.telemetry(), client);
        }
        return client;
    }

    /** What codex answered to {@code initialize}: its user agent, home, platform. */
    public InitializeResponse serverInfo() {
        return connection.serverInfo();
    }

    public boolean isOpen() {
        return connection.isOpen();
    }

    /**
     * Completes, with the reason, when the client is done: closed by the host, its connection lost
     * without a {@link ReconnectPolicy}, or every reconnect attempt failed.
     */
    public CompletableFuture<ConnectionClosedException> closedFuture() {
        return HostFuture.of(connection.closedFuture());
    }

    /**
     * Completes with this client when its connection is up: at once when it is, after the
     * reconnect while one runs; fails when the client is done.
     */
    public CompletableFuture<CodexClient> whenReady() {
        return HostFuture.of(connection.whenReady());
    }

    /** The connection behind this client (for the package's tests). */
    ClientConnection connection() {
        return connection;
    }

    /** Which connection this is: 1 for the first, one more after each reconnect and each restart for memory (idle or recycled). */
    public int generation() {
        return connection.generation();
    }

    /** Counters of the connection (lines, malformed input, pending requests). */
    public PeerStats stats() {
        return connection.peer().stats();
    }

    /** The default deadline of a request on this connection. */
    public Duration requestTimeout() {
        return options.requestTimeout();
    }

    /** The options this client was opened with (how codex is reached, the handshake, the deadlines). */
    public ClientOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- requests

    @Override
    public <P, R> R request(RequestMethod<P, R> method, P params) {
        // the library's own future: waiting for it never needs a host-pool thread
        return Futures.join(connection.request(method.method(), sent(method, params), method.resultType(), options.requestTimeout()));
    }

    /** The asynchronous form of {@link #request(RequestMethod, Object)}. */
    public <P, R> CompletableFuture<R> requestAsync(RequestMethod<P, R> method, P params) {
        return requestAsync(method.method(), sent(method, params), method.resultType(), options.requestTimeout());
    }

    private static Object sent(RequestMethod<?, ?> method, Object params) {
        return method.paramsType() == Void.class ? JsonRpcPeer.NO_PARAMS : params;
    }

    /** The typed requests of {@link CodexApi} in their asynchronous form, on this connection. */
    public CodexAsyncApi async() {
        return async;
    }

    /**
     * A request by wire name with a typed result, for experimental methods and methods newer than
     * the pinned codex: {@code request("thread/backgroundTerminals/clean", params, JsonNode.class)}.
     */
    public <R> R request(String method, Object params, Class<R> resultType) {
        return Futures.join(connection.request(method, params, Objects.requireNonNull(resultType, "resultType"), options.requestTimeout()));
    }

    /**
     * The asynchronous form of every request. The future fails with an {@link
     * dev.codexbridge.rpc.RpcException} for an error answer, an {@link
     * dev.codexbridge.rpc.RpcTimeoutException} past {@code timeout}, and a {@link CodexException}
     * saying why (exit code, stderr) when the connection ends first.
     */
    public <R> CompletableFuture<R> requestAsync(String method, Object params, Class<R> resultType, Duration timeout) {
        Objects.requireNonNull(resultType, "resultType");
        return HostFuture.of(connection.request(method, params, resultType, timeout));
    }

    /** Sends a notification to codex. */
    public void notify(String method, Object params) {
        connection.peer().notify(method, params);
    }

    /** Answers a server request taken from a thread's inbox; false if it was already answered. */
    public boolean respond(JsonRpcId id, Object result) {
        return connection.peer().respond(id, result);
    }

    public boolean respondError(JsonRpcId id, RpcError error) {
        return connection.peer().respondError(id, error);
    }

    // ---------------------------------------------------------------- events

    /**
     * Delivers every notification and server request of this connection to {@code listener}, in
     * arrival order, between turns as well as during them. Server requests are shown, not handed
     * over: they are answered by their thread's inbox or the fallback handler. Close the returned
     * handle to stop.
     */
    public AutoCloseable subscribe(CodexEventListener listener) {
        return events.subscribe(listener, options.eventExecutor(), options.eventBuffer(), null);
    }

    /**
     * {@link #subscribe(CodexEventListener)} delivering on {@code executor}, with room for
     * {@code buffer} undelivered events before this listener starts losing some.
     */
    public AutoCloseable subscribe(CodexEventListener listener, Executor executor, int buffer) {
        return events.subscribe(listener, executor, buffer, null);
    }

    /**
     * {@link #subscribe(CodexEventListener)} for only the messages with one of these wire methods,
     * e.g. {@code account/rateLimits/updated}: nothing else is queued for this listener.
     */
    public AutoCloseable subscribe(Set<String> methods, CodexEventListener listener) {
        return events.subscribe(listener, options.eventExecutor(), options.eventBuffer(), Objects.requireNonNull(methods, "methods"));
    }

    /** {@link #subscribe(Set, CodexEventListener)} delivering on {@code executor}, with room for {@code buffer} undelivered events. */
    public AutoCloseable subscribe(Set<String> methods, CodexEventListener listener, Executor executor, int buffer) {
        return events.subscribe(listener, executor, buffer, Objects.requireNonNull(methods, "methods"));
    }

    // ---------------------------------------------------------------- capacity

    /** How many thread places sessions have taken; at most {@link #maxThreads()}. */
    public int reservedThreads() {
        return places.reserved();
    }

    /** How many threads this connection serves at most. */
    public int maxThreads() {
        return places.max();
    }

    /** How many threads have an inbox attached. */
    public int attachedThreads() {
        return events.attachedThreads();
    }

    // ---------------------------------------------------------------- closing

    /** The last stderr lines of the codex process, secrets redacted; empty without a process. */
    public List<String> stderrTail(int lines) {
        return connection.stderrTail(lines);
    }

    /** Closes the connection and stops codex when the client started it. Idempotent. */
    @Override
    public void close() {
        connection.close();
        ClientTelemetry o = observed;
        if (o != null) {
            observed = null;
            o.close();
        }
    }

    /** This client's telemetry, null when it is off or the client is closed (its reconnects are traced through it). */
    ClientTelemetry telemetry() {
        return observed;
    }

    /**
     * The single entry point for configuring a connection, and the only builder of
     * {@link ClientOptions}: {@link #options()} makes the value, {@link #connect()} opens a client
     * with it.
     */
    public static final class Builder {
        /**
         * 500: codex keeps an open file per loaded thread and fails for good past its open-file
         * limit (about 950 threads under the common 1,024); 500 stays well below that, with room for
         * closed threads codex has not unloaded yet, and holds about 0.5 GiB per codex process
         * (docs/performance.md, "Threads per codex process").
         */
        public static final int DEFAULT_MAX_THREADS = 500;

        // package-private: ClientOptions copies them in and out
        CodexTransport.Factory transport;
        CodexLaunch launch;
        CodexEndpoint endpoint;
        Supplier<WireTap> wireTaps;
        ClientInfo clientInfo = new ClientInfo("codex_bridge", "codex-bridge", BuildInfo.version());
        boolean experimentalApi;
        final List<String> optOutNotifications = new ArrayList<>();
        Duration requestTimeout = Duration.ofSeconds(30);
        ThreadOpens threadOpens = ThreadOpens.DEFAULT;
        ServerRequestHandler serverRequests = ServerRequestHandler.REFUSE;
        Executor eventExecutor = RpcThreads.host();
        int eventBuffer = 100_000;
        ReconnectPolicy reconnect;
        int maxThreads = DEFAULT_MAX_THREADS;
        TelemetryHooks telemetry;

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
         * How the connection paces the requests that load a thread in codex: new sessions, wakes,
         * opens and a reconnect's resumes (those first) share one window; a caller that finds it
         * full past the wait gets a {@link ThreadOpenCapacityException} instead of a turn that
         * times out later. {@link ThreadOpens#DEFAULT}: 16 at once, 1,000 waiting, 30 s each.
         */
        public Builder threadOpens(ThreadOpens opens) {
            this.threadOpens = Objects.requireNonNull(opens, "opens");
            return this;
        }

        /**
         * Reopen the connection when it is lost (codex died, a socket dropped) instead of ending the
         * client: running turns still end at once, then every session on the client resumes its
         * thread on the new connection. Off by default.
         */
        public Builder reconnect(@Nullable ReconnectPolicy policy) {
            this.reconnect = policy;
            return this;
        }

        /**
         * Start codex this way (default: {@code codex app-server} of the binary located when codex
         * starts, inherited home).
         */
        public Builder process(CodexLaunch launch) {
            this.launch = Objects.requireNonNull(launch, "launch");
            return this;
        }

        /**
         * Talk to a running {@code codex app-server --listen ws://…|unix://…} instead of starting
         * one: {@code endpoint(CodexEndpoint.parse("ws://127.0.0.1:4500").tokenFile(file))}.
         * Closing the client then closes the connection and leaves the app-server running.
         */
        public Builder endpoint(CodexEndpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** Talk to something other than a codex child process (in-memory peers, replays, sockets). */
        public Builder transport(CodexTransport.Factory factory) {
            this.transport = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Sees every line sent and received on every connection (fixture recording, conformance
         * checks); null for none. Not used with a {@link #transport}, whose factory makes its own peers.
         */
        public Builder wireTap(@Nullable WireTap tap) {
            this.wireTaps = tap == null ? null : () -> tap;
            return this;
        }

        /**
         * Traces and metrics through these hooks, such as OpenTelemetry's {@code CodexTelemetry}
         * (artifact {@code codex-bridge-opentelemetry}; docs/observability.md): every request
         * carries the sending thread's trace context to codex, and sessions on this client trace
         * their turns. Null (the default) for none.
         */
        public Builder telemetry(@Nullable TelemetryHooks telemetry) {
            this.telemetry = telemetry;
            return this;
        }

        /** Like {@link #wireTap}, with a tap of its own for each connection: the first and every reconnect. */
        public Builder wireTaps(@Nullable Supplier<WireTap> perConnection) {
            this.wireTaps = perConnection;
            return this;
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

        /**
         * Where subscribers' events are delivered (default: the library's pool for host code,
         * {@code codex-bridge-host}, shared with the other host callbacks; give a listener that
         * blocks for long an executor of its own).
         */
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
         * The options set so far, as an immutable value. Throws an {@link IllegalStateException}
         * when both an endpoint and a launch or a transport factory are set.
         */
        public ClientOptions options() {
            return new ClientOptions(this);
        }

        /**
         * Opens the connection and performs the handshake ({@code initialize}, then
         * {@code initialized}): {@code CodexClient.connect(options())}. Throws a
         * {@link CodexException} saying why when codex cannot be started (its {@code CODEX_HOME}
         * missing or not writable included), dies before answering, never answers (the message
         * names the binary and its version), or says in {@code initialize}'s {@code userAgent}
         * that it is older than {@link dev.codexbridge.process.CodexVersion#MINIMUM_SUPPORTED}
         * (docs/compatibility.md has the override).
         */
        public CodexClient connect() {
            return CodexClient.connect(options());
        }

        /**
         * Connects to the running app-server at {@code url} ({@code ws://IP:PORT}, {@code wss://…},
         * {@code unix://PATH}) without credentials and performs the handshake; for credentials use
         * {@link #connect(CodexEndpoint)}.
         */
        public CodexClient connect(URI url) {
            return connect(CodexEndpoint.of(url));
        }

        /**
         * Connects to a running app-server and performs the handshake. Throws a {@link
         * dev.codexbridge.transport.TransportException} when it cannot be reached and a {@link
         * dev.codexbridge.transport.AuthenticationException} when it refuses the credentials.
         */
        public CodexClient connect(CodexEndpoint endpoint) {
            return endpoint(endpoint).connect();
        }
    }
}
