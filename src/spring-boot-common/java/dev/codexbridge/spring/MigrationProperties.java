package dev.codexbridge.spring;

import java.nio.file.Path;

/**
 * The {@code codex-bridge.migration.*} properties: the application's MCP servers written into
 * CODEX_HOME before codex starts (needs codex-bridge's migrator).
 */
public class MigrationProperties {
    /** Whether to migrate at start-up. */
    private boolean enabled;
    /** The application's MCP config: {"mcpServers": {...}}, VS Code's mcp.json, YAML, ... */
    private Path hostConfig;
    /** Only report what would change. */
    private boolean dryRun;
    /** Whether a server that could not be migrated fails the start (else it is logged). */
    private boolean failOnError = true;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Path getHostConfig() {
        return hostConfig;
    }

    public void setHostConfig(Path hostConfig) {
        this.hostConfig = hostConfig;
    }

    public boolean isDryRun() {
        return dryRun;
    }

    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    public boolean isFailOnError() {
        return failOnError;
    }

    public void setFailOnError(boolean failOnError) {
        this.failOnError = failOnError;
    }
}
