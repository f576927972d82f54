package dev.codexbridge.readme;

// docs/migration.md:BEGIN
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.ServerReport;
import java.nio.file.Path;
import java.util.function.Predicate;

/** Moves a host's MCP servers into codex's config.toml after the user has seen the change, and back out. */
public final class MigrateHostServers {
    private MigrateHostServers() {
    }

    /** The report of the write; the dry run's when the user declines or nothing would change. */
    public static MigrationReport migrate(Path codexHome, Path hostMcpConfig, Predicate<String> userAcceptsDiff) {
        ConfigMigrator migrator = ConfigMigrator.builder()
                .codexHome(codexHome)                            // default: $CODEX_HOME, else ~/.codex
                .hostConfig(HostMcpConfig.read(hostMcpConfig))   // may be given several times
                .defaultPermissions(":workspace")                // optional: default_permissions
                .build();
        MigrationReport preview = migrator.migrate(true);        // dry run: the same result, nothing written
        for (ServerReport server : preview.servers()) {                 // MIGRATED, KEPT_USER_DEFINITION, FAILED
            System.err.println(server.name() + ": " + server.status()
                    + (server.error() == null ? "" : " (" + server.error() + ")")
                    + (server.skippedKeys().isEmpty() ? "" : ", skipped " + server.skippedKeys()));
        }
        if (!preview.changed() || !userAcceptsDiff.test(preview.diff())) {
            return preview;
        }
        return migrator.migrate(false);                          // atomic; refuses a config.toml that does not parse
    }

    /** Takes the managed block out again; everything else in the file stays as it was. */
    public static MigrationReport undo(Path codexHome) {
        return ConfigMigrator.builder().codexHome(codexHome).build().remove(false);
    }
}
// docs/migration.md:END
