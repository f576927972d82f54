package dev.codexbridge.readme;

import dev.codexbridge.tenant.CodexTenants;
import java.nio.file.Path;
import java.util.Map;

/** docs/tenant-settings.md: tenants on codex's own defaults instead of the recommended overrides. */
final class TenantCodexDefaults {
    private TenantCodexDefaults() {
    }

    static CodexTenants tenants(Path homesRoot) {
        // docs/tenant-settings.md:BEGIN
        CodexTenants tenants = CodexTenants.builder()
                .codexDefaults(Map.of())                                      // codex's own defaults
                // or: .codexDefaults(Map.of("features.shell_snapshot", "false")) // only the snapshot off
                .homesRoot(homesRoot)
                .build();
        // docs/tenant-settings.md:END
        return tenants;
    }
}
