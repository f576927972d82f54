package dev.codexbridge.mcp;

import dev.codexbridge.callers.Authenticator;
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
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addServlet(new ServletHolder("mcp", transport), PATH);
            context.addFilter(new FilterHolder(new Gate(authenticator, anonymous, server)), PATH, EnumSet.of(DispatcherType.REQUEST));
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
     * Before the SDK: the principal (or 401), then each POSTed message through the cancel tap, on
     * the channel of this principal's MCP session, its body bounded.
     */
    private static final class Gate extends HttpFilter {
        private final @Nullable Authenticator authenticator;
        private final @Nullable String anonymous;
        private final CodexMcpServer server;

        Gate(@Nullable Authenticator authenticator, @Nullable String anonymous, CodexMcpServer server) {
            this.authenticator = authenticator;
            this.anonymous = anonymous;
            this.server = server;
        }

        @Override
        protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, ServletException {
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
                response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "a bearer token is required");
                return;
            }
            request.setAttribute(CodexMcpServer.PRINCIPAL, principal);
            if (!"POST".equals(request.getMethod())) {
                chain.doFilter(request, response);
                return;
            }
            byte[] body = request.getInputStream().readNBytes(server.limits.maxRequestBytes() + 1);
            if (body.length > server.limits.maxRequestBytes()) {
                response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                        "the request is larger than " + server.limits.maxRequestBytes() + " bytes");
                return;
            }
            String channel = principal + '\u0001' + String.valueOf(request.getHeader("Mcp-Session-Id"));
            String tapped = server.tap.onMessage(new String(body, java.nio.charset.StandardCharsets.UTF_8), channel);
            chain.doFilter(new CachedBody(request, tapped.getBytes(java.nio.charset.StandardCharsets.UTF_8)), response);
        }
    }
}
