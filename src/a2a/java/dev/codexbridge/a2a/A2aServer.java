package dev.codexbridge.a2a;

import dev.codexbridge.callers.JwtAuthenticator;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.OriginCheck;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.BuildInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.URLDecoder;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import dev.codexbridge.gateway.CodexGateway;
import org.jspecify.annotations.Nullable;

/**
 * Codex sessions as an A2A agent over HTTP: the agent card at
 * {@code GET /.well-known/agent-card.json} (no token needed, negotiated by {@code A2A-Version}),
 * JSON-RPC 1.0 and 0.3 at {@code POST /} ({@link A2aRpc}), HTTP+JSON 1.0 at {@code /message:send},
 * {@code /tasks}, … ({@link A2aRest}), streams as SSE, push notifications to callers' webhooks
 * ({@link PushOptions}), callers authenticated by an {@link Authenticator}. A small server on
 * Jetty 12's core handlers (decisions 0034, 0035).
 *
 * <pre>{@code
 * CodexGateway gateway = CodexGateway.builder().client(shared)
 *         .configure(b -> b.cwd(work))
 *         .approvals(hostPolicy).callerApprovals(true)      // callers answer what hostPolicy leaves open
 *         .build();
 * try (A2aServer server = A2aServer.builder().port(8080).tokens(BearerTokens.read(file))
 *         .gateway(gateway)
 *         .start()) {
 *     ...
 * }
 * }</pre>
 */
public final class A2aServer implements AutoCloseable {
    static final String CARD_PATH = "/.well-known/agent-card.json";
    static final String VERSION_HEADER = "A2A-Version";
    private static final Authenticator NO_AUTH = new Authenticator() {
        @Override
        public Optional<String> principal(@Nullable String authorization) {
            return Optional.empty();
        }

        @Override
        public String description() {
            return "No tokens are issued: calls without a token act as one principal.";
        }
    };
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** How long a caller may use a fetched agent card before it asks again (with its ETag). */
    static final Duration CARD_MAX_AGE = Duration.ofMinutes(5);

    private final Server jetty;
    private final ServerConnector connector;
    private final A2aAgent agent;
    private final A2aRpc rpc;
    private final A2aRest rest;
    private final @Nullable A2aPush push;
    private final @Nullable Authenticator auth;
    private final Builder settings;
    /** Set before the server listens; what Host and Origin the calls may carry (against DNS rebinding and cross-site pages). */
    private volatile OriginCheck origins;
    private final CallerSlots slots;
    private final Map<A2aVersion, byte[]> cards = new EnumMap<>(A2aVersion.class);
    /** When the card was made: its {@code Last-Modified} (it does not change while the server runs). */
    private final String cardModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).withNano(0));

    private A2aServer(Builder b) {
        this.settings = b;
        if (b.auth == null && b.anonymous == null) {
            throw new IllegalStateException("no tokens: give the callers' bearer tokens or JWT settings (or, for trusted callers only, an anonymous principal)");
        }
        this.auth = b.auth;
        this.slots = new CallerSlots(b.limits);
        this.agent = new A2aAgent(Objects.requireNonNull(b.sessions, "sessions"),
                b.contexts != null ? b.contexts : ContextStore.inMemory(ContextStore.DEFAULT_MAX_CONTEXTS), b.limits);
        this.push = b.push == null ? null : new A2aPush(agent, b.push);
        A2aOps ops = new A2aOps(agent);
        this.rpc = new A2aRpc(ops, push);
        this.rest = new A2aRest(ops, push);
        QueuedThreadPool pool = new QueuedThreadPool(b.limits.streams() + 32, 4);
        pool.setName("codex-bridge-a2a");
        pool.setDaemon(true);
        this.jetty = new Server(pool);
        this.connector = new ServerConnector(jetty, 1, 1);
        connector.setHost(b.host);
        connector.setPort(b.port);
        // a blocking send writes nothing until the task pauses: the connection must outlive that wait
        connector.setIdleTimeout(b.limits.blockingWait().plus(HEARTBEAT).plus(HEARTBEAT).toMillis());
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                serve(request, response, callback);
                return true;
            }
        });
        jetty.setStopTimeout(2000);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address the server answers on, e.g. {@code http://127.0.0.1:41234/}. */
    public URI uri() {
        if (settings.publicUri != null) {
            return settings.publicUri;
        }
        String host = settings.host.contains(":") ? "[" + settings.host + "]" : settings.host;
        return URI.create("http://" + host + ":" + connector.getLocalPort() + "/");
    }

    private void serve(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        Map<String, String> query = query(request);
        String version = version(request, query);
        if (path.equals(CARD_PATH) || path.equals("/.well-known/agent.json")) {
            if (!method.equals("GET")) {
                plain(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "GET only");
                return;
            }
            A2aVersion v;
            try {
                v = A2aVersion.ofHeader(version);
            } catch (A2aError e) {
                plain(response, callback, HttpStatus.BAD_REQUEST_400, e.getMessage());
                return;
            }
            serveCard(request, response, callback, card(v));
            return;
        }
        boolean isRpc = path.equals("/");
        if (!isRpc && !A2aRest.serves(path)) {
            plain(response, callback, HttpStatus.NOT_FOUND_404, "not found: JSON-RPC is served at POST /, HTTP+JSON at /message:send, /tasks, …");
            return;
        }
        if (isRpc && !method.equals("POST")) {
            plain(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "POST JSON-RPC here");
            return;
        }
        String foreign = origins.refusal(request.getHeaders().get(HttpHeader.HOST), request.getHeaders().get(HttpHeader.ORIGIN));
        if (foreign != null) {
            plain(response, callback, HttpStatus.FORBIDDEN_403, foreign);
            return;
        }
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        Authenticator.Verdict verdict = authorization == null
                ? settings.anonymous != null ? new Authenticator.Verdict(settings.anonymous, "") : Authenticator.Verdict.refused("no token")
                : auth == null ? Authenticator.Verdict.refused("this server takes no tokens") : auth.verdict(authorization);
        Optional<String> principal = Optional.ofNullable(verdict.principal());
        if (principal.isEmpty()) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, authorization == null ? "Bearer" : "Bearer error=\"invalid_token\"");
            plain(response, callback, HttpStatus.UNAUTHORIZED_401, "a valid bearer token is required: " + verdict.reason());
            return;
        }
        JsonNode body = null;
        if (method.equals("POST")) {
            try (InputStream in = Content.Source.asInputStream(request)) {
                byte[] bytes = in.readNBytes(settings.limits.maxRequestBytes() + 1);
                if (bytes.length > settings.limits.maxRequestBytes()) {
                    plain(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "request larger than " + settings.limits.maxRequestBytes() + " bytes");
                    return;
                }
                String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
                if (type != null && !isJson(type)) {
                    // JSON-RPC and HTTP+JSON take JSON only (A2A 1.0 §9.1, §11.1): ContentTypeNotSupportedError, in the binding's shape
                    A2aError refused = new A2aError(A2aError.CONTENT_TYPE_NOT_SUPPORTED, "Content-Type " + type
                            + " is not served: send application/json", Map.of("contentType", type));
                    reply(response, callback, isRpc ? new A2aReply.Body(200, A2aWire.error(null, refused)) : A2aRest.error(refused));
                    return;
                }
                body = bytes.length == 0 ? null : A2aWire.JSON.readTree(bytes);
            } catch (JsonProcessingException e) {
                reply(response, callback, isRpc ? new A2aReply.Body(200, A2aWire.error(null, A2aError.PARSE, "the body is not JSON"))
                        : A2aRest.error(new A2aError(A2aError.PARSE, "the body is not JSON")));
                return;
            }
        }
        if (isRpc && (body == null || body.isMissingNode())) {
            reply(response, callback, new A2aReply.Body(200, A2aWire.error(null, A2aError.INVALID_REQUEST, "empty body")));
            return;
        }
        // a stream, and a blocking send while it waits, hold a server thread: both count against the caller's and the server's limits
        CallerSlots.Kind holds = isRpc ? A2aRpc.holdsThread(body) : A2aRest.holdsThread(method, path, body);
        if (holds != null) {
            try {
                slots.acquire(principal.get(), holds);
            } catch (A2aError busy) {
                JsonNode id = body.get("id");
                reply(response, callback, isRpc ? new A2aReply.Body(200, A2aWire.error(id != null && id.isValueNode() ? id : null, busy))
                        : A2aRest.error(busy));
                return;
            }
        }
        try {
            A2aReply r;
            try {
                r = isRpc ? rpc.call(principal.get(), body, version)
                        : rest.call(principal.get(), method, path, query, body, version);
            } catch (RuntimeException e) {
                // a fault of the server's, answered in the binding's own error shape rather than an HTTP 500 page
                A2aError internal = new A2aError(A2aError.INTERNAL, "internal error: " + e);
                r = isRpc ? new A2aReply.Body(200, A2aWire.error(body.get("id"), internal))
                        : A2aRest.error(internal);
            }
            if (isRpc && holds == CallerSlots.Kind.STREAM && r instanceof A2aReply.Body b && b.json().has("error")
                    && V03_STREAMS.contains(body.path("method").asText()) && accepts(request, "text/event-stream")) {
                // 0.3: a streaming call's error is its stream's one event (a SendStreamingMessageResponse may be an error)
                sseOnce(response, callback, b.json());
                return;
            }
            reply(response, callback, r);
        } finally {
            if (holds != null) {
                slots.release(principal.get(), holds);
            }
        }
    }

    /** {@code application/json}, or a JSON-based type such as {@code application/a2a+json}, with any parameters. */
    static boolean isJson(String contentType) {
        String media = contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        return media.equals("application/json") || media.startsWith("application/") && media.endsWith("+json");
    }

    /** The {@code A2A-Version} service parameter: the header, else the request parameter of that name (A2A 1.0 §3.6.1). */
    private static @Nullable String version(Request request, Map<String, String> query) {
        String header = request.getHeaders().get(VERSION_HEADER);
        if (header != null) {
            return header;
        }
        for (Map.Entry<String, String> q : query.entrySet()) {
            if (q.getKey().equalsIgnoreCase(VERSION_HEADER)) {
                return q.getValue();
            }
        }
        return null;
    }

    /**
     * The card with HTTP caching (A2A 1.0 §8.6): {@code Cache-Control} with a {@code max-age}, an
     * {@code ETag} of its content and {@code Last-Modified}; a matching {@code If-None-Match} is
     * answered 304 without the body.
     */
    private void serveCard(Request request, Response response, Callback callback, byte[] card) {
        String etag = etag(card);
        response.getHeaders().put(HttpHeader.VARY, VERSION_HEADER);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "public, max-age=" + CARD_MAX_AGE.toSeconds());
        response.getHeaders().put(HttpHeader.ETAG, etag);
        response.getHeaders().put(HttpHeader.LAST_MODIFIED, cardModified);
        String ifNoneMatch = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
        if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            response.write(true, java.nio.ByteBuffer.allocate(0), callback);
            return;
        }
        json(response, callback, HttpStatus.OK_200, card);
    }

    /** A strong validator of the card's bytes (each version's card has its own). */
    static String etag(byte[] card) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(card);
            return "\"" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 27) + "\"";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** {@code If-None-Match}: {@code *}, or a list of tags compared weakly (RFC 9110 §13.1.2). */
    private static boolean matches(String ifNoneMatch, String etag) {
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> query(Request request) {
        Map<String, String> q = new HashMap<>();
        String raw = request.getHttpURI().getQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static void reply(Response response, Callback callback, A2aReply r) throws JsonProcessingException {
        if (r instanceof A2aReply.Body b) {
            json(response, callback, b.status(), A2aWire.JSON.writeValueAsBytes(b.json()));
        } else if (r instanceof A2aReply.Stream s) {
            sse(response, callback, s);
        }
    }

    /** Writes a stream's events as SSE, each framed by its binding, until the task pauses. */
    private static void sse(Response response, Callback callback, A2aReply.Stream s) {
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            while (true) {
                ObjectNode event = s.events().next(HEARTBEAT);
                if (event == null) {
                    if (s.events().done()) {
                        break;
                    }
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    out.write(("data: " + A2aWire.JSON.writeValueAsString(s.frame().apply(event)) + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
            }
            callback.succeeded();
        } catch (IOException e) {
            // the client went away: it can resubscribe
            callback.failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } finally {
            s.task().unsubscribe(s.events());
        }
    }

    private static final java.util.Set<String> V03_STREAMS = java.util.Set.of("message/stream", "tasks/resubscribe");

    private static boolean accepts(Request request, String mediaType) {
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        return accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains(mediaType);
    }

    /** An SSE stream of one event, then its end. */
    private static void sseOnce(Response response, Callback callback, JsonNode event) throws JsonProcessingException {
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        Content.Sink.write(response, true, "data: " + A2aWire.JSON.writeValueAsString(event) + "\n\n", callback);
    }

    private static void json(Response response, Callback callback, int status, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, java.nio.ByteBuffer.wrap(body), callback);
    }

    /**
     * An error answered before the request's body was read: the connection is closed after it
     * (said in the header, so a client does not send its next request on a connection the server
     * is about to drop with the unread body).
     */
    private static void plain(Response response, Callback callback, int status, String text) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, text + "\n", callback);
    }

    private byte[] card(@Nullable A2aVersion v) throws JsonProcessingException {
        A2aVersion key = v == null ? A2aVersion.V0_3 : v;
        synchronized (cards) {
            byte[] c = cards.get(key);
            if (c == null) {
                Authenticator a = auth != null ? auth : NO_AUTH;
                c = A2aWire.JSON.writeValueAsBytes(AgentCard.forVersion(key, new AgentCard.Facts(settings.name, settings.description,
                        uri().toString(), BuildInfo.version(), settings.anonymous != null, push != null, a)));
                cards.put(key, c);
            }
            return c;
        }
    }

    /** The limits the server keeps to. */
    public A2aLimits limits() {
        return settings.limits;
    }

    /** The agent card as served to an A2A 0.3 caller (with the 1.0 interfaces listed too), for a host that publishes it elsewhere. */
    public String agentCardJson() {
        return agentCardJson(false);
    }

    /** The agent card as served: 1.0's when {@code v1}, else 0.3's. */
    public String agentCardJson(boolean v1) {
        try {
            return new String(card(v1 ? A2aVersion.V1_0 : A2aVersion.V0_3), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops answering, ends the streams, and closes every context's codex session. */
    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            // stopping is best effort; the sessions are closed regardless
        } finally {
            if (push != null) {
                push.close();
            }
            agent.close();
        }
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private @Nullable URI publicUri;
        private final java.util.List<String> allowedOrigins = new java.util.ArrayList<>();
        private final java.util.List<String> allowedHosts = new java.util.ArrayList<>();
        private @Nullable SessionSource sessions;
        private @Nullable Authenticator auth;
        private @Nullable PushOptions push = PushOptions.DEFAULTS;
        private @Nullable ContextStore contexts;
        private @Nullable String anonymous;
        private A2aLimits limits = A2aLimits.DEFAULTS;
        private String name = "codex";
        private String description = "OpenAI's codex coding agent, run by codex-bridge: reads and edits files and runs commands in its workspace.";

        private Builder() {
        }

        /** The interface to listen on (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port (default 0: any free port, see {@link A2aServer#uri()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, not " + port);
            }
            this.port = port;
            return this;
        }

        /** The address the agent card names, when callers reach the server through a proxy. */
        public Builder publicUri(@Nullable URI uri) {
            this.publicUri = uri;
            return this;
        }

        /**
         * Sessions from the host's gateway: its settings, approval policy (decided before any caller
         * is asked), tenants and access rule. The usual way to give the server its sessions.
         */
        public Builder gateway(CodexGateway gateway) {
            return sessions(SessionSource.of(gateway));
        }

        /** Sessions from a source of the host's own (see {@link SessionSource}); {@link #gateway} for most hosts. */
        public Builder sessions(SessionSource sessions) {
            this.sessions = Objects.requireNonNull(sessions, "sessions");
            return this;
        }

        /**
         * Where each context's codex thread and owner are kept (default: in memory, for the
         * server's lifetime); {@link ContextStore#files} lets contexts and tasks outlive a restart.
         */
        public Builder contexts(ContextStore store) {
            this.contexts = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The callers' bearer tokens; null serves only the {@linkplain #anonymous anonymous} principal. */
        public Builder tokens(@Nullable BearerTokens tokens) {
            this.auth = tokens;
            return this;
        }

        /** How callers authenticate: {@link BearerTokens}, {@link JwtAuthenticator}, or one of the host's. */
        public Builder authenticator(@Nullable Authenticator authenticator) {
            this.auth = authenticator;
            return this;
        }

        /**
         * Push notifications to callers' webhooks ({@link PushOptions#DEFAULTS}: no private addresses);
         * null turns them off (the card says so, and the push methods answer "not supported").
         */
        public Builder push(@Nullable PushOptions push) {
            this.push = push;
            return this;
        }

        /**
         * Calls without an {@code Authorization} header act as {@code principal}; a header with an
         * unknown token is still refused. Only for a server that trusted callers alone can reach
         * (a loopback address), and for A2A clients that cannot send a token; the card then says
         * authentication is optional. Null (the default) refuses such calls.
         */
        public Builder anonymous(@Nullable String principal) {
            if (principal != null && principal.isBlank()) {
                throw new IllegalArgumentException("the anonymous principal's name is blank");
            }
            this.anonymous = principal;
            return this;
        }

        public Builder limits(A2aLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The agent card's name and description. */
        public Builder describedAs(String name, String description) {
            this.name = Objects.requireNonNull(name, "name");
            this.description = Objects.requireNonNull(description, "description");
            return this;
        }

        /** Origins whose pages may call (e.g. {@code https://app.example}), besides the server's own and its public URL's. */
        public Builder allowedOrigins(java.util.Collection<String> origins) {
            origins.forEach(o -> allowedOrigins.add(Objects.requireNonNull(o, "origin")));
            return this;
        }

        /** {@code Host} values callers may use, besides the listener's own address and the public URL's host. */
        public Builder allowedHosts(java.util.Collection<String> hosts) {
            hosts.forEach(h -> allowedHosts.add(Objects.requireNonNull(h, "host")));
            return this;
        }

        /** Starts listening; the caller closes the server. */
        public A2aServer start() {
            A2aServer s = new A2aServer(this);
            try {
                // bound first: the Host check names the port actually taken
                s.connector.open();
                java.util.List<String> hosts = new java.util.ArrayList<>(allowedHosts);
                java.util.List<String> origins = new java.util.ArrayList<>(allowedOrigins);
                if (publicUri != null && publicUri.getHost() != null) {
                    int p = publicUri.getPort() != -1 ? publicUri.getPort() : "https".equalsIgnoreCase(publicUri.getScheme()) ? 443 : 80;
                    hosts.add(publicUri.getHost() + ":" + p);
                    origins.add(publicUri.getScheme() + "://" + publicUri.getRawAuthority());
                }
                s.origins = OriginCheck.forListener(host, s.connector.getLocalPort(), origins, hosts);
                s.jetty.start();
            } catch (Exception e) {
                s.close();
                throw new IllegalStateException("the A2A server could not listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            return s;
        }
    }
}
