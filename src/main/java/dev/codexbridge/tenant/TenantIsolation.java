package dev.codexbridge.tenant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.process.Toml;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What keeps a tenant's commands out of the other tenants' folders: a codex permission profile,
 * given to each tenant's app-server as {@code -c} overrides (they win over the tenant's
 * {@code config.toml}), that extends {@code :workspace} and denies the whole homes root but the
 * tenant's own {@code home/}. Codex 0.169.0 enforces it in its sandbox for every command and
 * {@code apply_patch}, reads included (its {@code read-only} and {@code workspace-write} sandboxes
 * limit writes only). A sandbox mode (or a full-access profile) given anywhere else replaces the
 * profile, so those are refused here (decision 0030).
 */
final class TenantIsolation {
    /** The name of the permission profile every tenant process runs under. */
    static final String PROFILE = "codex_bridge_tenant";

    private TenantIsolation() {
    }

    /** The {@code -c} overrides that select the profile for a tenant whose folder is {@code tenantDir}. */
    static Map<String, String> overrides(Path homesRoot, Path tenantDir, String baseProfile) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("default_permissions", Toml.string(PROFILE));
        c.put("permissions." + PROFILE + ".extends", Toml.string(baseProfile));
        // the root is denied, reads included; the tenant's HOME (under it) stays usable by its commands.
        // The tenant's own codex-home (its auth.json, its rollouts) stays denied: nothing a command needs.
        c.put("permissions." + PROFILE + ".filesystem", "{ " + Toml.string(homesRoot.toString()) + " = \"deny\", "
                + Toml.string(tenantDir.resolve("home").toString()) + " = \"write\" }");
        return c;
    }

    /** Codex settings that choose a sandbox or permissions themselves, and so would replace the tenant's profile. */
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
            throw new IllegalStateException("codexDefaults " + bad + " would replace the tenants' permission profile, which keeps "
                    + "each tenant's commands out of the other tenants' folders; set the sandbox through "
                    + "tenantPermissions(..) instead (docs/tenants.md, \"What isolation means\")");
        }
    }

    /**
     * Refuses thread settings that would replace the tenant's profile for that thread: a sandbox
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
                    + "permission profile that keeps the tenant's commands out of other tenants' folders; leave the sandbox to "
                    + "the tenants (CodexTenants.Builder.tenantPermissions)");
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
            throw new IllegalArgumentException("tenant " + tenantId + ": the turn options " + bad + " would replace the permission "
                    + "profile that keeps the tenant's commands out of other tenants' folders; leave the sandbox to the tenants "
                    + "(CodexTenants.Builder.tenantPermissions)");
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
