package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.BuildInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.jspecify.annotations.Nullable;

/**
 * Codex sessions as an A2A agent over HTTP: the agent card at
 * {@code GET /.well-known/agent-card.json} (no token needed), JSON-RPC at {@code POST /} for
 * callers with a bearer token, {@code message/stream} and {@code tasks/resubscribe} as SSE.
 * A small server on Jetty 12's core handlers (decision 0034).
 *
 * <pre>{@code
 * try (A2aServer server = A2aServer.builder().port(8080).tokens(BearerTokens.read(file))
 *         .sessions((principal, context, approvals) -> CodexSession.builder().client(shared)
 *                 .thread(ThreadOptions.in(work)).approvals(approvals).build())
 *         .start()) {
 *     ...
 * }
 * }</pre>
 */
public final class A2aServer implements AutoCloseable {
    static final String CARD_PATH = "/.well-known/agent-card.json";
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final Server jetty;
    private final ServerConnector connector;
    private final A2aAgent agent;
    private final A2aRpc rpc;
    private final @Nullable BearerTokens tokens;
    private final Builder settings;
    private final AtomicInteger openStreams = new AtomicInteger();
    private volatile byte @Nullable [] card;

    private A2aServer(Builder b) {
        this.settings = b;
        if (b.tokens == null && b.anonymous == null) {
            throw new IllegalStateException("no tokens: give the callers' bearer tokens (or, for trusted callers only, an anonymous principal)");
        }
        this.tokens = b.tokens;
        this.agent = new A2aAgent(Objects.requireNonNull(b.sessions, "sessions"), b.limits);
        this.rpc = new A2aRpc(agent);
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
        if (path.equals(CARD_PATH) || path.equals("/.well-known/agent.json")) {
            if (!method.equals("GET")) {
                plain(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "GET only");
                return;
            }
            json(response, callback, HttpStatus.OK_200, card());
            return;
        }
        if (!path.equals("/")) {
            plain(response, callback, HttpStatus.NOT_FOUND_404, "not found: JSON-RPC is served at POST /");
            return;
        }
        if (!method.equals("POST")) {
            plain(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "POST JSON-RPC here");
            return;
        }
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        Optional<String> principal = authorization == null ? Optional.ofNullable(settings.anonymous)
                : tokens == null ? Optional.empty() : tokens.principal(authorization);
        if (principal.isEmpty()) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
            plain(response, callback, HttpStatus.UNAUTHORIZED_401, "a valid bearer token is required");
            return;
        }
        JsonNode body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(settings.limits.maxRequestBytes() + 1);
            if (bytes.length > settings.limits.maxRequestBytes()) {
                plain(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "request larger than " + settings.limits.maxRequestBytes() + " bytes");
                return;
            }
            body = A2aWire.JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            json(response, callback, HttpStatus.OK_200, A2aWire.JSON.writeValueAsBytes(
                    A2aWire.error(null, A2aError.PARSE, "the body is not JSON")));
            return;
        }
        if (body == null || body.isMissingNode()) {
            json(response, callback, HttpStatus.OK_200, A2aWire.JSON.writeValueAsBytes(
                    A2aWire.error(null, A2aError.INVALID_REQUEST, "empty body")));
            return;
        }
        // a stream, and a blocking send while it waits, hold a server thread: both count against the limit
        String rpcMethod = body.path("method").asText();
        boolean holdsThread = rpcMethod.equals("message/stream") || rpcMethod.equals("tasks/resubscribe")
                || rpcMethod.equals("message/send") && body.path("params").path("configuration").path("blocking").asBoolean(true);
        if (holdsThread && openStreams.incrementAndGet() > settings.limits.streams()) {
            openStreams.decrementAndGet();
            json(response, callback, HttpStatus.OK_200, A2aWire.JSON.writeValueAsBytes(A2aWire.error(body.get("id"),
                    A2aError.UNSUPPORTED, "too many open streams and blocking sends (" + settings.limits.streams()
                            + "); send with configuration.blocking false and poll tasks/get")));
            return;
        }
        try {
            A2aRpc.Reply reply;
            try {
                reply = rpc.call(principal.get(), body);
            } catch (RuntimeException e) {
                // a fault of the server's, answered as JSON-RPC rather than an HTTP 500 page
                reply = new A2aRpc.Body(A2aWire.error(body.get("id"), A2aError.INTERNAL, "internal error: " + e));
            }
            if (reply instanceof A2aRpc.Body b) {
                json(response, callback, HttpStatus.OK_200, A2aWire.JSON.writeValueAsBytes(b.json()));
            } else if (reply instanceof A2aRpc.Stream s) {
                sse(response, callback, s);
            }
        } finally {
            if (holdsThread) {
                openStreams.decrementAndGet();
            }
        }
    }

    /** Writes a stream's events as SSE, each a JSON-RPC response to the request's id, until the task pauses. */
    private static void sse(Response response, Callback callback, A2aRpc.Stream s) {
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
                    out.write(("data: " + A2aWire.JSON.writeValueAsString(A2aWire.result(s.id(), event)) + "\n\n")
                            .getBytes(StandardCharsets.UTF_8));
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

    private static void json(Response response, Callback callback, int status, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, java.nio.ByteBuffer.wrap(body), callback);
    }

    private static void plain(Response response, Callback callback, int status, String text) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, text + "\n", callback);
    }

    private byte[] card() throws JsonProcessingException {
        byte[] c = card;
        if (c == null) {
            c = A2aWire.JSON.writeValueAsBytes(AgentCard.of(settings.name, settings.description, uri().toString(), BuildInfo.version(),
                    settings.anonymous != null));
            card = c;
        }
        return c;
    }

    /** The agent card as served, for a host that publishes it elsewhere. */
    public String agentCardJson() {
        try {
            return new String(card(), StandardCharsets.UTF_8);
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
            agent.close();
        }
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private @Nullable URI publicUri;
        private @Nullable SessionSource sessions;
        private @Nullable BearerTokens tokens;
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

        public Builder sessions(SessionSource sessions) {
            this.sessions = Objects.requireNonNull(sessions, "sessions");
            return this;
        }

        /** The callers' bearer tokens; null serves only the {@linkplain #anonymous anonymous} principal. */
        public Builder tokens(@Nullable BearerTokens tokens) {
            this.tokens = tokens;
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

        /** Starts listening; the caller closes the server. */
        public A2aServer start() {
            A2aServer s = new A2aServer(this);
            try {
                s.jetty.start();
            } catch (Exception e) {
                s.close();
                throw new IllegalStateException("the A2A server could not listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            return s;
        }
    }
}
