package dev.codexbridge.tenant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.process.MountNamespace;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What keeps a tenant's commands out of the other tenants' folders: each tenant's app-server runs
 * in a mount namespace (bubblewrap) where the homes root holds only the tenant's own folder, so no
 * command it runs — sandboxed or not — can read, list or write another tenant's home. Codex's own
 * {@code read-only} and {@code workspace-write} sandboxes limit writes, not reads, and a permission
 * profile that denies the homes root hides codex's own sandbox helper (in {@code CODEX_HOME}) from
 * its commands in 0.169.0 (decision 0030). The sandbox settings a host gives a tenant's thread or
 * turn are refused all the same: the tenants choose how a tenant's commands are confined.
 */
final class TenantIsolation {
    /**
     * The command a tenant's codex runs under so that it sees no other tenant: a mount namespace
     * (bubblewrap) in which the homes root is an empty tmpfs with only the tenant's own folder bound
     * back, the workspaces root (when the host keeps the workspaces apart from the homes) likewise
     * with only the tenant's own workspace, and a PID namespace with its own {@code /proc}, so no
     * other tenant's codex is there to reach through {@code /proc/<pid>/cwd} or {@code /root}.
     * Everything else is the host's file system as it is; codex's own sandbox still runs inside
     * (nested), and a command it runs unsandboxed (an approved escalation,
     * {@code danger-full-access}) finds no other tenant either.
     */
    static List<String> namespace(Path bwrap, Path homesRoot, Path tenantDir, @Nullable Path workspacesRoot, Path workspace) {
        return namespace(bwrap, homesRoot, tenantDir, workspacesRoot, workspace, List.of());
    }

    /**
     * {@link #namespace(Path, Path, Path, Path, Path)}, and {@code hidden} host paths made empty
     * first: a folder an empty tmpfs, a file an empty read-only file ({@code /dev/null}). For what a
     * host keeps beside its tenants that no tenant's command may read: the callers' tokens file,
     * the host's own {@code CODEX_HOME}, a JWT secret. A path that does not exist is left out.
     */
    static List<String> namespace(Path bwrap, Path homesRoot, Path tenantDir, @Nullable Path workspacesRoot, Path workspace,
            List<Path> hidden) {
        List<String> args = new ArrayList<>(MountNamespace.opening(bwrap, hidden));
        args.addAll(List.of("--tmpfs", homesRoot.toString(), "--bind", tenantDir.toString(), tenantDir.toString()));
        if (workspacesRoot != null) {
            args.addAll(List.of("--tmpfs", workspacesRoot.toString(), "--bind", workspace.toString(), workspace.toString()));
        }
        args.addAll(List.of("--die-with-parent", "--"));
        return List.copyOf(args);
    }

    /**
     * A bubblewrap to run tenants under: the one codex's package bundles
     * ({@code codex-resources/bwrap} beside its {@code bin/}, the one codex's own sandbox is built
     * for), else {@code bwrap} on the host's {@code PATH}; null when neither is there.
     */
    static Path findBubblewrap(String path, Path codexBinary) {
        return MountNamespace.bubblewrap(path, codexBinary).orElse(null);
    }

    /** Codex settings that choose a sandbox or permissions themselves. */
    static boolean touchesSandbox(String key) {
        String k = key.toLowerCase(Locale.ROOT).replace("\"", "").trim();
        return k.equals("sandbox_mode") || k.startsWith("sandbox_mode.") || k.equals("sandbox") || k.startsWith("sandbox_workspace_write")
                || k.equals("default_permissions") || k.equals("permissions") || k.startsWith("permissions.")
                || k.equals("sandboxpolicy") || k.equals("permissionprofile") || k.startsWith("profiles")
                || k.equals("profile") || k.startsWith("dangerously");
    }

    /** Refuses {@code codexDefaults} that choose a sandbox or permissions. */
    static void checkDefaults(Map<String, String> codexDefaults) {
        List<String> bad = codexDefaults.keySet().stream().filter(TenantIsolation::touchesSandbox).toList();
        if (!bad.isEmpty()) {
            throw new IllegalStateException("codexDefaults " + bad + " choose how the tenants' commands are confined, which the "
                    + "tenants decide; set the sandbox in "
                    + "the tenants' config.toml instead (docs/tenants.md, \"What isolation means\")");
        }
    }

    /**
     * Refuses thread settings that choose how the thread's commands are confined: a sandbox
     * mode, a config override or an extra {@code thread/start} member that chooses a sandbox or
     * permissions.
     */
    static void checkThread(String tenantId, ThreadOptions thread, Path homesRoot, Path tenantDir, Path workspace) {
        List<String> bad = new ArrayList<>();
        Path cwd = thread.cwd() == null ? null : real(thread.cwd().toAbsolutePath().normalize());
        if (cwd != null && !cwd.startsWith(workspace) && !cwd.startsWith(tenantDir.resolve("home"))) {
            // only the tenant's own workspace and home are hidden from the other tenants' codex
            throw new IllegalArgumentException("tenant " + tenantId + ": the working directory " + cwd + " is not the tenant's "
                    + "workspace " + workspace + " (CodexTenants.workspace(tenantId)) nor in it: other tenants' commands could "
                    + "read and list a workspace elsewhere" + (cwd.startsWith(homesRoot) || homesRoot.startsWith(cwd)
                    ? ", and this one overlaps the tenants' homes root " + homesRoot : "")
                    + ". Leave the thread options' cwd to the tenants (they give the tenant's workspace) or give "
                    + "ThreadOptions.in(tenants.workspace(tenantId)) or a folder inside it");
        }
        if (thread.sandbox() != null) {
            bad.add("sandbox " + thread.sandbox());
        }
        thread.config().keySet().stream().filter(TenantIsolation::touchesSandbox).forEach(k -> bad.add("config " + k));
        addSandboxExtras(thread.extraParams(), bad);
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("tenant " + tenantId + ": the thread settings " + bad + " would replace the "
                    + "tenants' choice of how its commands are confined; leave the sandbox to the tenants' "
                    + "config.toml");
        }
    }

    /** The path with its links resolved as far as it exists (a workspace given through a link is the folder it names). */
    private static Path real(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(p));
        } catch (java.io.IOException e) {
            return p;
        }
    }

    /** Refuses a tenant's turn that brings its own sandbox policy (codex would run the turn's commands under it). */
    static void checkTurn(String tenantId, TurnOptions options) {
        List<String> bad = new ArrayList<>();
        if (options.sandboxPolicy() != null) {
            bad.add("sandboxPolicy " + options.sandboxPolicy().getClass().getSimpleName());
        }
        addSandboxExtras(options.extraParams(), bad);
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("tenant " + tenantId + ": the turn options " + bad + " would replace the "
                    + "tenants' choice of how its commands are confined; leave the sandbox to the tenants' "
                    + "config.toml");
        }
    }

    /** The extra request members that choose a sandbox or permissions, added to {@code bad}. */
    private static void addSandboxExtras(ObjectNode extra, List<String> bad) {
        if (extra == null) {
            return;
        }
        for (Iterator<String> names = extra.fieldNames(); names.hasNext(); ) {
            String n = names.next();
            if (touchesSandbox(n) || n.toLowerCase(Locale.ROOT).contains("permission")) {
                bad.add("extraParams " + n);
            }
        }
    }
}
