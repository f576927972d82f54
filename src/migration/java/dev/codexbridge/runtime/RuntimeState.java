package dev.codexbridge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Whether the host hands its turns to codex, as recorded by {@link RuntimeSwitch}, and what the last
 * enable was given and did — so a plain re-enable can apply the same inputs again and a host can
 * show what was migrated and when.
 *
 * @param enabled           the codex runtime is on for this host
 * @param changedAt         when {@code enabled} last changed or the switch last ran (ISO-8601 instant)
 * @param codexVersion      the codex the last enable found
 * @param codexBinary       where it was
 * @param mcpSources        the host MCP configs the last enable migrated (re-applied by a plain re-enable)
 * @param permissions       the permission profile the user chose, null when the default was used
 * @param defaultPermissions the {@code default_permissions} the managed block holds (null when the user's own won)
 * @param discoverPlugins   whether installed codex plugins were migrated (null: not recorded, i.e. yes)
 * @param migratedServers   MCP server names written into the managed block
 * @param migratedPlugins   plugin ids written into the managed block
 * @param configFile        the {@code config.toml} that was written
 */
public record RuntimeState(
        boolean enabled,
        @Nullable String changedAt,
        @Nullable String codexVersion,
        @Nullable String codexBinary,
        List<McpSource> mcpSources,
        @Nullable String permissions,
        @Nullable String defaultPermissions,
        @Nullable Boolean discoverPlugins,
        List<String> migratedServers,
        List<String> migratedPlugins,
        @Nullable String configFile) {

    /**
     * One host MCP config: a file (re-read on re-enable, so edits to it are picked up) or, for a
     * config handed over in memory, the servers themselves ({@code {"name": {...}}}).
     */
    public record McpSource(@Nullable String path, @Nullable JsonNode servers) {
    }

    public RuntimeState {
        mcpSources = mcpSources == null ? List.of() : List.copyOf(mcpSources);
        migratedServers = migratedServers == null ? List.of() : List.copyOf(migratedServers);
        migratedPlugins = migratedPlugins == null ? List.of() : List.copyOf(migratedPlugins);
    }

    /** A bare state with nothing remembered. */
    public static RuntimeState of(boolean enabled, @Nullable String changedAt, @Nullable String codexVersion) {
        return new RuntimeState(enabled, changedAt, codexVersion, null, null, null, null, null, null, null, null);
    }

    /** The same inputs, switched off at {@code at}: disabling keeps them so a later enable re-applies them. */
    public RuntimeState off(String at) {
        return new RuntimeState(false, at, codexVersion, codexBinary, mcpSources, permissions, defaultPermissions,
                discoverPlugins, migratedServers, migratedPlugins, configFile);
    }
}
