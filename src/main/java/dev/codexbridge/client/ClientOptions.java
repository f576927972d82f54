package dev.codexbridge.client;

import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.CodexTransport;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link CodexClient} connection is opened with, as one immutable value: what to talk
 * to (a {@link CodexLaunch}, a {@link CodexEndpoint} or a {@link CodexTransport.Factory}), how to
 * introduce itself, timeouts, reconnects, capacity and event delivery. A client reopens from the
 * same value after a reconnect, and so does a session that owns its connection after a crash.
 *
 * <pre>{@code
 * ClientOptions options = CodexClient.builder().requestTimeout(Duration.ofSeconds(60)).options();
 * try (CodexClient codex = CodexClient.connect(options)) { … }
 * CodexClient other = CodexClient.connect(options.toBuilder().maxThreads(100).options());
 * }</pre>
 *
 * <p>{@link CodexClient.Builder} is its only builder ({@link CodexClient#builder()},
 * {@link #toBuilder()}), which is why this is a class and not a record: a record's public
 * constructor would be a second way to make one, with thirteen positional arguments.
 */
public final class ClientOptions {
    /** Codex started from the located binary ({@code codex app-server}, inherited home). */
    private static final CodexLaunch DEFAULT_LAUNCH = CodexLaunch.appServer().name("codex").build();

    /** As set: null when the default launch applies. */
    private final CodexLaunch launch;
    private final CodexEndpoint endpoint;
    private final CodexTransport.Factory transport;
    private final ClientInfo clientInfo;
    private final boolean experimentalApi;
    private final List<String> optOutNotifications;
    private final Duration requestTimeout;
    private final Supplier<WireTap> wireTaps;
    private final ReconnectPolicy reconnect;
    private final int maxThreads;
    private final ThreadOpens threadOpens;
    private final ServerRequestHandler serverRequests;
    private final Executor eventExecutor;
    private final int eventBuffer;
    private final TelemetryHooks telemetry;

    ClientOptions(CodexClient.Builder b) {
        if (b.transport != null && b.endpoint != null) {
            throw new IllegalStateException("set either a transport factory or an endpoint, not both");
        }
        if (b.endpoint != null && b.launch != null) {
            throw new IllegalStateException("set either a process launch or an endpoint, not both");
        }
        // a transport factory makes its own connections: a launch beside it is not used
        this.launch = b.transport != null ? null : b.launch;
        this.endpoint = b.endpoint;
        this.transport = b.transport;
        this.clientInfo = b.clientInfo;
        this.experimentalApi = b.experimentalApi;
        this.optOutNotifications = List.copyOf(b.optOutNotifications);
        this.requestTimeout = b.requestTimeout;
        this.wireTaps = b.wireTaps;
        this.reconnect = b.reconnect;
        this.maxThreads = b.maxThreads;
        this.threadOpens = b.threadOpens;
        this.serverRequests = b.serverRequests;
        this.eventExecutor = b.eventExecutor;
        this.eventBuffer = b.eventBuffer;
        this.telemetry = b.telemetry;
    }

    /** A builder holding these options, to derive others from them. */
    public CodexClient.Builder toBuilder() {
        CodexClient.Builder b = CodexClient.builder();
        b.launch = launch;
        b.endpoint = endpoint;
        b.transport = transport;
        b.clientInfo = clientInfo;
        b.experimentalApi = experimentalApi;
        b.optOutNotifications.addAll(optOutNotifications);
        b.requestTimeout = requestTimeout;
        b.wireTaps = wireTaps;
        b.reconnect = reconnect;
        b.maxThreads = maxThreads;
        b.threadOpens = threadOpens;
        b.serverRequests = serverRequests;
        b.eventExecutor = eventExecutor;
        b.eventBuffer = eventBuffer;
        b.telemetry = telemetry;
        return b;
    }

    /**
     * How codex is started; null when the client talks to an {@link #endpoint()} or a
     * {@link #transport()} instead. By default {@code codex app-server} of the binary located
     * ({@link dev.codexbridge.process.CodexLocator}) when codex starts.
     */
    public @Nullable CodexLaunch launch() {
        return launch != null ? launch : endpoint == null && transport == null ? DEFAULT_LAUNCH : null;
    }

    /** The running app-server to connect to, or null. */
    public @Nullable CodexEndpoint endpoint() {
        return endpoint;
    }

    /** The factory of connections to something other than a codex process, or null. */
    public CodexTransport.@Nullable Factory transport() {
        return transport;
    }

    /** Who the client is; {@code name} becomes codex's {@code originator} header. */
    public ClientInfo clientInfo() {
        return clientInfo;
    }

    /** Whether codex's experimental API is on for the connection. */
    public boolean experimentalApi() {
        return experimentalApi;
    }

    /** Notification methods codex should not send on the connection at all. */
    public List<String> optOutNotifications() {
        return optOutNotifications;
    }

    /** The default deadline of a request. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * Gives each connection the client opens (the first and every reconnect) its {@link WireTap};
     * null for none. Not used with a {@link #transport()}, whose factory makes its own peers.
     */
    public @Nullable Supplier<WireTap> wireTaps() {
        return wireTaps;
    }

    /** How a lost connection is reopened; null: the client ends with its connection. */
    public @Nullable ReconnectPolicy reconnect() {
        return reconnect;
    }

    /** How many threads sessions may open on the connection. */
    public int maxThreads() {
        return maxThreads;
    }

    /** How the connection paces the requests that load a thread ({@link ThreadOpens#DEFAULT} unless set). */
    public ThreadOpens threadOpens() {
        return threadOpens;
    }

    /** Answers the server requests no thread inbox takes. */
    public ServerRequestHandler serverRequests() {
        return serverRequests;
    }

    /** Where subscribers' events are delivered. */
    public Executor eventExecutor() {
        return eventExecutor;
    }

    /** How many undelivered events a subscriber may fall behind before it loses some. */
    public int eventBuffer() {
        return eventBuffer;
    }

    /**
     * The telemetry hooks (OpenTelemetry's: {@code CodexTelemetry}), or null (the default):
     * requests then carry no trace context.
     */
    public @Nullable TelemetryHooks telemetry() {
        return telemetry;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientOptions other && Objects.equals(launch, other.launch) && Objects.equals(endpoint, other.endpoint)
                && Objects.equals(transport, other.transport) && clientInfo.equals(other.clientInfo)
                && experimentalApi == other.experimentalApi && optOutNotifications.equals(other.optOutNotifications)
                && requestTimeout.equals(other.requestTimeout) && Objects.equals(wireTaps, other.wireTaps)
                && Objects.equals(reconnect, other.reconnect) && maxThreads == other.maxThreads
                && serverRequests.equals(other.serverRequests) && eventExecutor.equals(other.eventExecutor)
                && eventBuffer == other.eventBuffer && Objects.equals(telemetry, other.telemetry);
    }

    @Override
    public int hashCode() {
        return Objects.hash(launch, endpoint, transport, clientInfo, experimentalApi, optOutNotifications, requestTimeout,
                wireTaps, reconnect, maxThreads, serverRequests, eventExecutor, eventBuffer, telemetry);
    }

    @Override
    public String toString() {
        String target = transport != null ? "transport " + transport : endpoint != null ? "endpoint " + endpoint
                : launch != null ? "launch " + launch.name() : "the located codex";
        return "ClientOptions[" + target + ", clientInfo " + clientInfo.name() + ", requestTimeout " + requestTimeout
                + ", maxThreads " + maxThreads + (reconnect == null ? "" : ", reconnect " + reconnect)
                + (experimentalApi ? ", experimental API" : "") + "]";
    }
}
