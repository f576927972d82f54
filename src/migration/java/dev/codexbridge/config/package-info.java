/**
 * Migration of a host's MCP servers, codex plugins and default permissions into one managed block
 * of {@code $CODEX_HOME/config.toml}: {@link dev.codexbridge.config.ConfigMigrator}, reading
 * {@link dev.codexbridge.config.HostMcpConfig} and reporting a
 * {@link dev.codexbridge.config.MigrationReport} ({@code docs/migration.md}, decision 0006).
 * Plugins come from a {@link dev.codexbridge.config.PluginCatalog}; the default,
 * {@link dev.codexbridge.config.PluginDiscovery}, asks a briefly started codex
 * ({@link dev.codexbridge.client.ShortLivedCodex}), which is why this package depends on {@code client}.
 * {@link dev.codexbridge.process.Toml} (in the library, so the test kit and hosts can write TOML
 * without this artifact) renders TOML by hand and tomlj validates every result.
 *
 * <p>Ships as {@code codex-bridge-migration}, not in {@code codex-bridge}: its parsers (tomlj,
 * SnakeYAML, java-diff-utils) are for migration only, and a host that only runs sessions should not
 * carry them (decision 0010).
 *
 * <p>{@code ConfigFiles} and {@code ServerTranslator} are package-private; the TOML line layout is the library's {@code dev.codexbridge.internal.TomlLayout}, shared with the tenants' template.
 */
@NullMarked
package dev.codexbridge.config;

import org.jspecify.annotations.NullMarked;
