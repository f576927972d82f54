package dev.codexbridge.config;

import dev.codexbridge.CodexException;
import dev.codexbridge.tenant.TenantHome;
import dev.codexbridge.tenant.TenantHomeSetup;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@link TenantHomeSetup} that writes the host's MCP servers (and plugins, permissions) into a
 * tenant's {@code config.toml} through the {@link ConfigMigrator}, the same way {@code migrate}
 * does for one home: the servers go into the migrator's managed block, beside what an earlier
 * setup wrote ({@code TenantHomeSetup.configToml(template).andThen(MigratingHomeSetup.of(mcp))}).
 * A migration with errors fails the setup, so the tenant's home stays unprepared and the next
 * session tries again.
 */
public final class MigratingHomeSetup implements TenantHomeSetup {
    private final List<HostMcpConfig> hostConfigs;
    private final Consumer<ConfigMigrator.Builder> configure;

    private MigratingHomeSetup(List<HostMcpConfig> hostConfigs, Consumer<ConfigMigrator.Builder> configure) {
        this.hostConfigs = List.copyOf(hostConfigs);
        this.configure = configure;
    }

    /** Migrates these host MCP configurations into every tenant's home. */
    public static MigratingHomeSetup of(HostMcpConfig... hostConfigs) {
        return new MigratingHomeSetup(List.of(hostConfigs), b -> { });
    }

    /**
     * Migrates these host MCP configurations, with further settings of the migrator (plugins,
     * default permissions, the target codex's built-in profiles); its home is the tenant's.
     */
    public static MigratingHomeSetup of(List<HostMcpConfig> hostConfigs, Consumer<ConfigMigrator.Builder> configure) {
        return new MigratingHomeSetup(hostConfigs, Objects.requireNonNull(configure, "configure"));
    }

    @Override
    public void prepare(TenantHome home) {
        ConfigMigrator.Builder b = ConfigMigrator.builder();
        hostConfigs.forEach(b::hostConfig);
        configure.accept(b);
        MigrationReport report = b.codexHome(home.codexHome()).build().migrate(false);
        if (report.hasErrors()) {
            List<String> errors = new ArrayList<>(report.errors());
            throw new CodexException("the host's MCP servers could not be migrated into the home of tenant " + home.tenantId()
                    + ": " + String.join("; ", errors));
        }
    }
}
