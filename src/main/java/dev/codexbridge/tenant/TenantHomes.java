package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The tenants' folders under the homes root and what a tenant's codex runs with: each tenant's
 * folder name, its home prepared once (owner-only folders, the host's {@link TenantHomeSetup}, the
 * mark), and the environment built from nothing but the allow-list, the launch's explicit variables
 * and the tenant's own.
 */
final class TenantHomes {
    private final Path homesRoot;
    /** The host's folder holding one workspace per tenant, or null: each tenant's workspace is in its folder. */
    private final @Nullable Path workspacesRoot;
    private final TenantHomeSetup homeSetup;
    private final Set<String> inherited;
    private final Map<String, String> hostEnvironment;
    private final Map<String, String> launchEnvironment;
    private final Function<String, Map<String, String>> tenantEnvironment;
    private final TenantListener listener;
    private final Supplier<Path> binary;
    /** The tenants' template of each tenant's config.toml, rewritten before each start of its codex; null for none. */
    private @Nullable Function<String, String> template;

    TenantHomes(Path homesRoot, @Nullable Path workspacesRoot, TenantHomeSetup homeSetup, Set<String> inherited, Map<String, String> hostEnvironment,
                Map<String, String> launchEnvironment, Function<String, Map<String, String>> tenantEnvironment,
                TenantListener listener, Supplier<Path> binary) {
        this.homesRoot = homesRoot;
        this.workspacesRoot = workspacesRoot;
        this.homeSetup = homeSetup;
        this.inherited = Set.copyOf(inherited);
        this.hostEnvironment = hostEnvironment;
        this.launchEnvironment = Map.copyOf(launchEnvironment);
        this.tenantEnvironment = tenantEnvironment;
        this.listener = listener;
        this.binary = binary;
    }

    /** The real path of the root holding one folder per tenant. */
    Path root() {
        return homesRoot;
    }

    /** The tenant's folder under the root, whether or not it exists yet. */
    Path directoryOf(String tenantId) {
        return homesRoot.resolve(folderName(tenantId));
    }

    /** Sets the tenants' template (before any start). */
    void template(@Nullable Function<String, String> templateOfTenant) {
        this.template = templateOfTenant;
    }

    /**
     * Writes the tenants' template into the tenant's {@code config.toml} block, before its codex
     * starts: a changed template reaches an existing tenant here.
     */
    void applyTemplate(TenantHome home) {
        Function<String, String> t = template;
        if (t == null) {
            return;
        }
        try {
            String text = java.util.Objects.requireNonNull(t.apply(home.tenantId()), "template of tenant " + home.tenantId());
            TenantTemplate.apply(home.configFile(), text);
        } catch (IOException | RuntimeException e) {
            throw new CodexException("cannot write the tenants' template into " + home.configFile() + " (tenant "
                    + home.tenantId() + "): " + e.getMessage(), e);
        }
    }

    /** The host's workspaces root, or null when each tenant's workspace is in its own folder. */
    @Nullable Path workspacesRoot() {
        return workspacesRoot;
    }

    /**
     * The tenant's workspace, whether or not it exists yet: its folder under the workspaces root,
     * else {@code workspace/} in its own folder. Either way hidden from every other tenant's codex.
     */
    Path workspaceOf(String tenantId) {
        return workspacesRoot == null ? directoryOf(tenantId).resolve("workspace") : workspacesRoot.resolve(folderName(tenantId));
    }

    /** Creates the tenant's workspace owner-only (its folder first when the workspace is in it); no link followed. */
    Path createWorkspace(String tenantId) {
        Path ws = workspaceOf(tenantId);
        try {
            if (workspacesRoot == null) {
                TenantFolders.createOwnerOnly(directoryOf(tenantId));
            }
            TenantFolders.createOwnerOnly(ws);
            return ws;
        } catch (IOException e) {
            throw new CodexException("cannot create the workspace of tenant " + tenantId + " in " + ws + ": " + e, e);
        }
    }

    /**
     * The tenant's home, prepared once: folders owner-only, then the setup, then the marks. A home
     * whose {@code CODEX_HOME} is gone since, or made again by codex writing into it after it was
     * deleted (its disk lost or wiped under a running host), is prepared again, the setup included,
     * and its generation moves on: the tenant's codex still running there (its config and state
     * database gone with the home) is stopped at the next placement, and a new one starts with the
     * template. Else every later start failed, or the codex running there refused every resume.
     */
    TenantHome prepared(TenantState tenant) {
        TenantHome home = tenant.home;
        if (home != null && intact(home.codexHome())) {
            return home;
        }
        synchronized (tenant.homeLock) {
            if (tenant.home != null && intact(tenant.home.codexHome())) {
                return tenant.home;
            }
            long t0 = System.nanoTime();
            Path dir = homesRoot.resolve(tenant.folderName);
            Path codexHome = dir.resolve("codex-home");
            Path userHome = dir.resolve("home");
            try {
                Path mark = dir.resolve(TenantFolders.PREPARED_MARK);
                Path homeMark = codexHome.resolve(TenantFolders.HOME_MARK);
                // prepared in this process and not intact since, or prepared once and its CODEX_HOME lost before this start
                boolean lost = tenant.home != null || (TenantFolders.existsNoFollow(mark) && !TenantFolders.existsNoFollow(homeMark));
                TenantFolders.createOwnerOnly(dir);
                TenantFolders.createOwnerOnly(codexHome);
                TenantFolders.createOwnerOnly(userHome);
                createWorkspace(tenant.id);
                TenantHome made = new TenantHome(tenant.id, dir, codexHome, userHome, binary.get(),
                        environmentOf(tenant.id, codexHome, userHome));
                if (lost || !TenantFolders.existsNoFollow(mark)) {
                    homeSetup.prepare(made);
                    TenantFolders.writeNoFollow(mark, "prepared by codex-bridge\n");
                    listener.homePrepared(tenant.id, Duration.ofNanos(System.nanoTime() - t0));
                }
                if (lost) {
                    tenant.homeGeneration++;    // the tenant's codex running on the lost home is stopped at its next placement
                }
                TenantFolders.writeNoFollow(homeMark, "prepared by codex-bridge: while this file is here, so is the home\n");
                tenant.home = made;
                return made;
            } catch (IOException e) {
                throw new CodexException("cannot prepare the home of tenant " + tenant.id + " in " + dir + ": " + e, e);
            }
        }
    }

    private static boolean intact(Path codexHome) {
        return Files.isDirectory(codexHome, LinkOption.NOFOLLOW_LINKS)
                && Files.exists(codexHome.resolve(TenantFolders.HOME_MARK), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Everything the tenant's codex runs with: the allow-listed variables of this process, the
     * launch's explicit ones, the tenant's own, {@code HOME} (the tenant's unless it gives one) and
     * {@code CODEX_HOME}.
     */
    private Map<String, String> environmentOf(String tenantId, Path codexHome, Path userHome) {
        Map<String, String> env = new TreeMap<>();
        for (String name : inherited) {
            String value = hostEnvironment.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.putAll(launchEnvironment);
        Map<String, String> own = tenantEnvironment.apply(tenantId);
        if (own != null) {
            env.putAll(own);
        }
        env.putIfAbsent("HOME", userHome.toString());
        env.putIfAbsent("RUST_LOG", "warn");
        env.put("CODEX_HOME", codexHome.toString());
        return env;
    }

    /** The tenant's folder name ({@link TenantPaths#folderName}). */
    static String folderName(String tenantId) {
        return TenantPaths.folderName(tenantId);
    }
}
