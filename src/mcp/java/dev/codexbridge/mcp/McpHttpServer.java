package dev.codexbridge.mcp;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.OriginCheck;
import dev.codexbridge.json.Json;
import io.modelcontextprotocol.spec.ProtocolVersions;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.eclipse.jetty.ee11.servlet.ErrorHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
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
 * ({@link StreamResumption}, within {@link ReplayLimits}).
 */
public final class McpHttpServer implements AutoCloseable {
    public static final String PATH = "/mcp";

    private final Server jetty;
    private final URI uri;

    private McpHttpServer(Server jetty, URI uri) {
        this.jetty = jetty;
        this.uri = uri;
    }

    public static Builder builder(CodexMcpServer server) {
        return new Builder(server);
    }

    /** The endpoint, e.g. {@code http://127.0.0.1:8080/mcp}. */
    public URI uri() {
        return uri;
    }

    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the MCP HTTP server: " + e.getMessage(), e);
        }
    }

    public static final class Builder {
        private final CodexMcpServer server;
        private String host = "127.0.0.1";
        private int port;
        private @Nullable Authenticator authenticator;
        private @Nullable String anonymous;
        private ReplayLimits replay = ReplayLimits.DEFAULTS;
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
                    .keepAliveInterval(Duration.ofSeconds(30)).sessionSweepInterval(Duration.ofMinutes(1))
                    .contextExtractor(r -> McpTransportContext.create(Map.of(CodexMcpServer.PRINCIPAL,
                            (String) r.getAttribute(CodexMcpServer.PRINCIPAL))))
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
            Gate gate = new Gate(authenticator, anonymous, server,
                    OriginCheck.forListener(host, connector.getLocalPort(), allowedOrigins, allowedHosts));
            context.addFilter(new FilterHolder(gate), PATH, EnumSet.of(DispatcherType.REQUEST));
            context.setErrorHandler(new JsonErrorHandler());
            // after the gate: the principal is known
            FilterHolder resumption = new FilterHolder(new StreamResumption(new ReplayableStreams(replay), server.elicitations));
            resumption.setAsyncSupported(true);
            context.addFilter(resumption, PATH, EnumSet.of(DispatcherType.REQUEST));
            jetty.setHandler(context);
            try {
                jetty.start();
            } catch (Exception e) {
                try {
                    jetty.stop();
                } catch (Exception ignored) {
                    // the start's failure is the one to report
                }
                throw new IllegalStateException("the MCP HTTP server did not start on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            String h = host.contains(":") ? "[" + host + "]" : host;
            return new McpHttpServer(jetty, URI.create("http://" + h + ":" + connector.getLocalPort() + PATH));
        }
    }

    /**
     * Before the SDK, for every request: the {@code Host} and {@code Origin} headers (403, whoever
     * calls), the {@code MCP-Protocol-Version} (400 when it names no version this server speaks),
     * the principal (401), the MCP session's owner (404 to any other principal, as for a session that
     * does not exist), the principal's session cap on {@code initialize} (429), then each POSTed
     * message through the cancel tap, its body bounded (413). Every refusal is a JSON-RPC error body.
     */
    private static final class Gate extends HttpFilter {
        private static final Set<String> VERSIONS = Set.of(ProtocolVersions.MCP_2024_11_05, ProtocolVersions.MCP_2025_03_26,
                ProtocolVersions.MCP_2025_06_18, ProtocolVersions.MCP_2025_11_25);

        private final @Nullable Authenticator authenticator;
        private final @Nullable String anonymous;
        private final CodexMcpServer server;
        private final OriginCheck origins;
        private final SessionOwners sessions;

        Gate(@Nullable Authenticator authenticator, @Nullable String anonymous, CodexMcpServer server, OriginCheck origins) {
            this.authenticator = authenticator;
            this.anonymous = anonymous;
            this.server = server;
            this.origins = origins;
            this.sessions = new SessionOwners(server.limits.sessionsPerPrincipal(), Duration.ofMinutes(30).toNanos(), System::nanoTime);
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
            if (session != null && !sessions.mayUse(principal, session)) {
                JsonErrors.write(response, HttpServletResponse.SC_NOT_FOUND, "session not found");
                return;
            }
            request.setAttribute(CodexMcpServer.PRINCIPAL, principal);
            if (!"POST".equals(request.getMethod())) {
                chain.doFilter(request, response);
                if (session != null && "DELETE".equals(request.getMethod()) && !request.isAsyncStarted() && response.getStatus() < 300) {
                    sessions.ended(session);
                }
                return;
            }
            byte[] body = request.getInputStream().readNBytes(server.limits.maxRequestBytes() + 1);
            if (body.length > server.limits.maxRequestBytes()) {
                JsonErrors.write(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                        "the request is larger than " + server.limits.maxRequestBytes() + " bytes");
                return;
            }
            String text = new String(body, StandardCharsets.UTF_8);
            HttpServletResponse answer = response;
            if (session == null && initialize(text)) {
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
            String channel = principal + '\u0001' + String.valueOf(session);
            String tapped = server.tap.onMessage(text, channel);
            chain.doFilter(new CachedBody(request, tapped.getBytes(StandardCharsets.UTF_8)), answer);
            if (session != null && !request.isAsyncStarted() && response.getStatus() == HttpServletResponse.SC_NOT_FOUND) {
                sessions.ended(session);    // the SDK no longer knows it
            }
        }

        private static boolean initialize(String body) {
            try {
                return "initialize".equals(Json.parse(body).path("method").asText(null));
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    /** Jetty's error pages as JSON-RPC errors: a short message, never a stack trace or a server's own page. */
    private static final class JsonErrorHandler extends ErrorHandler {
        @Override
        protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                java.util.List<java.nio.charset.Charset> charsets, int code, String message, Throwable cause) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(JsonErrors.body(code, JsonErrors.reason(code)).getBytes(StandardCharsets.UTF_8)),
                    callback);
            return true;
        }
    }
}
