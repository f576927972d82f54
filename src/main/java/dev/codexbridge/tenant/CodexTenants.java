package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.Remembered;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.transport.CodexEndpoint;
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
import java.util.function.Consumer;
import java.util.function.Function;
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

    private final TenantLifecycle lifecycle;

    private CodexTenants(TenantSettings settings) {
        this.lifecycle = new TenantLifecycle(settings);
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
        return lifecycle.open(tenantId, null, configure);
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
        return lifecycle.open(tenantId, Objects.requireNonNull(threadId, "threadId"), configure);
    }

    /** The tenants' shares now, one entry per tenant seen since the start (idle ones with 0 processes). */
    public List<TenantUsage> usage() {
        return lifecycle.usage();
    }

    /** What the tenants remember per thread (for tests): with a store, nothing once a thread's turn is stored. */
    int threadsRemembered() {
        return lifecycle.threadsRemembered();
    }

    /** One tenant's share now. */
    public TenantUsage usage(String tenantId) {
        return lifecycle.usage(tenantId);
    }

    /** How many codex processes run (or start) now, all tenants together. */
    public int processes() {
        return lifecycle.processes();
    }

    /** The tenant's folder under the homes root (whether or not it exists yet); throws for remote tenants, which have none here. */
    public Path tenantDirectory(String tenantId) {
        TenantHomes homes = lifecycle.homes();
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
        TenantHomes homes = lifecycle.homes();
        if (homes == null || lifecycle.remote()) {
            throw new IllegalStateException("remote tenants have no workspace here: their workspaces are the app-servers'");
        }
        TenantPaths.check(tenantId);
        return homes.createWorkspace(tenantId);
    }

    /** Stops every tenant's codex (their sessions end) and the idle sweep; idempotent. */
    @Override
    public void close() {
        lifecycle.close();
    }

    /** The tenant's folder name under the homes root (see {@link TenantHomes#folderName}). */
    static String folderName(String tenantId) {
        return TenantHomes.folderName(tenantId);
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
        private int threadsRemembered = Remembered.DEFAULT_MAX;
        private ThreadAccess threadAccess;
        private @Nullable ConversationStorage storage;
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
         * Keep every tenant's conversations in a store (docs/store.md, "Sessions that sleep into the
         * store"): a session that sleeps or closes stores its conversation and lets go of it in the
         * tenant's home; {@link CodexTenants#resumeSession} of a conversation the store holds wakes it
         * on one of the tenant's processes, here or on another host sharing the store, so a tenant's
         * home lost with its machine loses none of its conversations. Each conversation is stored as
         * its tenant's ({@code ConversationOwner(tenant, tenant)}) unless the session's own
         * {@code storageOwner} names someone (a gateway names the principal); a wake whose stored
         * owner is another is refused. Null (the default): the tenants' homes keep them.
         */
        public Builder storage(@Nullable ConversationStorage storage) {
            this.storage = storage;
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

        /**
         * How many threads the tenants remember, each kind in all tenants together (default
         * 100,000): which tenant started each thread, for the tenants' own scoping (with a store, only
         * until a turn of it is stored), and the process each was last opened on, a hint for where a
         * resume goes. Past it the least recently used is forgotten: its next resume goes where the
         * placement puts it, and another tenant's resume of it finds no such thread in its own home
         * (remote tenants that share an app-server: the host's {@link #threadAccess} rule decides,
         * as after a restart). About 200 bytes a thread.
         */
        public Builder threadsRemembered(int threads) {
            this.threadsRemembered = atLeastOne(threads, "threadsRemembered");
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
            int threadsPerTenant = maxThreadsPerTenant != null ? maxThreadsPerTenant
                    : (int) Math.min(Integer.MAX_VALUE, (long) maxThreadsPerProcess * maxProcessesPerTenant);
            return new CodexTenants(new TenantSettings(homesRoot, workspacesRoot, template, launch, homeSetup, inherited, hidden,
                    hostEnvironment, tenantEnvironment, codexDefaults, bwrap, rateLimits, clientConfigurer, maxProcesses,
                    maxProcessesPerTenant, maxThreadsPerProcess, threadsPerTenant, idleTimeout, retryAfter, listener, remote,
                    threadAccess, storage, connector, threadsRemembered));
        }

        private static int atLeastOne(int n, String what) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be at least 1");
            }
            return n;
        }
    }
}
