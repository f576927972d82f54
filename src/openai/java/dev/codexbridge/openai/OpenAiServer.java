package dev.codexbridge.openai;

import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.Drain;
import dev.codexbridge.callers.OriginCheck;
import dev.codexbridge.callers.Readiness;
import dev.codexbridge.callers.Resends;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.store.DoorRecords;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Codex behind OpenAI's HTTP API (docs/openai.md): {@code POST /v1/responses} (streamed or not,
 * continued by {@code previous_response_id}), {@code GET} / {@code DELETE} /
 * {@code input_items} on {@code /v1/responses/{id}}, {@code POST /v1/chat/completions} (streamed or
 * not), {@code GET /v1/models}, and the probes {@code GET /readyz} and {@code /healthz}. Callers
 * authenticate by bearer token (the SDKs send their API key as one) or JWT, through the same
 * {@link Authenticator}s as the A2A and MCP servers; each principal is its own tenant through the
 * gateway, and another principal's response id is answered exactly as one nobody used. A small
 * server on Jetty 12's core handlers, as the A2A server (decision 0112).
 *
 * <pre>{@code
 * CodexGateway gateway = CodexGateway.builder().client(shared).configure(b -> b.cwd(work)).build();
 * try (OpenAiServer server = OpenAiServer.builder().gateway(gateway).models(OpenAiModels.of(shared))
 *         .authenticator(BearerTokens.read(tokens)).port(8080).start()) {
 *     // OpenAIOkHttpClient.builder().baseUrl(server.uri() + "v1").apiKey(token).build()
 * }
 * }</pre>
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    /** How long a turn waits for the caller's answer by default ({@link Builder#callerWait}). */
    public static final Duration DEFAULT_CALLER_WAIT = Duration.ofMinutes(5);
    /** The longest wait for the caller's answer: under the library's 10-minute bound on a dynamic tool call. */
    public static final Duration MAX_CALLER_WAIT = Duration.ofMinutes(9);

    private final Builder settings;
    private final Server jetty;
    private final ServerConnector connector;
    private final OpenAiDoor door;

    private OpenAiServer(Builder b) {
        this.settings = b;
        this.door = new OpenAiDoor(b);
        QueuedThreadPool pool = new QueuedThreadPool(b.threads, 4);
        pool.setName("codex-bridge-openai");
        pool.setDaemon(true);
        this.jetty = new Server(pool);
        this.connector = new ServerConnector(jetty, 1, 1);
        connector.setHost(b.host);
        connector.setPort(b.port);
        // a non-streamed answer writes nothing until codex's turn ends: the connection must outlive that wait
        connector.setIdleTimeout(b.idleTimeout.toMillis());
        jetty.addConnector(connector);
        jetty.setHandler(JettyExchange.handler(door.routes));
        jetty.setStopTimeout(2000);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address the server answers on, e.g. {@code http://127.0.0.1:41234/}; the SDKs' base URL is this plus {@code v1}. */
    public URI uri() {
        String host = settings.host.contains(":") ? "[" + settings.host + "]" : settings.host;
        return URI.create("http://" + host + ":" + connector.getLocalPort() + "/");
    }

    /** Conversations held open, of every principal (for tests and metrics). */
    int conversationsHeld() {
        return door.conversationsHeld();
    }

    /** Questions (function calls, approvals) held turns wait on the callers' answers to (for tests). */
    int callsAwaited() {
        return door.callsAwaited();
    }

    /**
     * Stops: {@code /readyz} answers "stopping", a new turn is refused "send again" (503), the
     * turns in flight are waited for up to {@link Builder#drainTimeout}; what still runs then is
     * interrupted and its answer waited for a few seconds more; then the listener closes and every
     * conversation's session is closed (with a store: stored and let go).
     */
    @Override
    public void close() {
        door.drain();
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.debug("stopping the OpenAI server's listener: {}", e.toString());
        } finally {
            door.release();
        }
    }

    public static final class Builder {
        String host = "127.0.0.1";
        int port;
        @Nullable OpenAiSessions sessions;
        @Nullable Resends resends;
        @Nullable DoorRecords doorRecords;
        OpenAiModels models = OpenAiModels.none();
        @Nullable Authenticator auth;
        @Nullable String anonymous;
        Readiness readiness = Readiness.always();
        Duration drainTimeout = Drain.DEFAULT_BOUND;
        Duration idleTimeout = Duration.ofMinutes(30);
        Duration callerWait = DEFAULT_CALLER_WAIT;
        int maxRequestBytes = 8 << 20;
        int conversations = 1000;
        int conversationsPerPrincipal = 100;
        int responsesKept = dev.codexbridge.internal.Remembered.DEFAULT_MAX;
        int threads = 200;
        final List<String> allowedOrigins = new ArrayList<>();
        final List<String> allowedHosts = new ArrayList<>();

        private Builder() {
        }

        /** The interface to listen on (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port (default 0: any free port, see {@link OpenAiServer#uri()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, not " + port);
            }
            this.port = port;
            return this;
        }

        /** Sessions from the host's gateway: its settings, approval policy, tenants, store and access rule. */
        public Builder gateway(CodexGateway gateway) {
            this.resends = gateway.resends();
            this.doorRecords = gateway.doorRecords().orElse(null);
            return sessions(OpenAiSessions.of(gateway));
        }

        /**
         * Where the responses and chat histories the door answered are kept (decision 0126): the
         * gateway's conversation store when given a gateway that has one ({@link CodexGateway#doorRecords}),
         * so that every replica sharing it goes on from any of them and a restart forgets none; else
         * in this process, at most {@link #responsesKept}.
         */
        public Builder doorRecords(DoorRecords records) {
            this.doorRecords = Objects.requireNonNull(records, "records");
            return this;
        }

        /**
         * Where requests sent with an {@code Idempotency-Key} and their answers are kept (decision
         * 0117): the gateway's ({@link CodexGateway#resends}, its conversation store's when it has
         * one) when given a gateway, else in this process.
         */
        public Builder resends(Resends resends) {
            this.resends = Objects.requireNonNull(resends, "resends");
            return this;
        }

        /** Sessions from a source of the host's own; {@link #gateway} for most hosts. */
        public Builder sessions(OpenAiSessions sessions) {
            this.sessions = Objects.requireNonNull(sessions, "sessions");
            return this;
        }

        /** What {@code GET /v1/models} lists (default none): usually {@link OpenAiModels#of} the codex client. */
        public Builder models(OpenAiModels models) {
            this.models = Objects.requireNonNull(models, "models");
            return this;
        }

        /** How callers authenticate: {@code BearerTokens} (the SDKs' API keys), {@code JwtAuthenticator}, or the host's own. */
        public Builder authenticator(@Nullable Authenticator authenticator) {
            this.auth = authenticator;
            return this;
        }

        /**
         * Calls without an {@code Authorization} header act as {@code principal}; without an
         * authenticator, every call does, whatever key it sends (the SDKs always send one). Only
         * for a server that trusted callers alone can reach, such as a loopback address.
         */
        public Builder anonymous(@Nullable String principal) {
            if (principal != null && principal.isBlank()) {
                throw new IllegalArgumentException("the anonymous principal's name is blank");
            }
            this.anonymous = principal;
            return this;
        }

        /** What {@code GET /readyz} answers (no token needed); default {@link Readiness#always()}. */
        public Builder readiness(Readiness readiness) {
            this.readiness = Objects.requireNonNull(readiness, "readiness");
            return this;
        }

        /** How long {@link OpenAiServer#close} waits for the turns in flight (default 20 s; zero: not at all). */
        public Builder drainTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
                throw new IllegalArgumentException("the drain timeout must not be negative: " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        /**
         * How long a connection may carry nothing (default 30 minutes): a non-streamed answer writes
         * nothing until codex's turn ends, so keep it above the longest turn the host allows.
         */
        public Builder idleTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the idle timeout must be positive: " + timeout);
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * How long a codex turn waits for the caller's answer to what it asked — a function call's
         * output, an approval — in the caller's next request (default 5 minutes, at most 9: the
         * library gives up a dynamic tool call after 10). Past it the call is answered with an
         * error, the approval declined, and the turn interrupted. Held in this process: a restart
         * loses the turn.
         */
        public Builder callerWait(Duration wait) {
            if (Objects.requireNonNull(wait, "wait").isNegative() || wait.isZero() || wait.compareTo(MAX_CALLER_WAIT) > 0) {
                throw new IllegalArgumentException("the caller's wait must be positive and at most " + MAX_CALLER_WAIT + ": " + wait);
            }
            this.callerWait = wait;
            return this;
        }

        /** The largest request body taken (default 8 MiB); a larger one is answered 413, nothing run. */
        public Builder maxRequestBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("take at least 1 KiB of request, not " + bytes);
            }
            this.maxRequestBytes = bytes;
            return this;
        }

        /**
         * How many conversations the server holds open, in all and per principal (default 1000 and
         * 100); beyond them the least recently used idle one is let go (its thread stays in codex).
         */
        public Builder conversations(int total, int perPrincipal) {
            if (total < 1 || perPrincipal < 1) {
                throw new IllegalArgumentException("hold at least one conversation");
            }
            this.conversations = total;
            this.conversationsPerPrincipal = perPrincipal;
            return this;
        }

        /**
         * How many responses (and chat histories) the server remembers in memory when it has no
         * {@link #doorRecords} (and the responses a store did not take when it has), the least
         * recently used forgotten first (default 100,000): a response forgotten is answered 404, as
         * an id nobody used is ({@code GET}, {@code input_items}, {@code previous_response_id}), and a
         * chat history forgotten goes on in a new thread with the earlier messages given as history.
         * A response is kept as its JSON deflated (about 0.5 KiB for a short answer, more for a long
         * one), a chat history's digest in about 0.3 KiB.
         */
        public Builder responsesKept(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("keep at least one response, not " + n);
            }
            this.responsesKept = n;
            return this;
        }

        /** Origins whose pages may call, besides the server's own address; any other {@code Origin} is answered 403. */
        public Builder allowedOrigins(Collection<String> origins) {
            origins.forEach(o -> allowedOrigins.add(Objects.requireNonNull(o, "origin")));
            return this;
        }

        /** {@code Host} values callers may use (behind a proxy), besides the listener's own address; any other is answered 403. */
        public Builder allowedHosts(Collection<String> hosts) {
            hosts.forEach(h -> allowedHosts.add(Objects.requireNonNull(h, "host")));
            return this;
        }

        /**
         * The door as a servlet for the application's own servlet container ({@link OpenAiServlet}),
         * instead of a listener of its own: {@link #host}, {@link #port}, the idle timeout and the
         * threads are then the container's. The caller closes it before the container stops.
         */
        public OpenAiServlet servlet() {
            return new OpenAiServlet(this);
        }

        /**
         * The door as a handler for a reactive Spring WebFlux application ({@link OpenAiWebFluxHandler}),
         * routed at {@code path} (as {@code /v1}, or {@code /api/openai/v1}) instead of a listener of
         * its own: {@link #host}, {@link #port} and the idle timeout are then the application's server's;
         * {@link #threads} bounds the requests it answers at once. The caller closes it before the
         * server stops.
         */
        public OpenAiWebFluxHandler webFlux(String path) {
            return new OpenAiWebFluxHandler(this, Objects.requireNonNull(path, "path"));
        }

        /** Starts listening; the caller closes the server. */
        public OpenAiServer start() {
            OpenAiServer s = new OpenAiServer(this);
            try {
                // bound first: the Host check names the port actually taken
                s.connector.open();
                s.door.routes.origins(OriginCheck.forListener(host, s.connector.getLocalPort(), allowedOrigins, allowedHosts));
                s.jetty.start();
            } catch (Exception e) {
                s.close();
                throw new IllegalStateException("the OpenAI server could not listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            return s;
        }
    }
}
