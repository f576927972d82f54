/**
 * Migration of a host's MCP servers, codex plugins and default permissions into one managed block
 * of {@code $CODEX_HOME/config.toml}: {@link dev.codexbridge.config.ConfigMigrator}, reading
 * {@link dev.codexbridge.config.HostMcpConfig} and reporting a
 * {@link dev.codexbridge.config.MigrationReport} ({@code docs/migration.md}, decision 0006).
 * Plugins come from a {@link dev.codexbridge.config.PluginCatalog}; the default,
 * {@link dev.codexbridge.config.PluginDiscovery}, asks a briefly started codex
 * ({@code client.internal.ShortLivedCodex}), which is why this package depends on {@code client}.
 * {@link dev.codexbridge.config.Toml} renders TOML by hand and tomlj validates every result.
 *
 * <p>{@code ConfigFiles}, {@code ServerTranslator} and {@code TomlLayout} are package-private.
 */
package dev.codexbridge.config;
