package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.codexbridge.BuildInfo;
import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.callers.Drain;
import dev.codexbridge.callers.JwtAuthenticator;
import dev.codexbridge.callers.OriginCheck;
import dev.codexbridge.callers.Readiness;
import dev.codexbridge.gateway.CodexGateway;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Codex sessions as an A2A agent over HTTP: the agent card at
 * {@code GET /.well-known/agent-card.json} (no token needed, negotiated by {@code A2A-Version}),
 * JSON-RPC 1.0 and 0.3 at {@code POST /} ({@link A2aRpc}), HTTP+JSON 1.0 at {@code /message:send},
 * {@code /tasks}, … ({@link A2aRest}), probes at {@code GET /readyz} and {@code /healthz}, streams as SSE, push notifications to callers' webhooks
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
    private static final Logger LOG = LoggerFactory.getLogger(A2aServer.class);
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

    private final Server jetty;
    private final ServerConnector connector;
    private final A2aAgent agent;
    private final @Nullable A2aPush push;
    private final Builder settings;
    private final AgentCardResource card;
    private final A2aHttpHandler handler;
    private final A2aDrain drain = new A2aDrain();

    private A2aServer(Builder b) {
        this.settings = b;
        if (b.auth == null && b.anonymous == null) {
            throw new IllegalStateException("no tokens: give the callers' bearer tokens or JWT settings (or, for trusted callers only, an anonymous principal)");
        }
        this.agent = new A2aAgent(Objects.requireNonNull(b.sessions, "sessions"),
                b.contexts != null ? b.contexts : ContextStore.inMemory(ContextStore.DEFAULT_MAX_CONTEXTS), b.limits);
        this.push = push(b, agent);
        A2aOps ops = new A2aOps(agent);
        Authenticator cardAuth = b.auth != null ? b.auth : NO_AUTH;
        this.card = new AgentCardResource(() -> new AgentCard.Facts(b.name, b.description, uri().toString(), BuildInfo.version(),
                b.anonymous != null, push != null, cardAuth));
        this.handler = new A2aHttpHandler(new A2aRpc(ops, push), new A2aRest(ops, push), card, b.auth, b.anonymous, b.limits,
                b.readiness, drain);
        QueuedThreadPool pool = new QueuedThreadPool(b.limits.streams() + 32, 4);
        pool.setName("codex-bridge-a2a");
        pool.setDaemon(true);
        this.jetty = new Server(pool);
        this.connector = new ServerConnector(jetty, 1, 1);
        connector.setHost(b.host);
        connector.setPort(b.port);
        // a blocking send writes nothing until the task pauses: the connection must outlive that wait
        connector.setIdleTimeout(b.limits.blockingWait().plus(A2aResponses.HEARTBEAT).plus(A2aResponses.HEARTBEAT).toMillis());
        jetty.addConnector(connector);
        jetty.setHandler(handler);
        jetty.setStopTimeout(2000);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Push notifications as asked, but never a caller's secret in clear text at rest: with a shared
     * store, where the configs are kept, only when there are keys to seal them (decision 0104).
     */
    private static @Nullable A2aPush push(Builder b, A2aAgent agent) {
        if (b.push == null) {
            return null;
        }
        if (agent.shared() != null && b.sealingKeys == null) {
            LOG.warn("push notifications are off: this server keeps push configs in the database its replicas share, and was given no key "
                    + "to seal them with (A2aServer.Builder.pushSecretKeys; the CLI's --push-secret-key-file or "
                    + "CODEX_BRIDGE_PUSH_SECRET_KEY); push(null) or --no-push says it is meant");
            return null;
        }
        return new A2aPush(agent, b.push, b.sealingKeys);
    }

    /** The address the server answers on, e.g. {@code http://127.0.0.1:41234/}. */
    public URI uri() {
        if (settings.publicUri != null) {
            return settings.publicUri;
        }
        String host = settings.host.contains(":") ? "[" + settings.host + "]" : settings.host;
        return URI.create("http://" + host + ":" + connector.getLocalPort() + "/");
    }

    /** How many contexts hold a codex session now, asleep or awake (for tests). */
    int sessionsHeld() {
        return agent.sessionsHeld();
    }

    /** How many tasks the server keeps in memory, all callers together (for tests). */
    int tasksHeld() {
        return agent.tasksHeld();
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
            return new String(card.card(v1 ? A2aVersion.V1_0 : A2aVersion.V0_3), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops: {@code /readyz} answers "stopping"; a message that would start a task is refused
     * "send it again" (503, {@code Retry-After}), nothing run; the calls in flight and the turns
     * running here are waited for up to {@link Builder#drainTimeout}, each blocking send answered and
     * each stream ended by its task's final event; a turn still running then is interrupted and its
     * end told (within 5 s more). Then the listener closes and every context's codex session is
     * closed: with a conversation store, each conversation stored and its lease given back (waited
     * for up to 30 s), so another replica or a restart takes it at once.
     */
    @Override
    public void close() {
        try {
            drain.stop();
            settings.readiness.close();     // a probe meanwhile answers "stopping"
            drain.stopAndAwait(agent, settings.drainTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            settings.readiness.close();
        }
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
        private final List<String> allowedOrigins = new ArrayList<>();
        private final List<String> allowedHosts = new ArrayList<>();
        private @Nullable SessionSource sessions;
        private @Nullable Authenticator auth;
        private @Nullable PushOptions push = PushOptions.DEFAULTS;
        private @Nullable SealingKeys sealingKeys;
        private @Nullable ContextStore contexts;
        private @Nullable String anonymous;
        private A2aLimits limits = A2aLimits.DEFAULTS;
        private Readiness readiness = Readiness.always();
        private Duration drainTimeout = Drain.DEFAULT_BOUND;
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
         * server's lifetime); {@link ContextStore#files} lets contexts and tasks outlive a restart;
         * {@link ContextStore#postgres} shares contexts, tasks and push configs with the other
         * replicas of the agent, so any of them answers any caller.
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
         * The keys that seal the push configs (their webhook URLs, tokens and credentials) a
         * {@linkplain ContextStore#postgres shared store} keeps: the first seals, each opens, so a key
         * rotates by putting the new one first (docs/a2a.md, "Push notifications"; decision 0104).
         * With a shared store and no keys, push notifications are off (the card says so, and a WARN
         * at start says why); a server without a shared store keeps its configs in memory only and
         * needs none.
         */
        public Builder pushSecretKeys(@Nullable SealingKeys keys) {
            this.sealingKeys = keys;
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
         * How long {@link A2aServer#close} waits for the calls in flight and the turns running here
         * (default 20 s; zero: not at all), new tasks meanwhile refused "send it again"; what still
         * runs then is interrupted. Keep it, with the store's close, under the time the platform
         * gives a stopping process (Kubernetes' {@code terminationGracePeriodSeconds}).
         */
        public Builder drainTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
                throw new IllegalArgumentException("the drain timeout must not be negative: " + timeout);
            }
            this.drainTimeout = timeout;
            return this;
        }

        /** The agent card's name and description. */
        public Builder describedAs(String name, String description) {
            this.name = Objects.requireNonNull(name, "name");
            this.description = Objects.requireNonNull(description, "description");
            return this;
        }

        /** Origins whose pages may call (e.g. {@code https://app.example}), besides the server's own and its public URL's. */
        public Builder allowedOrigins(Collection<String> origins) {
            origins.forEach(o -> allowedOrigins.add(Objects.requireNonNull(o, "origin")));
            return this;
        }

        /** {@code Host} values callers may use, besides the listener's own address and the public URL's host. */
        public Builder allowedHosts(Collection<String> hosts) {
            hosts.forEach(h -> allowedHosts.add(Objects.requireNonNull(h, "host")));
            return this;
        }

        /** Starts listening; the caller closes the server. */
        public A2aServer start() {
            A2aServer s = new A2aServer(this);
            try {
                // bound first: the Host check names the port actually taken
                s.connector.open();
                List<String> hosts = new ArrayList<>(allowedHosts);
                List<String> origins = new ArrayList<>(allowedOrigins);
                if (publicUri != null && publicUri.getHost() != null) {
                    int p = publicUri.getPort() != -1 ? publicUri.getPort() : "https".equalsIgnoreCase(publicUri.getScheme()) ? 443 : 80;
                    hosts.add(publicUri.getHost() + ":" + p);
                    origins.add(publicUri.getScheme() + "://" + publicUri.getRawAuthority());
                }
                s.handler.origins(OriginCheck.forListener(host, s.connector.getLocalPort(), origins, hosts));
                s.jetty.start();
            } catch (Exception e) {
                s.close();
                throw new IllegalStateException("the A2A server could not listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            return s;
        }
    }
}
