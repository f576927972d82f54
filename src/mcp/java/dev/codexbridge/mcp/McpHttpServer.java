package dev.codexbridge.mcp;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.Drain;
import dev.codexbridge.callers.OriginCheck;
import dev.codexbridge.callers.Readiness;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import io.modelcontextprotocol.spec.ProtocolVersions;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CodexMcpServer} over Streamable HTTP at {@code /mcp}, on Jetty with the MCP Java SDK's
 * servlet transport. Every request authenticates by its {@code Authorization} header (bearer
 * tokens or JWTs, the A2A server's {@link Authenticator}s) or is answered 401; the principal picks
 * the caller's conversations, tenant and limits. A client whose response stream broke reconnects
 * with {@code Last-Event-ID} and gets the rest of it, the call's result included
 * ({@link StreamResumption}, within {@link ReplayLimits}). An MCP session ends after
 * {@link Builder#sessionIdleTimeout} without a request in flight ({@link SessionLifetime}); every
 * error body, the SDK's included, is a JSON-RPC error object ({@link SdkErrorBodies}). The probes
 * {@code GET /readyz} and {@code /healthz} need no token ({@link Builder#readiness}).
 */
public final class McpHttpServer implements AutoCloseable {
    public static final String PATH = "/mcp";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(McpHttpServer.class);
    /** How long an interrupted call's answer is waited for once the drain's bound has passed. */
    private static final Duration INTERRUPTED_ANSWER_WAIT = Duration.ofSeconds(5);

    /** How long an MCP session lives without a request in flight, unless the builder says otherwise. */
    public static final Duration SESSION_IDLE_TIMEOUT = Duration.ofMinutes(30);

    private final Server jetty;
    private final URI uri;
    private final SessionOwners sessions;
    private final SessionLifetime lifetime;
    private final Readiness readiness;
    private final CodexMcpServer server;
    private final Drain draining;
    private final Duration drainBound;

    private McpHttpServer(Server jetty, URI uri, SessionOwners sessions, SessionLifetime lifetime, Readiness readiness,
            CodexMcpServer server, Drain draining, Duration drainBound) {
        this.jetty = jetty;
        this.readiness = readiness;
        this.server = server;
        this.draining = draining;
        this.drainBound = drainBound;
        this.uri = uri;
        this.sessions = sessions;
        this.lifetime = lifetime;
    }

    public static Builder builder(CodexMcpServer server) {
        return new Builder(server);
    }

    /** The endpoint, e.g. {@code http://127.0.0.1:8080/mcp}. */
    public URI uri() {
        return uri;
    }

    /** MCP sessions the server holds, of every principal (for tests). */
    int sessionsHeld() {
        return sessions.size();
    }

    /**
     * Stops: {@code /readyz} answers "stopping", a new tool call is refused "send again" (503), the
     * calls in flight are waited for up to {@link Builder#drainTimeout}; what still runs then is
     * interrupted and its answer (an interrupted turn, which says to read the conversation before
     * sending again) waited for a few seconds more; then the listener closes.
     */
    @Override
    public void close() {
        readiness.close();      // a probe meanwhile answers "stopping"
        try {
            if (!draining.stopAndAwait(drainBound)) {
                LOG.info("the MCP server stops with {} tool calls still running after {} s: their turns are interrupted",
                        draining.inFlight(), drainBound.toSeconds());
                server.interruptRunningTurns();
                draining.stopAndAwait(INTERRUPTED_ANSWER_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lifetime.close();
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the MCP HTTP server: " + e.getMessage(), e);
        }
    }

    /** What a tool call learns of its HTTP request: the principal, and the MCP session it came in (none for {@code initialize}). */
    private static McpTransportContext transportContext(HttpServletRequest r) {
        Map<String, Object> context = new java.util.HashMap<>();
        context.put(CodexMcpServer.PRINCIPAL, (String) r.getAttribute(CodexMcpServer.PRINCIPAL));
        String session = r.getHeader(StreamResumption.SESSION_HEADER);
        if (session != null) {
            context.put(CodexMcpServer.MCP_SESSION, session);
        }
        return McpTransportContext.create(context);
    }

    public static final class Builder {
        private final CodexMcpServer server;
        private String host = "127.0.0.1";
        private int port;
        private @Nullable Authenticator authenticator;
        private @Nullable String anonymous;
        private ReplayLimits replay = ReplayLimits.DEFAULTS;
        private Duration sessionIdleTimeout = SESSION_IDLE_TIMEOUT;
        private Duration drainTimeout = Drain.DEFAULT_BOUND;
        private Readiness readiness = Readiness.always();
        // how often idle sessions are looked for, and the SDK's keep-alive pings on GET streams: shorter in tests
        private Duration idleCheck = Duration.ofMinutes(1);
        private Duration keepAlive = Duration.ofSeconds(30);
        private final java.util.List<String> allowedOrigins = new java.util.ArrayList<>();
        private final java.util.List<String> allowedHosts = new java.util.ArrayList<>();

        private Builder(CodexMcpServer server) {
            this.server = Objects.requireNonNull(server, "server");
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port (default 0: any free one, see {@link McpHttpServer#uri()}). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Who may call: {@code BearerTokens} or {@code JwtAuthenticator} of the A2A module. */
        public Builder authenticator(@Nullable Authenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /** Serve requests without an {@code Authorization} header as this principal (trusted callers only, e.g. loopback). */
        public Builder anonymous(@Nullable String principal) {
            this.anonymous = principal;
            return this;
        }

        /** How much of its streams the server keeps for clients that reconnect with {@code Last-Event-ID} (default {@link ReplayLimits#DEFAULTS}). */
        public Builder replay(ReplayLimits limits) {
            this.replay = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * How long an MCP session lives without a request in flight (a call, a GET stream) before it
         * ends, as if its client had deleted it: its next request is answered 404, and the client
         * opens a new one (default {@link #SESSION_IDLE_TIMEOUT}, 30 minutes). Conversations outlive
         * it: a new session reaches them by thread id.
         */
        public Builder sessionIdleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the session idle timeout must be positive: " + timeout);
            }
            this.sessionIdleTimeout = timeout;
            return this;
        }

        /**
         * What {@code GET /readyz} answers (no token needed): {@link Readiness#of} the conversation
         * store on a replica, so a balancer takes it out of rotation while its store does not answer;
         * default {@link Readiness#always()}. {@code GET /healthz} answers 200 while the process serves.
         */
        public Builder readiness(Readiness readiness) {
            this.readiness = Objects.requireNonNull(readiness, "readiness");
            return this;
        }

        /**
         * How long {@link McpHttpServer#close} waits for the tool calls in flight to answer (default 20 s;
         * zero: not at all), new calls meanwhile refused "send again"; keep it under the time the
         * platform gives a stopping process (Kubernetes' {@code terminationGracePeriodSeconds}).
         */
        public Builder drainTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("the drain timeout must not be negative: " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        /** How often idle sessions are ended, and the interval of the SDK's keep-alive pings (tests make them short). */
        Builder timers(Duration idleCheck, Duration keepAlive) {
            this.idleCheck = Objects.requireNonNull(idleCheck, "idleCheck");
            this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
            return this;
        }

        /**
         * Origins whose pages may call (e.g. {@code https://app.example}), besides the server's own
         * address. Every other {@code Origin}, {@code null} included, is answered 403.
         */
        public Builder allowedOrigins(java.util.Collection<String> origins) {
            origins.forEach(o -> allowedOrigins.add(Objects.requireNonNull(o, "origin")));
            return this;
        }

        /**
         * {@code Host} values callers may use (e.g. {@code mcp.example:443} behind a proxy), besides
         * the listener's own address (and its loopback names when it listens on one).
         */
        public Builder allowedHosts(java.util.Collection<String> hosts) {
            hosts.forEach(h -> allowedHosts.add(Objects.requireNonNull(h, "host")));
            return this;
        }

        public McpHttpServer start() {
            if (authenticator == null && anonymous == null) {
                throw new IllegalStateException("give an authenticator, or an anonymous principal for trusted callers");
            }
            HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                    .jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint(PATH).maxRequestSize(server.limits.maxRequestBytes())
                    // the session's lifetime is SessionLifetime's: the SDK's sweep would end a quiet session in a minute or two
                    .keepAliveInterval(keepAlive).sessionSweepInterval(null)
                    .contextExtractor(McpHttpServer::transportContext)
                    .build();
            server.serve(McpServer.sync(transport));
            Server jetty = new Server();
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost(host);
            connector.setPort(port);
            jetty.addConnector(connector);
            try {
                // bound before the gate is made: its Host check names the port actually taken
                connector.open();
            } catch (IOException e) {
                throw new IllegalStateException("the MCP HTTP server cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addServlet(new ServletHolder("mcp", transport), PATH);
            ServletHolder probes = new ServletHolder("probes", new Probes(readiness));
            context.getServletHandler().addServletWithMapping(probes, Probes.READY_PATH);
            context.getServletHandler().addServletWithMapping(probes, Probes.HEALTH_PATH);
            // an ended session's conversations are stored and let go at once: the client may go on with them anywhere
            SessionOwners owners = new SessionOwners(server.limits.sessionsPerPrincipal(), sessionIdleTimeout.toNanos(), System::nanoTime,
                    server::sessionEnded);
            Drain draining = new Drain();
            server.stopsWhen(draining::stopping);
            Gate gate = new Gate(authenticator, anonymous, server, owners,
                    OriginCheck.forListener(host, connector.getLocalPort(), allowedOrigins, allowedHosts), draining);
            FilterHolder gateHolder = new FilterHolder(gate);
            gateHolder.setAsyncSupported(true);
            context.addFilter(gateHolder, PATH, EnumSet.of(DispatcherType.REQUEST));
            context.setErrorHandler(new JsonErrorPages.InContext());
            // after the gate: the principal is known
            ReplayableStreams streams = new ReplayableStreams(replay);
            FilterHolder resumption = new FilterHolder(new StreamResumption(streams, server.elicitations));
            resumption.setAsyncSupported(true);
            context.addFilter(resumption, PATH, EnumSet.of(DispatcherType.REQUEST));
            // last, right around the SDK's servlet: only its own error bodies are replaced
            FilterHolder sdkErrors = new FilterHolder(new SdkErrorBodies());
            sdkErrors.setAsyncSupported(true);
            context.addFilter(sdkErrors, PATH, EnumSet.of(DispatcherType.REQUEST));
            jetty.setHandler(context);
            // what the container answers before a request reaches the context (a broken request line, headers too large)
            jetty.setErrorHandler(new JsonErrorPages.InServer());
            SessionLifetime lifetime = new SessionLifetime(owners, transport, streams, idleCheck);
            try {
                jetty.start();
            } catch (Exception e) {
                lifetime.close();
                try {
                    jetty.stop();
                } catch (Exception ignored) {
                    // the start's failure is the one to report
                }
                throw new IllegalStateException("the MCP HTTP server did not start on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            String h = host.contains(":") ? "[" + host + "]" : host;
            return new McpHttpServer(jetty, URI.create("http://" + h + ":" + connector.getLocalPort() + PATH), owners, lifetime,
                    readiness, server, draining, drainTimeout);
        }
    }

    /**
     * Before the SDK, for every request: the {@code Host} and {@code Origin} headers (403, whoever
     * calls), the {@code MCP-Protocol-Version} (400 when it names no version this server speaks),
     * the principal (401), the MCP session's owner and lifetime (404 to any other principal, and
     * once the session is over, as for a session that does not exist), the principal's session cap
     * on {@code initialize} (429), then each POSTed message through the cancel tap, its body bounded
     * (413) and JSON (-32700). Every refusal is a JSON-RPC error body. A request on a session is
     * counted in flight until it is over, its stream included ({@link InFlightRequest}).
     */
    private static final class Gate extends HttpFilter {
        private static final Set<String> VERSIONS = Set.of(ProtocolVersions.MCP_2024_11_05, ProtocolVersions.MCP_2025_03_26,
                ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_11_25);

        private final @Nullable Authenticator authenticator;
        private final @Nullable String anonymous;
        private final CodexMcpServer server;
        private final OriginCheck origins;
        private final SessionOwners sessions;
        private final Drain draining;

        Gate(@Nullable Authenticator authenticator, @Nullable String anonymous, CodexMcpServer server, SessionOwners sessions,
                OriginCheck origins, Drain draining) {
            this.draining = draining;
            this.authenticator = authenticator;
            this.anonymous = anonymous;
            this.server = server;
            this.origins = origins;
            this.sessions = sessions;
        }

        @Override
        protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String refusal = origins.refusal(request.getHeader("Host"), request.getHeader("Origin"));
            if (refusal != null) {
                JsonErrors.write(response, HttpServletResponse.SC_FORBIDDEN, refusal);
                return;
            }
            String version = request.getHeader("MCP-Protocol-Version");
            if (version != null && !VERSIONS.contains(version)) {
                JsonErrors.write(response, HttpServletResponse.SC_BAD_REQUEST, "unsupported MCP-Protocol-Version; this server speaks "
                        + String.join(", ", new java.util.TreeSet<>(VERSIONS)));
                return;
            }
            String authorization = request.getHeader("Authorization");
            String principal;
            if (authorization == null && anonymous != null) {
                principal = anonymous;
            } else if (authenticator == null) {
                principal = null;
            } else {
                Authenticator.Verdict v = authenticator.verdict(authorization);
                principal = v.principal();
            }
            if (principal == null) {
                response.setHeader("WWW-Authenticate", "Bearer");
                JsonErrors.write(response, HttpServletResponse.SC_UNAUTHORIZED, "a bearer token is required");
                return;
            }
            String session = request.getHeader(StreamResumption.SESSION_HEADER);
            SessionOwners.Use use = session == null ? SessionOwners.Use.UNKNOWN : sessions.use(principal, session);
            if (use == SessionOwners.Use.REFUSED) {
                JsonErrors.write(response, HttpServletResponse.SC_NOT_FOUND, "session not found");
                return;
            }
            request.setAttribute(CodexMcpServer.PRINCIPAL, principal);
            InFlightRequest tracked = null;
            try {
                if (use == SessionOwners.Use.ENTERED) {
                    tracked = new InFlightRequest(request, () -> sessions.left(session));
                    request = tracked;
                }
                if ("POST".equals(request.getMethod())) {
                    post(principal, session, request, response, chain);
                } else {
                    chain.doFilter(request, response);
                    if (session != null && "DELETE".equals(request.getMethod()) && !request.isAsyncStarted() && response.getStatus() < 300) {
                        sessions.ended(session);
                    }
                }
            } finally {
                if (tracked != null) {
                    tracked.dispatched();
                }
            }
        }

        private void post(String principal, @Nullable String session, HttpServletRequest request, HttpServletResponse response,
                FilterChain chain) throws IOException, ServletException {
            byte[] body = request.getInputStream().readNBytes(server.limits.maxRequestBytes() + 1);
            if (body.length > server.limits.maxRequestBytes()) {
                JsonErrors.write(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                        "the request is larger than " + server.limits.maxRequestBytes() + " bytes");
                return;
            }
            String text = new String(body, StandardCharsets.UTF_8);
            JsonNode message;
            try {
                message = Json.parse(text);
            } catch (RuntimeException e) {
                message = null;
            }
            if (message == null || message.isMissingNode()) {
                JsonErrors.write(response, HttpServletResponse.SC_BAD_REQUEST, -32700, "the body is not JSON");
                return;
            }
            if (message.isArray()) {
                // the SDK takes one message per request, as MCP 2025-06-18 does
                JsonErrors.write(response, HttpServletResponse.SC_BAD_REQUEST, "a batch is not served: send one JSON-RPC message per request");
                return;
            }
            HttpServletResponse answer = response;
            if (session == null && "initialize".equals(message.path("method").asText(null))) {
                if (!sessions.mayOpen(principal)) {
                    JsonErrors.write(response, 429, "you hold " + server.limits.sessionsPerPrincipal()
                            + " MCP sessions, the limit; end one (DELETE) before opening another");
                    return;
                }
                String owner = principal;
                answer = new HttpServletResponseWrapper(response) {
                    @Override
                    public void setHeader(String name, String value) {
                        noteSession(name, value);
                        super.setHeader(name, value);
                    }

                    @Override
                    public void addHeader(String name, String value) {
                        noteSession(name, value);
                        super.addHeader(name, value);
                    }

                    private void noteSession(String name, String value) {
                        if (StreamResumption.SESSION_HEADER.equalsIgnoreCase(name) && value != null) {
                            sessions.opened(owner, value);
                        }
                    }
                };
            }
            boolean starts = message.hasNonNull("id") && message.hasNonNull("method") && !"ping".equals(message.path("method").asText());
            if (starts && draining.stopping()) {
                // nothing runs: the client sends it again, to another replica
                response.setHeader("Retry-After", "1");
                JsonErrors.write(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "this replica is stopping: nothing was run; "
                        + "send it again (another replica serves it)");
                return;
            }
            String channel = principal + '\u0001' + String.valueOf(session);
            String tapped = server.tap.onMessage(text, channel);
            InFlightRequest call = "tools/call".equals(message.path("method").asText(null))
                    ? new InFlightRequest(new CachedBody(request, tapped.getBytes(StandardCharsets.UTF_8)), draining.enter()) : null;
            try {
                chain.doFilter(call != null ? call : new CachedBody(request, tapped.getBytes(StandardCharsets.UTF_8)), answer);
            } finally {
                if (call != null) {
                    call.dispatched();
                }
            }
            if (session != null && !request.isAsyncStarted() && response.getStatus() == HttpServletResponse.SC_NOT_FOUND) {
                sessions.ended(session);    // the SDK no longer knows it
            }
        }
    }
}
