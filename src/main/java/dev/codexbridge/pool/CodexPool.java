package dev.codexbridge.pool;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.transport.CodexEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.jspecify.annotations.Nullable;

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
 *       {@link #resumeSession} goes back there. A thread it does not know (the host restarted,
 *       another host started it) is looked for: the endpoint that has it loaded gets it, so a
 *       host needs no saved map, and a thread is never given a second writer.</li>
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

    private final List<PoolNode> nodes;
    private final boolean sharedCodexHome;
    private final Duration probeTimeout;
    private final Consumer<CodexClient.Builder> clientConfigurer;
    /** Stops the telemetry's observation of the endpoints; null when telemetry is off. */
    private final AutoCloseable observed;
    private final Map<String, PoolNode> affinity = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checker;
    /** The checker's one thread, so that closing can wait until it has ended. */
    private volatile Thread checkerThread;
    private final Object placementLock = new Object();
    private volatile boolean closed;
    private final EndpointLink link;
    private final ThreadFinder finder;
    /** The host's rule for resuming threads (asked before the pool looks for one), or null. */
    private final ThreadAccess threadAccess;

    private CodexPool(Builder b) {
        this.link = b.link;
        this.threadAccess = b.threadAccess;
        List<PoolNode> list = new ArrayList<>();
        for (PoolEndpoint e : b.endpoints.values()) {
            list.add(new PoolNode(e, link, placementLock, () -> closed));
        }
        this.nodes = List.copyOf(list);
        this.sharedCodexHome = b.sharedCodexHome;
        this.probeTimeout = b.probeTimeout;
        TelemetryHooks telemetry = b.telemetry;
        Consumer<CodexClient.Builder> configurer = b.clientConfigurer;
        this.clientConfigurer = telemetry == null ? configurer : client -> configurer.accept(client.telemetry(telemetry));
        this.observed = telemetry == null ? null : telemetry.observePool(this::health);
        this.finder = new ThreadFinder(probeTimeout);
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
            PoolNode node = reserve(null, false, null, refusals);
            try {
                CodexSession session = open(node, configure, null, null);
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
     * Resumes {@code threadId} where it lives, without the host having to remember where that is:
     * <ol>
     *   <li>on the endpoint the pool has for it (placed here, {@link #assign assigned}, or learnt
     *       by an earlier resume) while that endpoint is up;</li>
     *   <li>else on the endpoint that has the thread loaded: every healthy endpoint is asked
     *       ({@code thread/loaded/list}, all at once, within the {@linkplain Builder#probeTimeout
     *       probe timeout}; one that does not answer in time is not waited for);</li>
     *   <li>else, when the endpoints share {@code CODEX_HOME}, on the least-loaded healthy endpoint
     *       (the thread's history is in the shared home);</li>
     *   <li>else on the endpoint that has the thread stored: the endpoints that answered are asked
     *       {@code thread/read} (without turns; only whether it answers counts).</li>
     * </ol>
     * The answer is learnt: {@link #endpointOf} knows it from then on, so a host that restarted
     * needs no saved map. The pool never makes a second writer: a thread loaded on an endpoint is
     * resumed there or not at all, and when codex refuses a resume because another app-server
     * writes the thread ("already has an active writer") the endpoints are asked again and the
     * session goes to the one that has it loaded; when none does, a {@link PoolException} says so.
     *
     * @throws PoolException when the thread's endpoint is down and the endpoints do not share
     *     {@code CODEX_HOME}, when no endpoint that answered has the thread, when the endpoint that
     *     has it loaded is full or down, when an app-server the pool cannot reach writes it, or when
     *     no endpoint has room
     */
    public CodexSession resumeSession(String threadId, Consumer<CodexSession.Builder> configure) {
        if (threadAccess != null) {
            throw new IllegalStateException("this pool has a ThreadAccess rule: resume through resumeSession(caller, threadId, "
                    + "configure), which says who asks");
        }
        return resume(null, threadId, configure);
    }

    /**
     * {@link #resumeSession(String, Consumer)} for {@code caller}: the pool's {@link
     * Builder#threadAccess rule} is asked first (nothing is looked up or read when it refuses:
     * {@link ThreadAccessDeniedException}), and the session asks it again before each read,
     * follow and answer of the thread.
     */
    public CodexSession resumeSession(String caller, String threadId, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(threadId, "threadId");
        ThreadAccess.require(threadAccess, caller, threadId, ThreadOperation.RESUME);
        return resume(caller, threadId, configure);
    }

    private CodexSession resume(String caller, String threadId, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(configure, "configure");
        PoolNode target = affinity.get(threadId);
        if (target != null && !target.usable()) {
            if (!sharedCodexHome) {
                throw new PoolException("thread " + UntrustedText.of(threadId) + " lives on endpoint " + target.spec.name() + " ("
                        + target.spec.endpoint().uri() + "), which is down: " + target.detail + ". The endpoints do not share "
                        + "CODEX_HOME (sharedCodexHome(false)), so the thread cannot be resumed elsewhere; it can be "
                        + "resumed once " + target.spec.name() + " is back.");
            }
            LOG.info("thread {} leaves lost endpoint {} (shared CODEX_HOME)", threadId, target.spec.name());
            target = null;
        }
        // the target has the thread loaded: the session goes there or nowhere
        boolean owner = false;
        if (target == null) {
            Whereabouts found = locate(threadId, null, null);
            target = found.node();
            owner = found.loaded();
        }
        List<String> refusals = new ArrayList<>();
        List<String> writerRefusals = new ArrayList<>();
        while (true) {
            PoolNode node = reserve(target, owner, threadId, refusals);
            try {
                CodexSession session = open(node, configure, threadId, caller);
                affinity.put(threadId, node);
                return session;
            } catch (PlacementFailed e) {
                refusals.add(node.spec.name() + ": " + e.getMessage());
                if (target != null && !sharedCodexHome) {
                    throw new PoolException("thread " + UntrustedText.of(threadId) + " could not be resumed on its endpoint "
                            + node.spec.name() + ": " + e.getMessage(), e.getCause());
                }
                // on a shared home an endpoint that cannot be reached holds no writer any more: any other may take it
                target = null;
                owner = false;
            } catch (WriterElsewhere e) {
                affinity.remove(threadId, node);
                refusals.add(node.spec.name() + ": " + e.getMessage());
                writerRefusals.add(node.spec.name());
                if (writerRefusals.size() > 1) {
                    throw writerUnreachable(threadId, writerRefusals, List.of(), e.getCause());
                }
                LOG.info("codex on {} refused thread {}: another app-server writes it; asking the endpoints again",
                        node.spec.name(), threadId);
                Whereabouts found = locate(threadId, writerRefusals, e.getCause());
                target = found.node();
                owner = true;
            } finally {
                node.release();
            }
        }
    }

    /**
     * Where a thread the pool has no usable endpoint for should be resumed: the endpoint that has
     * it loaded; else (shared home) anywhere, as a null node; else the endpoint that has it stored.
     * After a writer refusal ({@code refusedBy} not null; {@code refusal}, codex's answer) only a
     * loaded thread will do.
     */
    private Whereabouts locate(String threadId, List<String> refusedBy, Throwable refusal) {
        Map<PoolNode, Supplier<CompletableFuture<CodexClient>>> asked = new LinkedHashMap<>();
        List<String> silent = new ArrayList<>();
        for (PoolNode n : nodes) {
            if (n.usable() && n.connecting && !n.connected()) {
                // a connect that hangs holds the node's lock: another lookup would only queue behind it
                silent.add(n.spec.name() + " did not answer (its connection is still being opened)");
            } else if (n.usable()) {
                CodexClient open = n.client;
                // a connect blocks: the library's waiting threads take it; an open connection is asked at once
                asked.put(n, open != null && open.isOpen() ? () -> CompletableFuture.completedFuture(open)
                        : () -> CompletableFuture.supplyAsync(() -> n.connectOrDown(clientConfigurer), RpcThreads.waits()));
            } else {
                silent.add(n.spec.name() + " is down (" + n.detail + ")");
            }
        }
        Map<PoolNode, ThreadFinder.Reply> loaded = finder.loaded(asked, threadId);
        Map<PoolNode, Supplier<CompletableFuture<CodexClient>>> answered = new LinkedHashMap<>();
        for (Map.Entry<PoolNode, ThreadFinder.Reply> e : loaded.entrySet()) {
            switch (e.getValue().presence()) {
                case YES -> {
                    LOG.info("thread {} is loaded on endpoint {}", threadId, e.getKey().spec.name());
                    return new Whereabouts(e.getKey(), true);
                }
                case NO -> answered.put(e.getKey(), asked.get(e.getKey()));
                case UNKNOWN -> silent.add(e.getKey().spec.name() + " " + e.getValue().detail());
            }
        }
        if (refusedBy != null) {
            throw writerUnreachable(threadId, refusedBy, silent, refusal);
        }
        if (sharedCodexHome) {
            return new Whereabouts(null, false);
        }
        Map<PoolNode, ThreadFinder.Reply> stored = finder.stored(answered, threadId);
        List<String> without = new ArrayList<>();
        for (Map.Entry<PoolNode, ThreadFinder.Reply> e : stored.entrySet()) {
            switch (e.getValue().presence()) {
                case YES -> {
                    LOG.info("thread {} is stored on endpoint {}", threadId, e.getKey().spec.name());
                    return new Whereabouts(e.getKey(), false);
                }
                case NO -> without.add(e.getKey().spec.name());
                case UNKNOWN -> silent.add(e.getKey().spec.name() + " " + e.getValue().detail());
            }
        }
        List<String> answers = new ArrayList<>();
        if (!without.isEmpty()) {
            answers.add(String.join(", ", without) + (without.size() == 1 ? " has" : " have") + " it neither loaded nor stored");
        }
        answers.addAll(silent);
        throw new PoolException("thread " + UntrustedText.of(threadId) + " is on no endpoint of this pool that answered: "
                + String.join("; ", answers)
                + ". The endpoints do not share CODEX_HOME, so a thread is resumed only where it was started: "
                + (silent.isEmpty() ? "" : "if it lives on an endpoint that is down or did not answer, try again once it is back; ")
                + "if it was started on an app-server outside this pool, resume it there (or assign(threadId, endpoint) "
                + "when that app-server joins the pool).", FailureKind.UNKNOWN_THREAD);
    }

    private static PoolException writerUnreachable(String threadId, List<String> refusedBy, List<String> silent, Throwable cause) {
        return new PoolException("thread " + UntrustedText.of(threadId) + " has a writer the pool cannot reach: codex on "
                + String.join(" and ", refusedBy) + " refused to resume it (it already has an active writer)"
                + (refusedBy.size() > 1 ? "" : ", and no endpoint of this pool that answered has it loaded")
                + (silent.isEmpty() ? "" : " (" + String.join("; ", silent) + ")")
                + ". Another app-server on the same CODEX_HOME holds the thread: one outside this pool, or one that did not "
                + "answer. Resume it there, or try again once that app-server lets it go (it does 60 s after the thread's "
                + "last turn ended without subscribers, or when it stops).", cause);
    }

    /** Records that {@code threadId} lives on endpoint {@code name} (threads started outside the pool). */
    public void assign(String threadId, String name) {
        affinity.put(Objects.requireNonNull(threadId, "threadId"), node(name));
    }

    /** Forgets a thread's endpoint (an archived or deleted thread). */
    public void forget(String threadId) {
        affinity.remove(threadId);
    }

    /**
     * The endpoint a thread lives on, if the pool knows it: placed, {@link #assign assigned} or
     * found by a {@link #resumeSession resume} in this pool. Asks no endpoint.
     */
    public Optional<String> endpointOf(String threadId) {
        PoolNode n = affinity.get(threadId);
        return n == null ? Optional.empty() : Optional.of(n.spec.name());
    }

    /** A snapshot of every endpoint, in the order given to the builder. */
    public List<EndpointState> endpoints() {
        List<EndpointState> states = new ArrayList<>();
        for (PoolNode n : nodes) {
            CodexClient c = n.client;
            boolean connected = c != null && c.isOpen();
            states.add(new EndpointState(n.spec.name(), n.spec.endpoint().uri(), n.usable(), connected,
                    connected ? c.attachedThreads() : 0, n.spec.maxThreads(), n.lastProbe, n.detail));
        }
        return states;
    }

    /** The endpoints as the metrics show them. */
    private List<TelemetryHooks.EndpointHealth> health() {
        List<TelemetryHooks.EndpointHealth> out = new ArrayList<>(nodes.size());
        for (EndpointState e : endpoints()) {
            out.add(new TelemetryHooks.EndpointHealth(e.name(), e.healthy(), e.threads()));
        }
        return out;
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
        for (PoolNode n : nodes) {
            n.disconnect("the pool is closed");
        }
        if (observed != null) {
            try {
                observed.close();
            } catch (Exception e) {
                // the metrics' callbacks only: nothing of the pool depends on them
            }
        }
    }

    // ---------------------------------------------------------------- placement

    /**
     * Picks a node (the preferred one, or the least loaded) and counts the placement on it. A
     * preferred node that is full or down is left for another only on a shared home, and never
     * when it has the thread loaded ({@code owner}): resuming it elsewhere would make a second writer.
     */
    private PoolNode reserve(PoolNode preferred, boolean owner, String threadId, List<String> refusals) {
        synchronized (placementLock) {
            if (closed) {
                throw new PoolException("the pool is closed");
            }
            if (preferred != null) {
                if (preferred.usable() && preferred.load() < preferred.spec.maxThreads()) {
                    preferred.placing++;
                    return preferred;
                }
                String why = preferred.usable() ? "it is full (" + preferred.load() + "/" + preferred.spec.maxThreads()
                        + " threads)" : "it is down (" + preferred.detail + ")";
                if (owner) {
                    throw new PoolException("thread " + UntrustedText.of(threadId) + " is loaded on endpoint " + preferred.spec.name()
                            + ", which cannot take it now: " + why + ". It is resumed there or not at all (elsewhere it would be "
                            + "a second writer); try again once " + preferred.spec.name() + " has room.", FailureKind.CAPACITY);
                }
                if (!sharedCodexHome) {
                    throw new PoolException("endpoint " + preferred.spec.name() + " cannot take the thread: " + why,
                            preferred.usable() ? FailureKind.CAPACITY : FailureKind.CODEX_UNAVAILABLE);
                }
            }
            PoolNode best = null;
            for (PoolNode n : nodes) {
                if (n.usable() && n.load() < n.spec.maxThreads() && refusals.stream().noneMatch(r -> r.startsWith(n.spec.name() + ": "))
                        && (best == null || n.load() < best.load())) {
                    best = n;
                }
            }
            if (best == null) {
                throw new PoolException("no healthy endpoint has room for a session: " + summary()
                        + (refusals.isEmpty() ? "" : "; refused just now: " + String.join("; ", refusals)), FailureKind.CAPACITY);
            }
            best.placing++;
            return best;
        }
    }

    private CodexSession open(PoolNode node, Consumer<CodexSession.Builder> configure, String resume, String caller) {
        CodexClient client;
        try {
            client = node.connectOrDown(clientConfigurer);
        } catch (CodexException e) {
            throw new PlacementFailed(e.getMessage(), e);
        }
        CodexSession.Builder b = CodexSession.builder();
        // first, so that the host's own callback already finds the new id here
        b.onThreadReplaced(replaced -> learn(replaced, node));
        configure.accept(b);
        b.client(client);
        if (resume != null) {
            b.resumeThread(resume);
            if (threadAccess != null) {
                b.threadAccess(threadAccess, caller);
            }
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
            if (resume != null && activeWriter(e)) {
                throw new WriterElsewhere(e);
            }
            throw e;
        }
    }

    /** A session's thread was replaced by a fresh one (codex never stored it): the new id lives where the old one did. */
    private void learn(ThreadReplacement replaced, PoolNode node) {
        affinity.remove(replaced.previousThreadId(), node);
        affinity.put(replaced.threadId(), node);
        LOG.info("thread {} was replaced by {} on endpoint {}", replaced.previousThreadId(), replaced.threadId(), node.spec.name());
    }

    /** Codex refused a resume because another app-server process writes the thread (-32600 "... active writer"). */
    static boolean activeWriter(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof RpcException e && e.code() == RpcError.INVALID_REQUEST && e.error().message() != null
                    && e.error().message().contains("already has an active writer")) {
                return true;
            }
        }
        return false;
    }

    private String summary() {
        StringBuilder sb = new StringBuilder();
        for (PoolNode n : nodes) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(n.spec.name()).append(n.usable() ? " " + n.load() + "/" + n.spec.maxThreads() + " threads"
                    : " down (" + n.detail + ")");
        }
        return sb.toString();
    }

    private PoolNode node(String name) {
        for (PoolNode n : nodes) {
            if (n.spec.name().equals(name)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no endpoint named " + name);
    }

    // ---------------------------------------------------------------- health

    private void checkAll() {
        for (PoolNode n : nodes) {
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

    /**
     * Where to resume a thread: {@code node} (null: any endpoint with room, on a shared home);
     * {@code loaded} when the node has the thread loaded, so it goes nowhere else.
     */
    private record Whereabouts(PoolNode node, boolean loaded) {
    }

    /** Codex refused a resume: another app-server writes the thread. Ask the endpoints again. */
    private static final class WriterElsewhere extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WriterElsewhere(CodexException refusal) {
            super("another app-server writes the thread (already has an active writer)", refusal, false, false);
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
        private EndpointLink link = EndpointLink.NETWORK;
        private TelemetryHooks telemetry;
        private ThreadAccess threadAccess;

        private Builder() {
        }

        /**
         * Who may resume, read, follow and answer which thread: the endpoints are shared, and codex
         * lets any connection open any thread, so without a rule a thread id is a bearer capability.
         * With one, threads are resumed through {@link CodexPool#resumeSession(String, String, Consumer)}
         * (the caller named), and the one without a caller refuses.
         */
        public Builder threadAccess(ThreadAccess rule) {
            this.threadAccess = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Traces and measures the pool: every connection it opens gets {@code telemetry} (before
         * the {@link #clientConfigurer}), and each endpoint's health and load are observed
         * ({@code codex_bridge.pool.endpoint.up}, {@code codex_bridge.pool.endpoint.threads}; see
         * docs/observability.md). Null (the default): off.
         */
        public Builder telemetry(@Nullable TelemetryHooks telemetry) {
            this.telemetry = telemetry;
            return this;
        }

        /** How the endpoints are reached (tests: in-memory app-servers). */
        Builder link(EndpointLink link) {
            this.link = Objects.requireNonNull(link, "link");
            return this;
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

        /**
         * How long one probe may take (default 2 s); also how long the endpoints have to say where
         * a thread lives when {@link CodexPool#resumeSession} looks for it.
         */
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
