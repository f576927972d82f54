package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ClientPlacement;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadOperation;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Sessions keyed by tenant (a user, an organisation): each tenant gets its own owner-only
 * {@code CODEX_HOME} and its own codex app-server process(es), started on demand, shared by the
 * tenant's sessions and stopped when idle.
 *
 * <pre>{@code
 * try (CodexTenants tenants = CodexTenants.builder()
 *         .homesRoot(Path.of("/var/lib/my-host/tenants"))
 *         .homeSetup(TenantHomeSetup.configToml(template).andThen(TenantHomeSetup.apiKeyLogin(keys::of)))
 *         .maxProcesses(40)
 *         .idleTimeout(Duration.ofMinutes(10))
 *         .build()) {
 *     CodexSession s = tenants.newSession("alice", b -> b.cwd(workspace));
 *     s.runTurn(TurnInput.text("hello"));
 *     String thread = s.threadId();
 *     s.close();                                   // alice's codex stops after 10 idle minutes
 *     CodexSession again = tenants.resumeSession("alice", thread, b -> b.cwd(workspace));
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Homes.</b> {@code <homesRoot>/<tenant>/} (mode 0700) holds {@code codex-home/}, the
 *       tenant's {@code CODEX_HOME}, and {@code home/}, the {@code HOME} its codex and commands get;
 *       the {@link TenantHomeSetup} prepares it once, before the tenant's first codex starts.</li>
 *   <li><b>Environment.</b> A tenant's codex gets no variable of this process but the
 *       {@link Builder#inheritEnvironment allow-listed} ones ({@link #INHERITED_BY_DEFAULT}), plus
 *       the launch's explicit variables and what {@link Builder#tenantEnvironment} gives for that
 *       tenant (its API key, say).</li>
 *   <li><b>Processes.</b> A session goes to one of its tenant's processes that has room
 *       ({@link Builder#maxThreadsPerProcess}); a new process is started when none has, up to
 *       {@link Builder#maxProcessesPerTenant} per tenant and {@link Builder#maxProcesses} in all. At
 *       the cap the least recently used idle process (of any tenant) is stopped to make room; when
 *       none is idle the session is refused at once with a {@link TenantCapacityException}.</li>
 *   <li><b>Idle processes.</b> A process no session is open on for {@link Builder#idleTimeout} is
 *       stopped; the tenant's next session starts one again, and {@link #resumeSession} reloads a
 *       thread with its history from the tenant's home. A session the host keeps open keeps its
 *       process: close sessions between conversations and resume them by thread id.</li>
 *   <li><b>Rate limits.</b> One {@link RateLimitGovernor} per tenant ({@link Builder#rateLimits}),
 *       given to every session of the tenant and kept across its processes.</li>
 * </ul>
 *
 * <p>Isolation between tenants comes from separate processes and homes, and from a mount namespace
 * per tenant's codex (bubblewrap: the homes root holds the tenant's own folder only), so nothing a
 * tenant's codex runs, sandboxed or not, finds another tenant's files; a tenant's app-server lists,
 * reads and resumes only the threads in its own home, and a thread id another tenant started is
 * refused ({@link Builder#threadAccess}). Decision 0030, docs/tenants.md ("What isolation means").
 *
 * <p>All methods are thread-safe. The library adds no thread per tenant: the idle sweep runs on the
 * library's timer and stopping codex on its pool for waits (decision 0021).
 */
public final class CodexTenants implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(CodexTenants.class);

    /**
     * The variables of this process a tenant's codex inherits by default: what commands need to
     * run (the search path, the locale, the time zone, the temporary folder) and nothing that names
     * a user's files or secrets. {@code HOME} is the tenant's own folder, never the host's.
     */
    public static final Set<String> INHERITED_BY_DEFAULT =
            Set.of("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TMPDIR", "TERM");

    /**
     * The codex settings every tenant process gets by default, as {@code -c} overrides (they win
     * over the tenant's {@code config.toml}): the shell snapshot, plugins and apps off. With codex
     * 0.169.0's defaults each {@code thread/start} leaves login shells running (about 2 per thread)
     * and takes 16–47 ms against 6–7 ms with the three off (docs/performance.md, "Tenants").
     * {@link Builder#codexDefaults} replaces them.
     */
    public static final Map<String, String> RECOMMENDED_DEFAULTS =
            Map.of("features.shell_snapshot", "false", "features.plugins", "false", "features.apps", "false");

    /** What a refusal by the tenants' own scoping names (no host rule involved). */
    static final String OWN_TENANT_SCOPING = "the tenants' own scoping: another tenant started this thread";

    private final TenantHomes homes;
    private final TenantLauncher launcher;
    private final TenantTable table;
    private final TenantListener listener;
    private final Function<String, RateLimitGovernor> rateLimits;
    private final Map<String, TenantState> tenants = new ConcurrentHashMap<>();
    /** The tenant each thread started here belongs to: another tenant may not use its id (the default rule). */
    private final Map<String, String> startedBy = new ConcurrentHashMap<>();
    /** The tenants' own rule and the host's, asked with the tenant id as the caller. */
    private final ThreadAccess access;
    private final ScheduledFuture<?> sweeper;
    private volatile boolean closed;

    private CodexTenants(Builder b) {
        Map<String, String> hostEnvironment = b.hostEnvironment == null ? System.getenv() : Map.copyOf(b.hostEnvironment);
        ThreadAccess ownTenant = new ThreadAccess() {
            @Override
            public boolean allows(String caller, String thread, ThreadOperation operation) {
                String owner = startedBy.get(thread);
                return owner == null || owner.equals(caller);
            }

            @Override
            public String refusal(String caller, String thread, ThreadOperation operation) {
                return allows(caller, thread, operation) ? null : OWN_TENANT_SCOPING;
            }
        };
        this.access = b.threadAccess == null ? ownTenant : ownTenant.and(b.threadAccess);
        this.rateLimits = b.rateLimits;
        this.listener = b.listener;
        this.table = new TenantTable(b.maxProcesses, b.maxProcessesPerTenant, b.maxThreadsPerProcess, b.maxThreadsPerTenant,
                b.idleTimeout, b.retryAfter, System::nanoTime);
        this.launcher = new TenantLauncher(b.launch, b.codexDefaults, b.clientConfigurer, b.maxThreadsPerProcess, b.listener,
                b.connector, b.remote, hostEnvironment, b.bwrap, table);
        this.launcher.hidden(b.hidden);
        Path root = b.homesRoot == null ? null : b.homesRoot.toAbsolutePath().normalize();
        Path workspaces = b.workspacesRoot == null ? null : b.workspacesRoot.toAbsolutePath().normalize();
        if (b.remote == null) {
            root = preparedRoot(root, hostEnvironment, "homes root");   // the namespace names real paths
            workspaces = workspaces == null ? null : preparedRoot(workspaces, hostEnvironment, "workspaces root");
            if (workspaces != null && (workspaces.startsWith(root) || root.startsWith(workspaces))) {
                throw new IllegalStateException("the tenants' workspaces root " + workspaces + " and homes root " + root
                        + " overlap: give two separate folders (or no workspaces root: each tenant's workspace is then in its folder)");
            }
            for (Path h : b.hidden) {
                if (root.startsWith(h) || (workspaces != null && workspaces.startsWith(h))) {
                    throw new IllegalStateException("the hidden path " + h + " holds the tenants' " + (root.startsWith(h) ? "homes root "
                            + root : "workspaces root " + workspaces) + ": a tenant would find its own folder empty; hide a narrower path");
                }
            }
        }
        this.homes = root == null ? null : new TenantHomes(root, workspaces, b.homeSetup, b.inherited, hostEnvironment,
                b.launch.environment(), b.tenantEnvironment, b.listener, launcher::binary);
        launcher.homes(homes);
        if (homes != null) {
            homes.template(b.template);
        }
        long every = Math.max(50, Math.min(b.idleTimeout.toMillis() / 4, 5_000));
        this.sweeper = RpcThreads.timer().scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    private static Path preparedRoot(Path root, Map<String, String> hostEnvironment, String what) {
        try {
            TenantFolders.prepareRoot(root, hostEnvironment).forEach(w -> LOG.warn("{}", w));
            return root.toRealPath();
        } catch (IOException e) {
            throw new CodexException("cannot create the tenants' " + what + " " + root + ": " + e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A new thread for {@code tenantId} on one of its processes (started when needed):
     * {@code configure} sets the session up as on {@link CodexSession#builder()} (thread options,
     * approvals, limits); the tenants add the tenant's client and rate-limit governor, replacing
     * any given there. The session is started, so {@link CodexSession#threadId()} is known on
     * return; closing it gives its place back.
     *
     * @throws TenantCapacityException when a cap refuses, at once
     * @throws CodexException when the tenant's home cannot be prepared or its codex not started
     */
    public CodexSession newSession(String tenantId, Consumer<CodexSession.Builder> configure) {
        return open(tenantId, null, configure);
    }

    /**
     * Resumes the tenant's thread {@code threadId} with its history: on the process it was last
     * opened on while that one runs and has room, else on any of the tenant's processes, a stopped
     * tenant's codex being started again. A thread id of another tenant is not found in this
     * tenant's home, and codex refuses it.
     *
     * @throws TenantCapacityException when a cap refuses, at once
     * @throws CodexException when codex cannot resume the thread (unknown to this tenant included)
     */
    public CodexSession resumeSession(String tenantId, String threadId, Consumer<CodexSession.Builder> configure) {
        return open(tenantId, Objects.requireNonNull(threadId, "threadId"), configure);
    }

    /** The tenants' shares now, one entry per tenant seen since the start (idle ones with 0 processes). */
    public List<TenantUsage> usage() {
        List<TenantUsage> out = new ArrayList<>();
        for (TenantState t : tenants.values()) {
            out.add(table.usage(t));
        }
        return out;
    }

    /** One tenant's share now. */
    public TenantUsage usage(String tenantId) {
        TenantState t = tenants.get(tenantId);
        return t == null ? new TenantUsage(tenantId, 0, 0) : table.usage(t);
    }

    /** How many codex processes run (or start) now, all tenants together. */
    public int processes() {
        return table.processes();
    }

    /** The tenant's folder under the homes root (whether or not it exists yet); throws for remote tenants, which have none here. */
    public Path tenantDirectory(String tenantId) {
        if (homes == null) {
            throw new IllegalStateException("remote tenants have no folder here: their homes are the app-servers' volumes");
        }
        return homes.directoryOf(tenantId);
    }

    /**
     * The tenant's workspace, created owner-only when missing: {@code <workspacesRoot>/<tenant>}
     * when the builder named a {@link Builder#workspacesRoot workspaces root}, else
     * {@code <homesRoot>/<tenant>/workspace}. A session's thread runs there unless its options name
     * a folder inside it; no other tenant's codex can see it (decision 0038). Throws for remote
     * tenants, whose workspaces are their app-servers'.
     *
     * @throws IllegalArgumentException for an id no tenant can have ({@link TenantPaths#folderName})
     */
    public Path workspace(String tenantId) {
        if (homes == null || launcher.remote()) {
            throw new IllegalStateException("remote tenants have no workspace here: their workspaces are the app-servers'");
        }
        TenantPaths.check(tenantId);
        return homes.createWorkspace(tenantId);
    }

    /** Stops every tenant's codex (their sessions end) and the idle sweep; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sweeper.cancel(false);
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (TenantProcess p : table.closeAll()) {
            stops.add(CompletableFuture.runAsync(() -> launcher.stop(p, TenantStop.CLOSED), RpcThreads.waits()));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        for (TenantState t : tenants.values()) {
            if (t.governor != null) {
                t.governor.close();
            }
        }
    }

    // ---------------------------------------------------------------- opening

    private CodexSession open(String tenantId, String threadId, Consumer<CodexSession.Builder> configure) {
        Objects.requireNonNull(configure, "configure");
        if (closed) {
            throw new IllegalStateException("the tenants are closed");
        }
        if (threadId != null) {
            ThreadAccess.require(access, tenantId, threadId, ThreadOperation.RESUME);   // before anything is read or started
        }
        TenantPaths.check(tenantId);
        TenantState tenant = tenants.computeIfAbsent(tenantId,
                id -> new TenantState(id, TenantHomes.folderName(id), rateLimits == null ? null : rateLimits.apply(id)));
        TenantHome home = launcher.remote() ? null : homes.prepared(tenant);
        Started started = started(tenant, home, threadId);
        TenantProcess process = started.process();
        try {
            CodexClient client = started.client();
            CodexSession.Builder b = CodexSession.builder();
            if (!launcher.remote()) {
                // the starting options, not an adjustment: configure may name a folder inside the workspace, and
                // options it replaces wholesale are checked below as given, never silently re-pointed
                b.replaceThreadOptions(ThreadOptions.in(homes.workspaceOf(tenantId)));
            }
            configure.accept(b);
            // a session that slept while its tenant's codex was stopped (idle, evicted) or died wakes on the
            // tenant's process as placed then, started again if need be, within the caps (decision 0040)
            b.client(client).placement(id -> placedAgain(tenant, home, id)).rateLimits(tenant.governor).threadAccess(access, tenantId);
            if (!launcher.remote()) {
                b.turnOptionsCheck(options -> TenantIsolation.checkTurn(tenantId, options));
            }
            if (threadId != null) {
                b.resumeThread(threadId);
            }
            CodexSession session = b.build();
            try {
                if (!launcher.remote()) {
                    TenantIsolation.checkThread(tenantId, session.threadOptions(), homes.root(), home.directory(),
                            homes.workspaceOf(tenantId));
                }
                session.start();
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
            tenant.threadPlaces.put(session.threadId(), process);
            if (threadId == null) {
                startedBy.put(session.threadId(), tenantId);
            }
            return session;
        } finally {
            table.release(process);
        }
    }

    /** A process placed for a session of the tenant and its client, started or awaited; its reservation is held until released. */
    private record Started(TenantProcess process, CodexClient client) {
    }

    /**
     * Places a session of {@code tenant} (on the process holding {@code threadId} when there is
     * one) and returns the process with its client, starting codex when the placement says so. The
     * placement's reservation stays until {@link TenantTable#release}; on failure it is given back.
     */
    private Started started(TenantState tenant, TenantHome home, String threadId) {
        TenantTable.Placement placement;
        try {
            placement = table.place(tenant, threadId == null ? null : tenant.threadPlaces.get(threadId));
        } catch (TenantCapacityException e) {
            listener.refused(e);
            throw e;
        }
        for (TenantTable.Removal r : placement.removed()) {
            RpcThreads.waits().execute(() -> launcher.stop(r.process(), r.why()));
        }
        TenantProcess process = placement.process();
        try {
            if (!placement.start()) {
                return new Started(process, TenantLauncher.awaitStart(process));
            }
            if (home != null) {
                try {
                    homes.applyTemplate(home);   // a changed template reaches the tenant on this start
                } catch (RuntimeException e) {
                    table.failed(process);
                    process.ready.completeExceptionally(e);
                    throw e;
                }
            }
            return new Started(process, launcher.start(process, home));
        } catch (RuntimeException e) {
            table.release(process);
            throw e;
        }
    }

    /** A sleeping session's thread placed again after its tenant's process was stopped or died. */
    private ClientPlacement.Placed placedAgain(TenantState tenant, TenantHome home, String threadId) {
        if (closed) {
            throw new IllegalStateException("the tenants are closed");
        }
        Started started = started(tenant, home, threadId);
        if (threadId != null) {
            tenant.threadPlaces.put(threadId, started.process());
        }
        return new ClientPlacement.Placed(started.client(), () -> table.release(started.process()));
    }

    /** The tenant's folder name under the homes root (see {@link TenantHomes#folderName}). */
    static String folderName(String tenantId) {
        return TenantHomes.folderName(tenantId);
    }

    // ---------------------------------------------------------------- stopping

    private void sweep() {
        try {
            for (TenantTable.Removal r : table.sweep()) {
                RpcThreads.waits().execute(() -> launcher.stop(r.process(), r.why()));
            }
        } catch (RuntimeException e) {
            LOG.warn("tenant idle sweep failed: {}", e.toString());
        }
    }

    /**
     * The single entry point for configuring {@link CodexTenants}. Only {@link #homesRoot} (or {@link #remote}) is
     * required; the defaults suit a host with a few dozen active tenants.
     */
    public static final class Builder {
        private Path homesRoot;
        private Path workspacesRoot;
        private Function<String, String> template;
        private CodexLaunch launch = CodexLaunch.appServer().build();
        private TenantHomeSetup homeSetup = TenantHomeSetup.none();
        private final Set<String> inherited = new LinkedHashSet<>(INHERITED_BY_DEFAULT);
        private final List<Path> hidden = new ArrayList<>();
        private Map<String, String> hostEnvironment;
        private Function<String, Map<String, String>> tenantEnvironment = id -> Map.of();
        private final Map<String, String> codexDefaults = new LinkedHashMap<>(RECOMMENDED_DEFAULTS);
        private Path bwrap;
        private Function<String, RateLimitGovernor> rateLimits;
        private Consumer<CodexClient.Builder> clientConfigurer = c -> { };
        private int maxProcesses = 16;
        private int maxProcessesPerTenant = 1;
        private int maxThreadsPerProcess = 100;
        private Integer maxThreadsPerTenant;
        private Duration idleTimeout = Duration.ofMinutes(5);
        private Duration retryAfter = Duration.ofSeconds(5);
        private TenantListener listener = new TenantListener() { };
        private Function<String, CodexEndpoint> remote;
        private ThreadAccess threadAccess;
        Function<ClientOptions, CodexClient> connector = CodexClient::connect;

        private Builder() {
        }

        /** The folder that holds one folder per tenant (created owner-only when missing). Required unless {@link #remote}. */
        public Builder homesRoot(Path root) {
            this.homesRoot = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * The host's folder holding one workspace per tenant, {@code <root>/<tenant>} (created
         * owner-only; the root like the homes root: not under {@code /tmp}, not writable by others,
         * no links followed, and apart from the homes root). In each tenant's codex the root holds
         * the tenant's own workspace only. Default: none, each tenant's workspace is
         * {@code workspace/} in its own folder under the homes root. Either way a tenant's thread
         * runs in its workspace ({@link CodexTenants#workspace}), and a working directory outside it
         * (and outside the tenant's {@code home/}) is refused: a folder elsewhere would be visible
         * to the other tenants' commands.
         */
        public Builder workspacesRoot(Path root) {
            this.workspacesRoot = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * The tenants' template: TOML (model, provider, MCP servers, permissions) the library writes
         * into a marked block of each tenant's {@code config.toml} before every start of the
         * tenant's codex, so a changed template reaches existing tenants on their codex's next start
         * (a running codex keeps what it read; it is stopped when idle). Outside the block the file
         * is the tenant's and stays byte for byte (a migrator's managed block included); the file is
         * replaced atomically, and not written when the block is unchanged. Keys the template sets
         * must not also be set outside the block (codex refuses duplicate keys): move what the host
         * manages from a {@link TenantHomeSetup#configToml} setup here.
         */
        public Builder template(String toml) {
            Objects.requireNonNull(toml, "toml");
            return template(tenant -> toml);
        }

        /** The tenants' template per tenant ({@link #template(String)}), asked before each start of the tenant's codex. */
        public Builder template(Function<String, String> tomlOfTenant) {
            this.template = Objects.requireNonNull(tomlOfTenant, "tomlOfTenant");
            return this;
        }

        /**
         * How codex is started (default: the located codex's {@code app-server}): the binary, extra
         * arguments, explicit variables given to every tenant, grace periods. Its {@code CODEX_HOME},
         * base environment, environment policy and working directory (the tenant's workspace) are
         * replaced by the tenant's.
         */
        public Builder launch(CodexLaunch launch) {
            this.launch = Objects.requireNonNull(launch, "launch");
            return this;
        }

        /**
         * Tenants whose app-servers run elsewhere ({@code codex app-server --listen}, one per tenant
         * with its own volume for {@code CODEX_HOME}, docs/deploy/): each "process" is then a
         * connection to {@code endpointOfTenant.apply(tenant)}, opened on demand and closed when idle
         * (the app-server keeps running), under the same caps, placement and governors. The homes
         * root, the home setup, the environment and the codex defaults belong to the remote
         * app-server's own launch and are not used.
         */
        public Builder remote(Function<String, CodexEndpoint> endpointOfTenant) {
            this.remote = Objects.requireNonNull(endpointOfTenant, "endpointOfTenant");
            return this;
        }

        /** Prepares each tenant's home once (default {@link TenantHomeSetup#none()}). */
        public Builder homeSetup(TenantHomeSetup setup) {
            this.homeSetup = Objects.requireNonNull(setup, "setup");
            return this;
        }

        /** Also lets these variables of this process through to every tenant's codex. */
        public Builder inheritEnvironment(Collection<String> names) {
            names.forEach(n -> inherited.add(Objects.requireNonNull(n, "name")));
            return this;
        }

        /** Replaces the allow-list of inherited variables (default {@link #INHERITED_BY_DEFAULT}); empty for none. */
        public Builder inheritOnly(Collection<String> names) {
            inherited.clear();
            return inheritEnvironment(names);
        }

        /** Variables for one tenant's codex only (its API key, its proxy), asked once per tenant; null or empty for none. */
        public Builder tenantEnvironment(Function<String, @Nullable Map<String, String>> variablesOfTenant) {
            this.tenantEnvironment = Objects.requireNonNull(variablesOfTenant, "variablesOfTenant");
            return this;
        }

        /** The environment the allow-list picks from, in place of this process's (tests, a clean service environment). */
        public Builder hostEnvironment(Map<String, String> environment) {
            this.hostEnvironment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * Replaces the codex settings every tenant process gets as {@code -c key=value} overrides
         * (default {@link #RECOMMENDED_DEFAULTS}); values are TOML. An empty map keeps codex's own
         * defaults and whatever the tenant's {@code config.toml} says.
         */
        public Builder codexDefaults(Map<String, String> overrides) {
            codexDefaults.clear();
            codexDefaults.putAll(overrides);
            return this;
        }

        /**
         * Runs every tenant's codex under this bubblewrap ({@code bwrap}), in a mount namespace where
         * the homes root holds the tenant's own folder only (decision 0030). Default: {@code bwrap}
         * on the host's {@code PATH}, else the one codex's package bundles; a tenant's codex does not
         * start without one.
         */
        public Builder mountNamespace(Path bubblewrap) {
            this.bwrap = Objects.requireNonNull(bubblewrap, "bubblewrap");
            return this;
        }

        /**
         * Host paths that no tenant's codex, nor any command it runs, can read: in each tenant's
         * namespace a folder here is empty and a file is an empty read-only file. For what the host
         * keeps outside the homes root that callers must not reach — its callers' tokens file, a
         * JWT secret, its own {@code CODEX_HOME} (the host's credentials), its configuration. Links
         * are resolved when the tenants are built; a path that does not exist then is left out.
         * Must not hold the homes or workspaces root, nor codex's binary.
         */
        public Builder hide(Collection<Path> paths) {
            for (Path p : paths) {
                Path abs = Objects.requireNonNull(p, "path").toAbsolutePath().normalize();
                try {
                    hidden.add(Files.exists(abs) ? abs.toRealPath() : abs);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("cannot resolve " + abs + " to hide it: " + e.getMessage(), e);
                }
            }
            return this;
        }

        /**
         * The host's rule for resuming, reading, following and answering threads, asked with the
         * tenant id as the caller, after the tenants' own: a thread started through these tenants
         * belongs to its tenant, and no other tenant may use its id. (A local tenant's codex cannot
         * open another's thread anyway, its home not holding it; the rule matters for remote tenants
         * that share an app-server, and after a restart, when the library no longer knows who started
         * a thread: {@link ThreadAccess}.)
         */
        public Builder threadAccess(ThreadAccess rule) {
            this.threadAccess = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * The rate-limit governor of each tenant, made once per tenant the first time it gets a
         * session and closed with the tenants (limits belong to the tenant's account). Default:
         * none, a rate-limited turn fails on its first attempt.
         */
        public Builder rateLimits(Function<String, RateLimitGovernor> governorOfTenant) {
            this.rateLimits = governorOfTenant;
            return this;
        }

        /**
         * Further settings of every tenant's client: telemetry, request timeout, reconnect policy,
         * the fallback for server requests. How codex is started and {@code maxThreads} are the
         * tenants' and are set after this.
         */
        public Builder client(Consumer<CodexClient.Builder> configurer) {
            this.clientConfigurer = Objects.requireNonNull(configurer, "configurer");
            return this;
        }

        /** The most codex processes of all tenants together (default 16). */
        public Builder maxProcesses(int processes) {
            this.maxProcesses = atLeastOne(processes, "maxProcesses");
            return this;
        }

        /**
         * The most processes one tenant may run (default 1). Must be below {@link #maxProcesses}
         * when that is 2 or more, so no tenant can take every process.
         */
        public Builder maxProcessesPerTenant(int processes) {
            this.maxProcessesPerTenant = atLeastOne(processes, "maxProcessesPerTenant");
            return this;
        }

        /** The most sessions (threads) one codex process serves (default 100). */
        public Builder maxThreadsPerProcess(int threads) {
            this.maxThreadsPerProcess = atLeastOne(threads, "maxThreadsPerProcess");
            return this;
        }

        /** The most sessions one tenant has open at once (default: per process times per tenant). */
        public Builder maxThreadsPerTenant(int threads) {
            this.maxThreadsPerTenant = atLeastOne(threads, "maxThreadsPerTenant");
            return this;
        }

        /** How long a process serves no session before it is stopped (default 5 minutes). */
        public Builder idleTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive");
            }
            this.idleTimeout = timeout;
            return this;
        }

        /** The retry hint a {@link TenantCapacityException} carries (default 5 s). */
        public Builder retryAfter(Duration hint) {
            if (hint == null || hint.isNegative()) {
                throw new IllegalArgumentException("retryAfter must not be negative");
            }
            this.retryAfter = hint;
            return this;
        }

        /** Told of processes started and stopped, homes prepared and sessions refused (metrics, logs). */
        public Builder listener(TenantListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Creates the homes root and starts the idle sweep; no codex starts before a session asks.
         * Throws {@link IllegalStateException} without a homes root or when one tenant could take
         * every process.
         */
        public CodexTenants build() {
            if (homesRoot == null && remote == null) {
                throw new IllegalStateException("homesRoot is required: the folder holding one CODEX_HOME per tenant "
                        + "(or remote(..) for tenants whose app-servers run elsewhere)");
            }
            if (maxProcesses >= 2 && maxProcessesPerTenant >= maxProcesses) {
                throw new IllegalStateException("maxProcessesPerTenant (" + maxProcessesPerTenant + ") must be below maxProcesses ("
                        + maxProcesses + "), so that no tenant can take every process");
            }
            if (maxProcessesPerTenant > maxProcesses) {
                throw new IllegalStateException("maxProcessesPerTenant (" + maxProcessesPerTenant + ") exceeds maxProcesses ("
                        + maxProcesses + ")");
            }
            if (remote == null) {
                TenantIsolation.checkDefaults(codexDefaults);
            }
            if (maxThreadsPerTenant == null) {
                maxThreadsPerTenant = (int) Math.min(Integer.MAX_VALUE, (long) maxThreadsPerProcess * maxProcessesPerTenant);
            }
            return new CodexTenants(this);
        }

        private static int atLeastOne(int n, String what) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be at least 1");
            }
            return n;
        }
    }
}
