package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * What the tenants' codex processes and sessions are configured with: the choices made on
 * {@link CodexTenants.Builder} (see there for each), checked when the builder builds them. The
 * collections are the builder's; the classes that keep them copy them.
 *
 * @param hostEnvironment the environment the allow-list picks from; null: this process's
 * @param connector       how a tenant's client is opened from its options (tests: in-memory app-servers)
 */
record TenantSettings(@Nullable Path homesRoot, @Nullable Path workspacesRoot, @Nullable Function<String, String> template,
                      CodexLaunch launch, TenantHomeSetup homeSetup, Set<String> inherited, List<Path> hidden,
                      @Nullable Map<String, String> hostEnvironment, Function<String, Map<String, String>> tenantEnvironment,
                      Map<String, String> codexDefaults, @Nullable Path bwrap, @Nullable Function<String, RateLimitGovernor> rateLimits,
                      Consumer<CodexClient.Builder> clientConfigurer, int maxProcesses, int maxProcessesPerTenant,
                      int maxThreadsPerProcess, int maxThreadsPerTenant, Duration idleTimeout, Duration retryAfter,
                      TenantListener listener, @Nullable Function<String, CodexEndpoint> remote, @Nullable ThreadAccess threadAccess,
                      @Nullable ConversationStorage storage, Function<ClientOptions, CodexClient> connector, int threadsRemembered) {
    private static final Logger LOG = SafeLogger.getLogger(CodexTenants.class);

    /**
     * Throws {@link IllegalStateException} without a homes root (unless remote) or when one tenant
     * could take every process, and for codex defaults that would loosen a local tenant's isolation.
     */
    TenantSettings {
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
    }

    /** The environment a tenant's allow-list picks from: the one given, else this process's. */
    Map<String, String> environmentOfHost() {
        return hostEnvironment == null ? System.getenv() : Map.copyOf(hostEnvironment);
    }

    /**
     * The homes root and the workspaces root (null: none), absolute. Local tenants' roots are
     * created owner-only when missing and resolved to their real paths (the mount namespace names
     * real paths), and must neither overlap nor lie under a hidden path.
     *
     * @return the roots; {@code homes} null only for remote tenants given no homes root
     */
    Roots roots(Map<String, String> hostEnvironment) {
        Path root = homesRoot == null ? null : homesRoot.toAbsolutePath().normalize();
        Path workspaces = workspacesRoot == null ? null : workspacesRoot.toAbsolutePath().normalize();
        if (remote == null) {
            root = preparedRoot(root, TenantFolders.Root.HOMES, hostEnvironment);   // the namespace names real paths
            workspaces = workspaces == null ? null : preparedRoot(workspaces, TenantFolders.Root.WORKSPACES, hostEnvironment);
            if (workspaces != null && (workspaces.startsWith(root) || root.startsWith(workspaces))) {
                throw new IllegalStateException("the tenants' workspaces root " + workspaces + " and homes root " + root
                        + " overlap: give two separate folders (or no workspaces root: each tenant's workspace is then in its folder)");
            }
            for (Path h : hidden) {
                if (root.startsWith(h) || (workspaces != null && workspaces.startsWith(h))) {
                    throw new IllegalStateException("the hidden path " + h + " holds the tenants' " + (root.startsWith(h) ? "homes root "
                            + root : "workspaces root " + workspaces) + ": a tenant would find its own folder empty; hide a narrower path");
                }
            }
        }
        return new Roots(root, workspaces);
    }

    /** The tenants' homes root and workspaces root, as {@link #roots} resolved them. */
    record Roots(@Nullable Path homes, @Nullable Path workspaces) {
    }

    private static Path preparedRoot(Path root, TenantFolders.Root which, Map<String, String> hostEnvironment) {
        try {
            TenantFolders.prepareRoot(root, which, hostEnvironment).forEach(w -> LOG.warn("{}", w));
            return root.toRealPath();
        } catch (IOException e) {
            throw new CodexException("cannot create " + which.named(root) + ": " + e.getMessage(), e);
        }
    }
}
