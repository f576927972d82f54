package dev.codexbridge.pool;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.EndpointStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Sessions spread over several running app-servers.
 *
 * <pre>{@code
 * try (CodexPool pool = CodexPool.builder()
 *         .endpoint("codex-0", CodexEndpoint.parse("ws://10.0.0.10:4500").tokenFile(token).allowPlaintextRemote(true))
 *         .endpoint("codex-1", CodexEndpoint.parse("ws://10.0.0.11:4500").tokenFile(token).allowPlaintextRemote(true))
 *         .maxThreadsPerEndpoint(16)
 *         .build()) {
 *     CodexSession s = pool.newSession(b -> b.cwd(workspace));
 *     s.runTurn(TurnInput.text("hello"));
 *     String thread = s.threadId();
 *     s.close();
 *     CodexSession again = pool.resumeSession(thread, b -> b.cwd(workspace));   // same endpoint
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Placement.</b> A new session goes to the healthy endpoint with the fewest attached
 *       threads that is below its {@code maxThreads}; ties go to the endpoint listed first.</li>
 *   <li><b>Affinity.</b> The pool remembers which endpoint each thread it placed lives on;
 *       {@link #resumeSession} goes back there.</li>
 *   <li><b>Health.</b> Every endpoint's {@code /readyz} is probed periodically; a closed
 *       connection marks its endpoint down at once, and it is used again when a probe answers
 *       ready (with a new connection).</li>
 *   <li><b>Losing an endpoint.</b> Its sessions fail at once: their connection is gone, so a
 *       running turn ends with an error naming the endpoint and the next turn is refused; nothing
 *       waits for a timeout. A thread of a lost endpoint is resumed elsewhere <em>only</em> when
 *       the endpoints are declared to share one {@code CODEX_HOME} ({@link
 *       Builder#sharedCodexHome}): the thread's history lives there, so another app-server can
 *       load it. Otherwise {@link #resumeSession} throws a {@link PoolException} saying the
 *       thread's endpoint is down, rather than starting an empty thread somewhere else.</li>
 * </ul>
 *
 * All methods are thread-safe. Closing the pool closes its connections (and so its sessions),
 * never the app-servers.
 */
public final class CodexPool implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    private final List<Node> nodes;
    private final boolean sharedCodexHome;
    private final Duration probeTimeout;
    private final Consumer<CodexClient.Builder> clientConfigurer;
    private final Map<String, Node> affinity = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checker;
    /** The checker's one thread, so that closing can wait until it has ended. */
    private volatile Thread checkerThread;
    private final Object placementLock = new Object();
    private volatile boolean closed;

    private CodexPool(Builder b) {
        List<Node> list = new ArrayList<>();
        for (PoolEndpoint e : b.endpoints.values()) {
            list.add(new Node(e));
        }
        this.nodes = List.copyOf(list);
        this.sharedCodexHome = b.sharedCodexHome;
        this.probeTimeout = b.probeTimeout;
        this.clientConfigurer = b.clientConfigurer;
        ThreadFactory named = RpcThreads.daemon("codex-bridge-pool-health");
        this.checker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = named.newThread(task);
            checkerThread = t;
            return t;
        });
        checkAll();
        checker.scheduleWithFixedDelay(this::checkAll, b.healthInterval.toMillis(), b.healthInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A new thread on the least-loaded healthy endpoint: {@code configure} sets the session up
     * (cwd, model, approvals, …) as on {@link CodexSession#builder()}; the pool adds the client.
     * The session is started, so {@link CodexSession#threadId()} is known on return.
     *
     * @throws PoolException when no healthy endpoint has room
     */
    public CodexSession newSession(Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(configure, "configure");
        List<String> refusals = new ArrayList<>();
        while (true) {
            Node node = reserve(null, refusals);
            try {
                CodexSession session = open(node, configure, null);
                affinity.put(session.threadId(), node);
                return session;
            } catch (PlacementFailed e) {
                refusals.add(node.spec.name() + ": " + e.getMessage());
            } finally {
                node.release();
            }
        }
    }

    /**
     * Resumes {@code threadId} on the endpoint it lives on. When that endpoint is down (or the
     * pool never placed the thread) and the endpoints share {@code CODEX_HOME}, it is resumed on
     * the least-loaded healthy endpoint instead, and lives there from now on.
     *
     * @throws PoolException when the thread's endpoint is down and the endpoints do not share
     *     {@code CODEX_HOME}, or when no endpoint has room
     */
    public CodexSession resumeSession(String threadId, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(configure, "configure");
        Node home = affinity.get(threadId);
        if (home == null && !sharedCodexHome) {
            throw new PoolException("thread " + UntrustedText.of(threadId) + " was not placed by this pool, and its endpoints do not share "
                    + "CODEX_HOME, so the pool cannot tell which app-server holds it; use assign(threadId, endpoint) first");
        }
        if (home != null && !home.usable()) {
            if (!sharedCodexHome) {
                throw new PoolException("thread " + UntrustedText.of(threadId) + " lives on endpoint " + home.spec.name() + " ("
                        + home.spec.endpoint().uri() + "), which is down: " + home.detail + ". The endpoints do not share "
                        + "CODEX_HOME (sharedCodexHome(false)), so the thread cannot be resumed elsewhere; it can be "
                        + "resumed once " + home.spec.name() + " is back.");
            }
            LOG.info("thread {} moves from lost endpoint {} (shared CODEX_HOME)", threadId, home.spec.name());
            home = null;
        }
        List<String> refusals = new ArrayList<>();
        while (true) {
            Node node = reserve(home, refusals);
            try {
                CodexSession session = open(node, configure, threadId);
                affinity.put(threadId, node);
                return session;
            } catch (PlacementFailed e) {
                refusals.add(node.spec.name() + ": " + e.getMessage());
                if (home != null && !sharedCodexHome) {
                    throw new PoolException("thread " + UntrustedText.of(threadId) + " could not be resumed on its endpoint "
                            + node.spec.name() + ": " + e.getMessage(), e.getCause());
                }
                home = null;
            } finally {
                node.release();
            }
        }
    }

    /** Records that {@code threadId} lives on endpoint {@code name} (threads started outside the pool). */
    public void assign(String threadId, String name) {
        affinity.put(Objects.requireNonNull(threadId, "threadId"), node(name));
    }

    /** Forgets a thread's endpoint (an archived or deleted thread). */
    public void forget(String threadId) {
        affinity.remove(threadId);
    }

    /** The endpoint a thread lives on, if the pool knows it. */
    public Optional<String> endpointOf(String threadId) {
        Node n = affinity.get(threadId);
        return n == null ? Optional.empty() : Optional.of(n.spec.name());
    }

    /** A snapshot of every endpoint, in the order given to the builder. */
    public List<EndpointState> endpoints() {
        List<EndpointState> states = new ArrayList<>();
        for (Node n : nodes) {
            CodexClient c = n.client;
            boolean connected = c != null && c.isOpen();
            states.add(new EndpointState(n.spec.name(), n.spec.endpoint().uri(), n.usable(), connected,
                    connected ? c.attachedThreads() : 0, n.spec.maxThreads(), n.lastProbe, n.detail));
        }
        return states;
    }

    /** Probes every endpoint now instead of waiting for the next round (tests, operators). */
    public void checkNow() {
        checkAll();
    }

    /** Closes every connection (and so every session on them) and stops the health checks. */
    @Override
    public void close() {
        closed = true;
        checker.shutdownNow();
        try {
            // the executor counts as terminated a moment before its thread has ended: wait for the thread
            Thread t = checkerThread;
            if (t != null) {
                t.join(probeTimeout.toMillis() + 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Node n : nodes) {
            n.disconnect("the pool is closed");
        }
    }

    // ---------------------------------------------------------------- placement

    /** Picks a node (the preferred one, or the least loaded) and counts the placement on it. */
    private Node reserve(Node preferred, List<String> refusals) {
        synchronized (placementLock) {
            if (closed) {
                throw new PoolException("the pool is closed");
            }
            if (preferred != null) {
                if (preferred.usable() && preferred.load() < preferred.spec.maxThreads()) {
                    preferred.placing++;
                    return preferred;
                }
                if (!sharedCodexHome) {
                    throw new PoolException("endpoint " + preferred.spec.name() + " cannot take the thread: "
                            + (preferred.usable() ? "it is full (" + preferred.load() + "/" + preferred.spec.maxThreads()
                            + " threads)" : "it is down (" + preferred.detail + ")"));
                }
            }
            Node best = null;
            for (Node n : nodes) {
                if (n.usable() && n.load() < n.spec.maxThreads() && refusals.stream().noneMatch(r -> r.startsWith(n.spec.name() + ": "))
                        && (best == null || n.load() < best.load())) {
                    best = n;
                }
            }
            if (best == null) {
                throw new PoolException("no healthy endpoint has room for a session: " + summary()
                        + (refusals.isEmpty() ? "" : "; refused just now: " + String.join("; ", refusals)));
            }
            best.placing++;
            return best;
        }
    }

    private CodexSession open(Node node, Consumer<CodexSession.Builder> configure, String resume) {
        CodexClient client;
        try {
            client = node.connect(clientConfigurer);
        } catch (CodexException e) {
            node.down("cannot connect: " + e.getMessage());
            throw new PlacementFailed(e.getMessage(), e);
        }
        CodexSession.Builder b = CodexSession.builder();
        configure.accept(b);
        b.client(client);
        if (resume != null) {
            b.resumeThread(resume);
        }
        CodexSession session = b.build();
        try {
            session.start();
            return session;
        } catch (CodexException e) {
            session.close();
            if (!client.isOpen()) {
                node.down("the connection closed while starting a session");
                throw new PlacementFailed(e.getMessage(), e);
            }
            throw e;
        }
    }

    private String summary() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(n.spec.name()).append(n.usable() ? " " + n.load() + "/" + n.spec.maxThreads() + " threads"
                    : " down (" + n.detail + ")");
        }
        return sb.toString();
    }

    private Node node(String name) {
        for (Node n : nodes) {
            if (n.spec.name().equals(name)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no endpoint named " + name);
    }

    // ---------------------------------------------------------------- health

    private void checkAll() {
        for (Node n : nodes) {
            if (closed) {
                return;
            }
            try {
                n.check(probeTimeout);
            } catch (RuntimeException e) {
                LOG.warn("health check of {} failed", n.spec.name(), e);
            }
        }
    }

    /** One endpoint: its connection (opened on first use, replaced after a loss) and its health. */
    private final class Node {
        final PoolEndpoint spec;
        volatile CodexClient client;
        volatile boolean healthy;
        volatile Instant lastProbe;
        volatile String detail = "not probed yet";
        /** Sessions being placed here whose thread is not attached yet; guarded by placementLock. */
        int placing;

        Node(PoolEndpoint spec) {
            this.spec = spec;
        }

        boolean usable() {
            CodexClient c = client;
            return healthy && (c == null || c.isOpen());
        }

        /** Attached threads plus placements under way; caller holds placementLock. */
        int load() {
            CodexClient c = client;
            return (c != null && c.isOpen() ? c.attachedThreads() : 0) + placing;
        }

        void release() {
            synchronized (placementLock) {
                placing--;
            }
        }

        synchronized CodexClient connect(Consumer<CodexClient.Builder> configurer) {
            CodexClient c = client;
            if (c != null && c.isOpen()) {
                return c;
            }
            if (closed) {
                throw new PoolException("the pool is closed");
            }
            CodexClient.Builder b = CodexClient.builder();
            if (spec.maxThreads() != Integer.MAX_VALUE) {
                b.maxThreads(spec.maxThreads());   // the connection enforces the same limit the pool places by
            }
            configurer.accept(b);
            CodexClient fresh = b.connect(spec.endpoint());
            client = fresh;
            ClientPlumbing.of(fresh).markPooled();     // its sessions' failures then give the pool's advice
            // off the reader thread: the pool's bookkeeping is no business of the connection's reader,
            // and explaining may wait briefly for codex's exit status (the waits pool)
            ClientPlumbing.of(fresh).closedFuture().thenAcceptAsync(cause -> {
                if (client == fresh && !closed) {
                    down(ClientPlumbing.of(fresh).explainClose("", cause).getMessage());
                }
            }, RpcThreads.waits());
            return fresh;
        }

        void check(Duration timeout) {
            EndpointStatus status = spec.endpoint().readiness(timeout);
            lastProbe = Instant.now();
            CodexClient c = client;
            if (status.ok()) {
                if (c != null && !c.isOpen()) {
                    disconnect(null);
                }
                if (!healthy) {
                    LOG.info("endpoint {} ({}) is ready", spec.name(), spec.endpoint().uri());
                }
                healthy = true;
                detail = status.detail();
            } else {
                if (healthy) {
                    LOG.warn("endpoint {} ({}) is not ready: {}", spec.name(), spec.endpoint().uri(), status.detail());
                }
                healthy = false;
                detail = status.detail();
            }
        }

        void down(String why) {
            healthy = false;
            detail = why;
            LOG.warn("endpoint {} ({}) lost: {}", spec.name(), spec.endpoint().uri(), why);
        }

        synchronized void disconnect(String why) {
            CodexClient c = client;
            client = null;
            if (why != null) {
                detail = why;
            }
            if (c != null) {
                c.close();
            }
        }
    }

    /** A placement that failed because of the endpoint (unreachable, connection lost): try another. */
    private static final class PlacementFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PlacementFailed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /** Configures a {@link CodexPool}. */
    public static final class Builder {
        private final Map<String, PoolEndpoint> endpoints = new LinkedHashMap<>();
        private int maxThreadsPerEndpoint = CodexClient.Builder.DEFAULT_MAX_THREADS;
        private boolean sharedCodexHome;
        private Duration healthInterval = Duration.ofSeconds(5);
        private Duration probeTimeout = Duration.ofSeconds(2);
        private Consumer<CodexClient.Builder> clientConfigurer = b -> { };

        private Builder() {
        }

        /** An endpoint with the pool's default {@link #maxThreadsPerEndpoint}. */
        public Builder endpoint(String name, CodexEndpoint endpoint) {
            return endpoint(name, endpoint, 0);
        }

        /** An endpoint with its own thread limit ({@code 0}: the pool's default). */
        public Builder endpoint(String name, CodexEndpoint endpoint, int maxThreads) {
            if (endpoints.containsKey(name)) {
                throw new IllegalArgumentException("two endpoints named " + name);
            }
            endpoints.put(name, new PoolEndpoint(name, endpoint, maxThreads == 0 ? Integer.MAX_VALUE : maxThreads));
            return this;
        }

        /** Threads an endpoint takes at once unless it sets its own limit (default 500, as a {@link CodexClient}). */
        public Builder maxThreadsPerEndpoint(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxThreadsPerEndpoint must be at least 1");
            }
            this.maxThreadsPerEndpoint = max;
            return this;
        }

        /**
         * Declares that every endpoint runs on one {@code CODEX_HOME} (one volume mounted by all),
         * so a thread of a lost endpoint can be resumed on another (default false: threads stay
         * where they were started).
         */
        public Builder sharedCodexHome(boolean shared) {
            this.sharedCodexHome = shared;
            return this;
        }

        /** How often every endpoint's {@code /readyz} is probed (default 5 s). */
        public Builder healthInterval(Duration interval) {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("healthInterval must be positive");
            }
            this.healthInterval = interval;
            return this;
        }

        /** How long one probe may take (default 2 s). */
        public Builder probeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("probeTimeout must be positive");
            }
            this.probeTimeout = timeout;
            return this;
        }

        /** Applied to every connection the pool opens (request timeout, wire tap, client info). */
        public Builder clientConfigurer(Consumer<CodexClient.Builder> configurer) {
            this.clientConfigurer = Objects.requireNonNull(configurer, "configurer");
            return this;
        }

        /** Builds the pool and probes every endpoint once before returning. */
        public CodexPool build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("a pool needs at least one endpoint");
            }
            Map<String, PoolEndpoint> resolved = new LinkedHashMap<>();
            endpoints.forEach((name, e) -> resolved.put(name, e.maxThreads() == Integer.MAX_VALUE
                    ? new PoolEndpoint(name, e.endpoint(), maxThreadsPerEndpoint) : e));
            endpoints.clear();
            endpoints.putAll(resolved);
            return new CodexPool(this);
        }
    }
}
