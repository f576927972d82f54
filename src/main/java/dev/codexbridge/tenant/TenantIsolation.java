package dev.codexbridge.tenant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
     * (bubblewrap) in which the homes root is an empty tmpfs and only the tenant's own folder is
     * bound back. Everything else is the host's file system as it is; codex's own sandbox still
     * runs inside (nested), and a command it runs unsandboxed (an approved escalation,
     * {@code danger-full-access}) finds no other tenant either.
     */
    static List<String> namespace(Path bwrap, Path homesRoot, Path tenantDir) {
        return List.of(bwrap.toString(), "--dev-bind", "/", "/", "--tmpfs", homesRoot.toString(),
                "--bind", tenantDir.toString(), tenantDir.toString(), "--die-with-parent", "--");
    }

    /**
     * A bubblewrap to run tenants under: the one codex's package bundles
     * ({@code codex-resources/bwrap} beside its {@code bin/}, the one codex's own sandbox is built
     * for), else {@code bwrap} on the host's {@code PATH}; null when neither is there.
     */
    static Path findBubblewrap(String path, Path codexBinary) {
        Path bin = codexBinary == null ? null : codexBinary.toAbsolutePath().getParent();
        Path bundled = bin == null || bin.getParent() == null ? null : bin.getParent().resolve("codex-resources").resolve("bwrap");
        if (bundled != null && Files.isExecutable(bundled)) {
            return bundled;
        }
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = dir.isBlank() ? null : Path.of(dir, "bwrap");
                if (p != null && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
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
    static void checkThread(String tenantId, ThreadOptions thread, Path homesRoot, Path tenantDir) {
        List<String> bad = new ArrayList<>();
        Path cwd = thread.cwd() == null ? null : thread.cwd().toAbsolutePath().normalize();
        if (cwd != null && (homesRoot.startsWith(cwd) || cwd.startsWith(homesRoot) && !cwd.startsWith(tenantDir.resolve("home")))) {
            // a workspace is writable to the thread's commands: it must neither hold the homes root nor lie in another's folder
            throw new IllegalArgumentException("tenant " + tenantId + ": the working directory " + cwd + " overlaps the tenants' "
                    + "homes root " + homesRoot + "; give each tenant a workspace outside it");
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
