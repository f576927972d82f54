package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.EnvironmentPolicy;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The life of a tenant's codex: how it is started (the launch with the tenant's home and
 * environment, the codex defaults, the mount namespace; or a connection to a remote tenant's
 * app-server), how a second session waits for a start under way, and how it is stopped.
 * {@link TenantTable} decides when; this does it, outside the table's lock.
 */
final class TenantLauncher {
    private static final Logger LOG = SafeLogger.getLogger(TenantLauncher.class);

    private final CodexLaunch launch;
    private final Map<String, String> codexDefaults;
    private final Consumer<CodexClient.Builder> clientConfigurer;
    private final int maxThreadsPerProcess;
    private final TenantListener listener;
    private final Function<ClientOptions, CodexClient> connector;
    /** Where each tenant's running app-server is, or null: the tenants start codex themselves. */
    private final @Nullable Function<String, CodexEndpoint> remote;
    private final Map<String, String> hostEnvironment;
    private final TenantTable table;
    private @Nullable TenantHomes homes;
    private volatile @Nullable Path binary;
    private volatile @Nullable Path bwrap;
    private volatile List<Path> hidden = List.of();

    TenantLauncher(CodexLaunch launch, Map<String, String> codexDefaults, Consumer<CodexClient.Builder> clientConfigurer,
                   int maxThreadsPerProcess, TenantListener listener, Function<ClientOptions, CodexClient> connector,
                   @Nullable Function<String, CodexEndpoint> remote, Map<String, String> hostEnvironment,
                   @Nullable Path bwrap, TenantTable table) {
        this.launch = launch;
        this.codexDefaults = Map.copyOf(codexDefaults);
        this.clientConfigurer = clientConfigurer;
        this.maxThreadsPerProcess = maxThreadsPerProcess;
        this.listener = listener;
        this.connector = connector;
        this.remote = remote;
        this.hostEnvironment = hostEnvironment;
        this.bwrap = bwrap;
        this.table = table;
        this.binary = launch.binary();
    }

    /** Host paths no tenant's codex sees (real paths); set once, before any start. */
    void hidden(List<Path> paths) {
        this.hidden = List.copyOf(paths);
    }

    /** The homes (and workspaces) the namespace hides; set once the roots are made, before any start. */
    void homes(@Nullable TenantHomes homes) {
        this.homes = homes;
    }

    boolean remote() {
        return remote != null;
    }

    /** Starts the placed process (the tenant's codex, or a connection to its app-server) on the caller's thread. */
    CodexClient start(TenantProcess process, @Nullable TenantHome home) {
        long t0 = System.nanoTime();
        try {
            ClientOptions options = clientOptions(process, home);
            CodexClient client = connector.apply(options);
            ClientPlumbing.of(client).markTenant();   // its sessions' failures then give the tenants' advice
            process.ready.complete(client);
            listener.processStarted(process.tenant.id, Duration.ofNanos(System.nanoTime() - t0));
            return client;
        } catch (RuntimeException e) {
            table.failed(process);
            process.ready.completeExceptionally(e);
            throw e;
        }
    }

    /** The client of a process another session is starting, once it answers; its starter's error otherwise. */
    static CodexClient awaitStart(TenantProcess process) {
        try {
            return process.ready.join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof CodexException ce ? ce
                    : new CodexException("the tenant's codex did not start: " + cause.getMessage(), cause);
        }
    }

    /** Closes the process's client (its sessions are closed already unless it died or the tenants close). */
    void stop(TenantProcess p, TenantStop why) {
        // a process still starting (the tenants closed meanwhile) is closed by its starter, once connected
        p.ready.thenAccept(c -> {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.debug("stopping {}: {}", p.name(), e.toString());
            }
        });
        LOG.debug("{} stopped: {}", p.name(), why);
        try {
            listener.processStopped(p.tenant.id, why);
        } catch (RuntimeException e) {
            LOG.warn("tenant listener failed: {}", e.toString());
        }
    }

    private ClientOptions clientOptions(TenantProcess process, @Nullable TenantHome home) {
        if (remote != null) {
            CodexEndpoint endpoint = Objects.requireNonNull(remote.apply(process.tenant.id), "endpoint of tenant " + process.tenant.id);
            CodexClient.Builder cb = CodexClient.builder();
            clientConfigurer.accept(cb);
            return cb.endpoint(endpoint).maxThreads(maxThreadsPerProcess).options();
        }
        Objects.requireNonNull(home, "home");
        TenantHomes h = Objects.requireNonNull(homes, "homes");
        Path workspace = h.workspaceOf(home.tenantId());
        CodexLaunch.Builder lb = launch.toBuilder()
                .baseEnvironment(home.environment())
                .environmentPolicy(EnvironmentPolicy.inheritAll())
                .codexHome(home.codexHome())
                .detachFromTerminal(true)
                .name(process.name())
                // a thread given no cwd runs where codex runs: the tenant's own workspace, never a folder tenants share
                .workingDirectory(workspace);
        codexDefaults.forEach(lb::configOverride);
        // after the defaults (checked not to touch the sandbox): what keeps tenants apart
        lb.wrapper(TenantIsolation.namespace(bubblewrap(), h.root(), home.directory(), h.workspacesRoot(), workspace, hidden));
        CodexClient.Builder cb = CodexClient.builder();
        clientConfigurer.accept(cb);
        cb.process(lb.build()).maxThreads(maxThreadsPerProcess);
        return cb.options();
    }

    /** The bubblewrap tenants run under: the one given, else found on the host's PATH or beside codex. */
    private Path bubblewrap() {
        Path b = bwrap;
        if (b == null) {
            b = TenantIsolation.findBubblewrap(hostEnvironment.get("PATH"), binary());
            if (b == null) {
                throw new CodexException("no bubblewrap (bwrap) found on PATH or beside codex: each tenant's codex runs in a mount "
                        + "namespace that holds only its own folder, and without one a tenant's commands could read every other "
                        + "tenant's folder. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), give its path with "
                        + "CodexTenants.Builder.mountNamespace(path), or run each tenant's app-server elsewhere (remote(..))");
            }
            bwrap = b;
        }
        return b;
    }

    /** The codex binary tenants run: the launch's, else the located one. */
    Path binary() {
        Path b = binary;
        if (b == null) {
            b = new CodexLocator().locate(null).binary();
            binary = b;
        }
        return b;
    }
}
