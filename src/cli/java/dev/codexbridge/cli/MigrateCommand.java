package dev.codexbridge.cli;

import dev.codexbridge.config.ConfigMigrationException;
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.PluginDiscovery;
import dev.codexbridge.config.PluginCatalog;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexProcessException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Write the host's MCP servers, installed codex plugins and a default permission profile "
                + "into a managed block of $CODEX_HOME/config.toml. Everything outside the block is kept byte for byte.",
                "Exit codes: 0 done (or nothing to change), 1 something could not be migrated or written, 2 usage error."})
final class MigrateCommand implements Callable<Integer> {
    @Option(names = "--codex-home", description = "CODEX_HOME to write (default: $CODEX_HOME, else ~/.codex).")
    Path codexHome;

    @Option(names = "--mcp-config", paramLabel = "FILE",
            description = "Host MCP config: mcpServers JSON, VS Code mcp.json, or a YAML mcp_servers map (repeatable).")
    List<Path> mcpConfigs = new ArrayList<>();

    @Option(names = "--permissions", paramLabel = "PROFILE",
            description = "default_permissions to set, e.g. :workspace (default: leave unset).")
    String permissions;

    @Option(names = "--no-plugins", description = "Do not ask codex which plugins are installed.")
    boolean noPlugins;

    @Option(names = "--codex-bin", description = "codex binary for plugin discovery (default: CODEX_BIN, .codex-cli, PATH).")
    Path codexBin;

    @Option(names = "--plugin-timeout", description = "Seconds plugin discovery may take (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
    int pluginTimeoutSeconds;

    @Option(names = "--dry-run", description = "Print the diff; write nothing.")
    boolean dryRun;

    @Option(names = "--remove", description = "Take the managed block out again.")
    boolean remove;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        ConfigMigrator.Builder b = ConfigMigrator.builder().codexHome(codexHome).defaultPermissions(permissions);
        try {
            for (Path file : mcpConfigs) {
                b.hostConfig(HostMcpConfig.read(file));
            }
        } catch (ConfigMigrationException e) {
            System.err.println("codex-bridge migrate: " + e.getMessage());
            return 2;
        }
        if (!noPlugins && !remove) {
            b.plugins(pluginSource());
        }
        ConfigMigrator migrator = b.build();
        MigrationReport report = remove ? migrator.remove(dryRun) : migrator.migrate(dryRun);
        if (json) {
            out.println(report.toJson());
        } else {
            if (dryRun && !report.diff().isEmpty()) {
                out.print(report.diff());
            }
            out.print(report.outcome());
            out.flush();
            // diagnostics go to stderr, as git and cargo do, so stdout stays the report
            report.warnings().forEach(w -> System.err.println("warning: " + w));
            report.errors().forEach(e -> System.err.println("error: " + e));
        }
        return report.hasErrors() ? 1 : 0;
    }

    private PluginCatalog pluginSource() {
        try {
            Path codex = new CodexLocator().locate(codexBin).binary();
            return new PluginDiscovery(codex, Duration.ofSeconds(pluginTimeoutSeconds));
        } catch (CodexProcessException e) {
            String why = e.getMessage();
            return home -> PluginCatalog.Discovery.failed("codex not found: " + why);
        }
    }
}
