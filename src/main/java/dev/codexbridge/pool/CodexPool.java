package dev.codexbridge.pool;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.Remembered;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
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
import java.util.function.Consumer;
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
 *       host needs no saved map, and a thread is never given a second writer. A thread codex
 *       replaced by a fresh one ({@link ThreadReplacement}) is remembered under its new id.</li>
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
 *   <li><b>Membership.</b> Endpoints join and leave while the pool runs ({@link #addEndpoint},
 *       {@link #removeEndpoint}): a Deployment's pods come and go. A removed endpoint takes no
 *       thread from then on, and its connection closes once no session holds a thread on it.</li>
 * </ul>
 *
 * All methods are thread-safe. Closing the pool closes its connections (and so its sessions),
 * never the app-servers.
 */
public final class CodexPool implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(CodexPool.class);

    /** The endpoints of this moment: they join and leave while the pool runs. */
    private final PoolMembers members;
    private final int maxThreadsPerEndpoint;
    private final boolean sharedCodexHome;
    private final Consumer<CodexClient.Builder> clientConfigurer;
    /** Stops the telemetry's observation of the endpoints; null when telemetry is off. */
    private final AutoCloseable observed;
    private volatile boolean closed;
    private final PoolPlacement placement;
    private final PoolSessionOpener opener;
    private final PoolResumes resumes;
    /** Where a conversation the store keeps wakes, or null without a store. */
    private final PoolWakes wakes;
    private final PoolHealth healthChecks;
    /** The host's rule for resuming threads (asked before the pool looks for one), or null. */
    private final ThreadAccess threadAccess;

    private CodexPool(Builder b) {
        this.threadAccess = b.threadAccess;
        Object placementLock = new Object();
        this.members = new PoolMembers(b.link, placementLock, () -> closed, this::retired);
        b.endpoints.values().forEach(members::add);
        this.maxThreadsPerEndpoint = b.maxThreadsPerEndpoint;
        this.sharedCodexHome = b.sharedCodexHome;
        Duration probeTimeout = b.probeTimeout;
        TelemetryHooks telemetry = b.telemetry;
        Consumer<CodexClient.Builder> configurer = b.clientConfigurer;
        this.clientConfigurer = telemetry == null ? configurer : client -> configurer.accept(client.telemetry(telemetry));
        this.observed = telemetry == null ? null : telemetry.observePool(this::health);
        this.placement = new PoolPlacement(members, sharedCodexHome, placementLock, () -> closed, b.threadsRemembered);
        ThreadFinder finder = new ThreadFinder(probeTimeout);
        ThreadLocator locator = new ThreadLocator(members, sharedCodexHome, clientConfigurer, finder);
        this.wakes = b.storage == null ? null : new PoolWakes(b.storage, placement, clientConfigurer);
        this.opener = new PoolSessionOpener(clientConfigurer, threadAccess, placement, wakes);
        this.resumes = new PoolResumes(placement, locator, opener, wakes, new LeftLoadedCopy(finder, probeTimeout, clientConfigurer),
                sharedCodexHome);
        this.healthChecks = new PoolHealth(members, b.healthInterval, probeTimeout, () -> closed);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether a thread outlives the endpoint it ran on: stored while it sleeps, or in the shared home. */
    private boolean threadsOutliveEndpoints() {
        return sharedCodexHome || wakes != null;
    }

    /** A removed endpoint's connection closed: where its threads lived is worth nothing when they outlive it. */
    private void retired(PoolNode left) {
        if (threadsOutliveEndpoints()) {
            placement.forgetAll(left);
        }
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
            PoolNode node = placement.reserve(null, false, null, refusals);
            try {
                CodexSession session = opener.open(node, configure, null, null);
                placement.remember(session.threadId(), node);
                return session;
            } catch (PoolSessionOpener.PlacementFailed e) {
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
        return resumes.resume(null, threadId, configure);
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
        return resumes.resume(caller, threadId, configure);
    }

    /**
     * Stops placing on endpoint {@code name}: no new thread goes there, and with a
     * {@linkplain Builder#storage store} no sleeping conversation wakes there, so its awake
     * conversations leave it as they next sleep ({@link EndpointState#threads()} says when none is
     * left). A thread that lives only on its disk (no store, no shared home) is still resumed there.
     *
     * @throws IllegalArgumentException when the pool has no endpoint of that name
     */
    public void drain(String name) {
        members.node(name).draining = true;
        LOG.info("endpoint {} drained: it takes no new thread", name);
    }

    /** Places on endpoint {@code name} again after {@link #drain}. */
    public void undrain(String name) {
        members.node(name).draining = false;
        LOG.info("endpoint {} takes threads again", name);
    }

    /**
     * Adds an app-server while the pool runs (a pod that came up): it is probed once before this
     * returns, and new sessions and wakes go there as soon as it answers ready. Its thread limit
     * is the pool's {@link Builder#maxThreadsPerEndpoint default}. An endpoint {@linkplain
     * #removeEndpoint removed} and added again under the same name is the same app-server to the
     * pool: a thread the pool remembers on it is resumed there again.
     *
     * @throws IllegalArgumentException when the pool has an endpoint of that name already
     * @throws PoolException when the pool is closed
     */
    public void addEndpoint(String name, CodexEndpoint endpoint) {
        addEndpoint(name, endpoint, 0);
    }

    /** {@link #addEndpoint(String, CodexEndpoint)} with its own thread limit ({@code 0}: the pool's default). */
    public void addEndpoint(String name, CodexEndpoint endpoint, int maxThreads) {
        PoolNode node = members.add(new PoolEndpoint(name, endpoint, maxThreads == 0 ? maxThreadsPerEndpoint : maxThreads));
        LOG.info("endpoint {} ({}) joined the pool", name, endpoint.uri());
        healthChecks.check(node);
    }

    /**
     * Takes endpoint {@code name} out of the pool (a pod scaled down or replaced): from now on no
     * thread is placed there, no conversation wakes there, it is not probed and {@link #endpoints}
     * does not list it. Its connection is not closed at once but once no session holds a thread
     * on it (checked at every health round): closing it would end the turns running there, while a
     * drained endpoint empties by itself, as its conversations sleep into the {@linkplain
     * Builder#storage store} and wake elsewhere, or their sessions close. The returned future
     * completes when the connection is closed. A session that never sleeps ({@code hibernateAfter}
     * unset) keeps the connection open until it closes; if the app-server goes first, its sessions
     * fail as on a lost endpoint (with a store, a conversation comes back as the store last had it).
     *
     * <p>Without a store and without a shared {@code CODEX_HOME} an endpoint's threads live only on
     * its disk: removing one that sessions hold threads on is refused (the host closes them first);
     * removing one that holds none logs a warning naming how many threads the pool placed there,
     * and resuming one of them says the endpoint was removed.
     *
     * @throws IllegalArgumentException when the pool has no endpoint of that name
     * @throws IllegalStateException when its threads live only on its disk and sessions hold some
     */
    public CompletableFuture<Void> removeEndpoint(String name) {
        PoolNode left = members.remove(name, threadsOutliveEndpoints());
        int stranded = threadsOutliveEndpoints() ? 0 : placement.threadsOn(left);
        if (stranded > 0) {
            LOG.warn("endpoint {} removed with {} thread(s) the pool placed there: they live only on its disk (no store, no shared "
                    + "CODEX_HOME) and cannot be resumed unless it joins the pool again", name, stranded);
        }
        return left.retired.copy();
    }

    /** Records that {@code threadId} lives on endpoint {@code name} (threads started outside the pool). */
    public void assign(String threadId, String name) {
        placement.remember(Objects.requireNonNull(threadId, "threadId"), name);
    }

    /** Forgets a thread's endpoint (an archived or deleted thread). */
    public void forget(String threadId) {
        placement.forget(threadId);
    }

    /**
     * The endpoint a thread lives on, if the pool knows it: placed, {@link #assign assigned} or
     * found by a {@link #resumeSession resume} in this pool. Asks no endpoint.
     */
    public Optional<String> endpointOf(String threadId) {
        return placement.endpointOf(threadId);
    }

    /** A snapshot of every endpoint of the pool now, in the order they joined (the builder's first). */
    public List<EndpointState> endpoints() {
        return members.states();
    }

    /** The endpoints as the metrics show them. */
    private List<TelemetryHooks.EndpointHealth> health() {
        List<TelemetryHooks.EndpointHealth> out = new ArrayList<>();
        for (EndpointState e : endpoints()) {
            out.add(new TelemetryHooks.EndpointHealth(e.name(), e.healthy(), e.threads()));
        }
        return out;
    }

    /** Probes every endpoint now instead of waiting for the next round (tests, operators). */
    public void checkNow() {
        healthChecks.checkAll();
    }

    /** Closes every connection (and so every session on them) and stops the health checks. */
    @Override
    public void close() {
        closed = true;
        healthChecks.stop();
        members.closeAll();
        if (observed != null) {
            try {
                observed.close();
            } catch (Exception e) {
                // the metrics' callbacks only: nothing of the pool depends on them
            }
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
        private ConversationStorage storage;
        private int threadsRemembered = Remembered.DEFAULT_MAX;

        private Builder() {
        }

        /**
         * Keep conversations in a store while they sleep (see {@link ConversationStorage}): every
         * session the pool opens gets it, a sleeping conversation wakes on the least-loaded healthy
         * endpoint, and {@link CodexPool#resumeSession} finds a stored thread in the store without
         * asking the endpoints. The endpoints need not share {@code CODEX_HOME}: an endpoint lost
         * with its disk loses none of the conversations that slept. Null (the default): off.
         */
        public Builder storage(@Nullable ConversationStorage storage) {
            this.storage = storage;
            return this;
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

        /**
         * How many threads the pool remembers the endpoint of (default 100,000), the least recently
         * used forgotten first: a resume of a thread forgotten asks the endpoints where it is, as
         * after a restart ({@link CodexPool#resumeSession}).
         */
        public Builder threadsRemembered(int threads) {
            this.threadsRemembered = Remembered.check(threads, "threadsRemembered");
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
