package dev.codexbridge.transport;

import dev.codexbridge.internal.UntrustedText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Where a running {@code codex app-server} listens, and how to reach it: a WebSocket
 * ({@code ws://IP:PORT}, or {@code wss://} through a TLS-terminating proxy) or the unix control
 * socket ({@code unix://PATH}, {@code unix://} for the default under {@code CODEX_HOME}).
 * Immutable; every {@code with…}-style method returns a new endpoint.
 *
 * <pre>{@code
 * CodexEndpoint ep = CodexEndpoint.parse("ws://127.0.0.1:4500")
 *         .auth(WebSocketAuth.capabilityToken(Path.of("/run/secrets/codex-token")));
 * if (ep.readiness(Duration.ofSeconds(2)).ok()) {
 *     try (CodexClient codex = CodexClient.builder().connect(ep)) { … }
 * }
 * }</pre>
 *
 * <p>Codex marks its WebSocket listener experimental; an own-process stdio connection
 * ({@code CodexClient.builder().connect()}) stays the default. Plain {@code ws://} to a host that
 * is not loopback is refused unless {@link #allowPlaintextRemote(boolean) allowed}: the bearer
 * token and every prompt would cross the network unencrypted.
 */
public final class CodexEndpoint {
    /** What carries the WebSocket. */
    public enum Kind { WEBSOCKET, UNIX_SOCKET }

    /** Where {@code codex app-server --listen unix://} puts its socket, relative to {@code CODEX_HOME}. */
    public static final String CONTROL_SOCKET = "app-server-control/app-server-control.sock";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Inbound messages larger than this are dropped (codex's largest items are command outputs). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
    /** Inbound bytes queued before the connection stops reading and lets the server wait. */
    public static final int DEFAULT_INBOUND_BUFFER_BYTES = 16 * 1024 * 1024;
    /** Silence from the server after which a ping asks it to answer; see {@link #keepAlive(Duration)}. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(1);
    /** Silence after a ping after which the connection is given up; see {@link #keepAliveTimeout(Duration)}. */
    public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(10);

    private final Kind kind;
    private final URI uri;
    private final Path socket;
    private final WebSocketAuth auth;
    private final boolean allowPlaintextRemote;
    private final Duration connectTimeout;
    private final int maxMessageBytes;
    private final int inboundBufferBytes;
    private final Duration keepAlive;
    private final Duration keepAliveTimeout;

    private CodexEndpoint(Kind kind, URI uri, Path socket, WebSocketAuth auth, boolean allowPlaintextRemote,
                          Duration connectTimeout, int maxMessageBytes, int inboundBufferBytes, Duration keepAlive,
                          Duration keepAliveTimeout) {
        this.kind = kind;
        this.uri = uri;
        this.socket = socket;
        this.auth = auth;
        this.allowPlaintextRemote = allowPlaintextRemote;
        this.connectTimeout = connectTimeout;
        this.maxMessageBytes = maxMessageBytes;
        this.inboundBufferBytes = inboundBufferBytes;
        this.keepAlive = keepAlive;
        this.keepAliveTimeout = keepAliveTimeout;
    }

    /**
     * {@code ws://HOST:PORT}, {@code wss://HOST:PORT[/path]}, {@code unix:///abs/path} or
     * {@code unix://} (the control socket of the {@code CODEX_HOME} of this process). A URL with
     * user info, a query, a fragment or path parameters ({@code /p;token=…}) is refused:
     * credentials go through {@link #auth}.
     */
    public static CodexEndpoint parse(String url) {
        Objects.requireNonNull(url, "url");
        String s = url.strip();
        if (s.equals("unix://") || s.equals("unix:")) {
            return controlSocket(defaultCodexHome());
        }
        try {
            return of(new URI(s));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not an app-server URL (ws://IP:PORT, wss://HOST[:PORT], unix://PATH): "
                    + safe(s));
        }
    }

    /** {@link #parse} for a URI. */
    public static CodexEndpoint of(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("an app-server URL must not carry user info, a query or a fragment "
                    + "(give credentials with a token or secret file instead): " + scheme + "://" + uri.getHost() + "…");
        }
        return switch (scheme) {
            case "ws", "wss" -> websocket(uri);
            case "unix" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    yield controlSocket(defaultCodexHome());
                }
                yield unixSocket(Path.of(uri.getPath()));
            }
            default -> throw new IllegalArgumentException("unsupported app-server URL scheme `" + scheme
                    + "`: use ws://, wss:// or unix://");
        };
    }

    /** A WebSocket endpoint, {@code ws://} or {@code wss://}. */
    public static CodexEndpoint websocket(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("a WebSocket endpoint needs ws:// or wss://, not " + scheme + "://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("a WebSocket endpoint needs a host: " + scheme + "://HOST:PORT");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("an app-server URL must not carry user info, a query or a fragment");
        }
        if (uri.getRawPath() != null && uri.getRawPath().indexOf(';') >= 0) {
            throw new IllegalArgumentException("an app-server URL must not carry path parameters (;…) "
                    + "(give credentials with a token or secret file instead): " + scheme + "://" + uri.getHost() + "…");
        }
        URI clean = URI.create(scheme + "://" + hostPart(uri) + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath()));
        return new CodexEndpoint(Kind.WEBSOCKET, clean, null, WebSocketAuth.none(), false, DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_INBOUND_BUFFER_BYTES, DEFAULT_KEEP_ALIVE,
                DEFAULT_KEEP_ALIVE_TIMEOUT);
    }

    /** The unix socket of {@code codex app-server --listen unix://PATH}. */
    public static CodexEndpoint unixSocket(Path socket) {
        Path abs = Objects.requireNonNull(socket, "socket").toAbsolutePath().normalize();
        return new CodexEndpoint(Kind.UNIX_SOCKET, URI.create("unix://" + abs.toUri().getRawPath()), abs,
                WebSocketAuth.none(), false, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_INBOUND_BUFFER_BYTES, DEFAULT_KEEP_ALIVE, DEFAULT_KEEP_ALIVE_TIMEOUT);
    }

    /** The socket {@code codex app-server --listen unix://} creates in {@code codexHome}. */
    public static CodexEndpoint controlSocket(Path codexHome) {
        return unixSocket(Objects.requireNonNull(codexHome, "codexHome").resolve(CONTROL_SOCKET));
    }

    /** Credentials for the upgrade (default none). */
    public CodexEndpoint auth(WebSocketAuth auth) {
        return new CodexEndpoint(kind, uri, socket, Objects.requireNonNull(auth, "auth"), allowPlaintextRemote,
                connectTimeout, maxMessageBytes, inboundBufferBytes, keepAlive,
                keepAliveTimeout);
    }

    /** Shorthand for {@code auth(WebSocketAuth.capabilityToken(tokenFile))}. */
    public CodexEndpoint tokenFile(Path tokenFile) {
        return auth(WebSocketAuth.capabilityToken(tokenFile));
    }

    /** Shorthand for {@code auth(WebSocketAuth.capabilityToken(token))}. */
    public CodexEndpoint token(Supplier<char[]> token) {
        return auth(WebSocketAuth.capabilityToken(token));
    }

    /**
     * Allows plain {@code ws://} to a host that is not loopback (default false): only for a network
     * that is private end to end, such as a pod's own namespace or an SSH tunnel's far side.
     */
    public CodexEndpoint allowPlaintextRemote(boolean allow) {
        return new CodexEndpoint(kind, uri, socket, auth, allow, connectTimeout, maxMessageBytes, inboundBufferBytes, keepAlive,
                keepAliveTimeout);
    }

    /** How long connecting and the upgrade may take (default 10 s). */
    public CodexEndpoint connectTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive");
        }
        return new CodexEndpoint(kind, uri, socket, auth, allowPlaintextRemote, timeout, maxMessageBytes, inboundBufferBytes, keepAlive,
                keepAliveTimeout);
    }

    /** Inbound messages larger than this are dropped and counted (default 128 MiB). */
    public CodexEndpoint maxMessageBytes(int bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 1024");
        }
        return new CodexEndpoint(kind, uri, socket, auth, allowPlaintextRemote, connectTimeout, bytes, inboundBufferBytes, keepAlive,
                keepAliveTimeout);
    }

    /**
     * Inbound bytes held for the reader before the connection stops asking the server for more
     * (default 16 MiB); one message larger than this is still taken whole.
     */
    public CodexEndpoint inboundBufferBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("inboundBufferBytes must be positive");
        }
        return new CodexEndpoint(kind, uri, socket, auth, allowPlaintextRemote, connectTimeout, maxMessageBytes, bytes, keepAlive,
                keepAliveTimeout);
    }

    /**
     * How long the server may stay silent before a ping asks it to answer (default 1 s; zero turns
     * pings off). Codex answers every ping at once, so a quiet connection costs one small frame
     * each way per interval. The ping is also what finds a connection that was reset while
     * nothing was read: writing it fails at once. A server that then answers nothing for
     * {@link #keepAliveTimeout(Duration)} — a machine gone from the network, a connection whose
     * end never arrived, a stopped process — ends the connection, saying so, instead of leaving
     * every turn on it to its own timeout. Silence does not count while this side holds the
     * server back (its reader is behind), since the server's answer would wait behind that.
     * {@code ws://}, {@code wss://} and {@code unix://} alike.
     */
    public CodexEndpoint keepAlive(Duration interval) {
        if (interval == null || interval.isNegative()) {
            throw new IllegalArgumentException("keepAlive must be zero (off) or positive");
        }
        return new CodexEndpoint(kind, uri, socket, auth, allowPlaintextRemote, connectTimeout, maxMessageBytes,
                inboundBufferBytes, interval, keepAliveTimeout);
    }

    /** See {@link #keepAlive(Duration)}. */
    public Duration keepAlive() {
        return keepAlive;
    }

    /**
     * How long the server may stay silent after a keep-alive ping before the connection is given
     * up (default 10 s): a silent connection is noticed within about {@link #keepAlive()} plus
     * this. Must be positive; pings are turned off with {@code keepAlive(Duration.ZERO)}.
     */
    public CodexEndpoint keepAliveTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("keepAliveTimeout must be positive");
        }
        return new CodexEndpoint(kind, uri, socket, auth, allowPlaintextRemote, connectTimeout, maxMessageBytes,
                inboundBufferBytes, keepAlive, timeout);
    }

    /** See {@link #keepAliveTimeout(Duration)}. */
    public Duration keepAliveTimeout() {
        return keepAliveTimeout;
    }

    public Kind kind() {
        return kind;
    }

    /** {@code ws://…}, {@code wss://…} or {@code unix:///…}; never carries credentials. */
    public URI uri() {
        return uri;
    }

    /** The socket file of a unix endpoint, else null. */
    public @Nullable Path socketPath() {
        return socket;
    }

    public WebSocketAuth auth() {
        return auth;
    }

    public boolean plaintextRemoteAllowed() {
        return allowPlaintextRemote;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public int inboundBufferBytes() {
        return inboundBufferBytes;
    }

    /**
     * Asks {@code /readyz} whether the app-server accepts connections. Safe to call before
     * connecting and from health checkers: it sends no credentials and never throws for an
     * unreachable endpoint (the answer says so). For a unix socket, which serves no HTTP paths, a
     * WebSocket upgrade is made and closed at once.
     */
    public EndpointStatus readiness(Duration timeout) {
        return probe("/readyz", timeout);
    }

    /** Asks {@code /healthz} (liveness); same rules as {@link #readiness}. */
    public EndpointStatus liveness(Duration timeout) {
        return probe("/healthz", timeout);
    }

    private EndpointStatus probe(String path, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (kind == Kind.UNIX_SOCKET) {
            return UnixWebSocket.probe(this, timeout);
        }
        URI http = URI.create((uri.getScheme().equals("wss") ? "https" : "http") + "://" + hostPart(uri)
                + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + path);
        HttpRequest request = HttpRequest.newBuilder(http).timeout(timeout).GET().build();
        try {
            HttpResponse<String> response = JdkWebSocketConnection.httpClient()
                    .send(request, HttpResponse.BodyHandlers.ofString());
            return EndpointStatus.answered(response.statusCode(), path + " answered HTTP " + response.statusCode());
        } catch (HttpTimeoutException e) {
            return EndpointStatus.unreachable(path + " did not answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return EndpointStatus.unreachable(path + " unreachable: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EndpointStatus.unreachable(path + " probe interrupted");
        }
    }

    /** Refuses plaintext to a remote host unless allowed; resolves the host for the check. */
    void checkTransportSecurity() {
        connectTarget(InetAddress::getAllByName);
    }

    /** Looks a host name up: {@link InetAddress#getAllByName} in use, a stand-in in tests. */
    @FunctionalInterface
    interface HostResolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /**
     * Where to connect, once plaintext to a remote host is refused (unless allowed): for plain
     * {@code ws://} the host, {@code localhost} included, is resolved once, every address it has
     * must be loopback, and the answer is a URI naming the first of them, so that the connection
     * goes to the address checked and not to whatever a second lookup says. Otherwise (TLS, which
     * checks the name itself; plaintext allowed; a unix socket) the endpoint's own URI.
     */
    URI connectTarget(HostResolver resolver) {
        if (kind != Kind.WEBSOCKET || !uri.getScheme().equals("ws") || allowPlaintextRemote) {
            return uri;
        }
        String host = uri.getHost();
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(stripBrackets(host));
        } catch (UnknownHostException e) {
            throw new TransportException("cannot resolve the app-server host " + host);
        }
        if (!allLoopback(addresses)) {
            throw new TransportException("refusing plaintext " + uri + ": " + host + " is not a loopback address, and "
                    + "the bearer token and every message would cross the network unencrypted. Use wss:// (a "
                    + "TLS-terminating proxy in front of codex) or an SSH tunnel, or allow it explicitly "
                    + "(allowPlaintextRemote(true); --allow-plaintext on the command line) on a private network.");
        }
        String literal = addresses[0].getHostAddress();
        int scope = literal.indexOf('%');
        if (scope >= 0) {
            literal = literal.substring(0, scope);    // a loopback address needs no interface scope
        }
        return URI.create("ws://" + (literal.contains(":") ? "[" + literal + "]" : literal)
                + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + uri.getRawPath());
    }

    /** A short name for threads and log lines. */
    String label() {
        return kind == Kind.UNIX_SOCKET ? "unix-" + socket.getFileName() : hostPart(uri) + ":" + uri.getPort();
    }

    @Override
    public String toString() {
        return uri + " (" + auth.describe() + ")";
    }

    /** A failure's class and message, the message made safe: the JDK's may quote what the server sent. */
    static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + UntrustedText.of(t.getMessage());
    }

    private static boolean allLoopback(InetAddress[] addresses) {
        if (addresses == null) {
            return false;
        }
        for (InetAddress a : addresses) {
            if (!a.isLoopbackAddress()) {
                return false;
            }
        }
        return addresses.length > 0;
    }

    private static String hostPart(URI uri) {
        String host = uri.getHost();
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static Path defaultCodexHome() {
        String env = System.getenv("CODEX_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".codex");
    }

    /** An unparsable URL is echoed only up to its scheme, in case the rest holds a secret. */
    private static String safe(String s) {
        int scheme = s.indexOf("://");
        return scheme < 0 ? "(" + s.length() + " characters)" : s.substring(0, scheme + 3) + "…";
    }
}
