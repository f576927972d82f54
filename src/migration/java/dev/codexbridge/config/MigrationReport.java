package dev.codexbridge.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a migration or removal: what was (or, for a dry run, would be) written, server
 * by server, plus plugins, permissions, warnings and errors. Serializes to JSON as is.
 *
 * @param target         the file written (a symlink's target)
 * @param dryRun         nothing was written on purpose
 * @param changed        the new text differs from the old
 * @param written        the file was replaced
 * @param plugins        plugin ids in the block ({@code name@marketplace})
 * @param pluginError    why plugin discovery found nothing, when it failed
 * @param defaultPermissions the {@code default_permissions} value written, if any
 * @param diff           unified diff of the change (always for a dry run, empty when unchanged), with
 *                       every value that may be a secret shown as {@code ***}: env values, HTTP
 *                       headers, credential-named keys and token-shaped parts of other values (see
 *                       docs/migration.md); the file itself gets the real values
 * @param removed        for a removal, what the removed managed block configured (empty when there was
 *                       none); null for a migration
 */
public record MigrationReport(
        String target,
        boolean dryRun,
        boolean changed,
        boolean written,
        List<ServerReport> servers,
        List<String> plugins,
        @Nullable String pluginError,
        @Nullable String defaultPermissions,
        List<String> warnings,
        List<String> errors,
        String diff,
        ManagedBlock.@Nullable Summary removed) {

    public MigrationReport {
        servers = List.copyOf(servers);
        plugins = List.copyOf(plugins);
        warnings = List.copyOf(warnings);
        errors = List.copyOf(errors);
    }

    /** True when something went wrong: a server or the permissions could not be migrated, or nothing could be written. */
    @JsonIgnore
    public boolean hasErrors() {
        return !errors.isEmpty();
    }

    @JsonIgnore
    public List<String> migratedServers() {
        return servers.stream().filter(s -> s.status() == ServerReport.Status.MIGRATED).map(ServerReport::name).toList();
    }

    public String toJson() {
        return Json.write(this);
    }

    /** A few human-readable lines: {@link #outcome()}, then the warnings and errors. */
    public String summary() {
        StringBuilder sb = new StringBuilder(outcome());
        for (String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        for (String e : errors) {
            sb.append("error: ").append(e).append('\n');
        }
        return sb.toString();
    }

    /**
     * What was (or would be) written, server by server, without the warnings and errors: a
     * command line tool prints this to stdout and those, as diagnostics, to stderr.
     */
    public String outcome() {
        StringBuilder sb = new StringBuilder();
        if (dryRun) {
            sb.append(changed ? "(dry run) would update " : "(dry run) no change to ").append(target).append('\n');
        } else if (written) {
            sb.append("updated ").append(target).append('\n');
        } else if (!changed && errors.isEmpty()) {
            sb.append("no change to ").append(target).append('\n');
        } else {
            sb.append("did not write ").append(target).append('\n');
        }
        if (removed != null) {
            return sb.append(removal()).toString();
        }
        List<ServerReport> migrated = servers.stream().filter(s -> s.status() == ServerReport.Status.MIGRATED).toList();
        sb.append(migrated.isEmpty() ? "no MCP servers migrated\n" : "MCP servers migrated: " + migrated.size() + "\n");
        for (ServerReport s : servers) {
            sb.append("  - ").append(s.name());
            switch (s.status()) {
                case MIGRATED -> {
                    if (!s.skippedKeys().isEmpty()) {
                        sb.append(" (skipped: ").append(String.join("; ", s.skippedKeys())).append(')');
                    }
                }
                case KEPT_USER_DEFINITION -> sb.append(" (kept your own definition outside the managed block)");
                case FAILED -> sb.append(" (not migrated: ").append(s.error()).append(')');
                default -> { }
            }
            sb.append('\n');
            for (String w : s.warnings()) {
                sb.append("      note: ").append(w).append('\n');
            }
        }
        if (!plugins.isEmpty()) {
            sb.append("codex plugins: ").append(String.join(", ", plugins)).append('\n');
        } else if (pluginError != null) {
            sb.append("codex plugin discovery skipped: ").append(pluginError).append('\n');
        }
        if (defaultPermissions != null) {
            sb.append("default_permissions = \"").append(defaultPermissions).append("\"\n");
        }
        return sb.toString();
    }

    /** Start of the warning a removal gives when there is no block: then nothing was removed. */
    static final String NO_BLOCK = "no codex-bridge managed block in ";

    private String removal() {
        if (warnings.stream().anyMatch(w -> w.startsWith(NO_BLOCK))) {
            return "nothing to remove: no codex-bridge managed block\n";
        }
        String verb = dryRun ? "would remove" : written ? "removed" : "did not remove";
        StringBuilder sb = new StringBuilder(verb + " the codex-bridge managed block");
        List<String> what = new ArrayList<>();
        if (!removed.mcpServers().isEmpty()) {
            what.add("MCP servers " + String.join(", ", removed.mcpServers()));
        }
        if (!removed.plugins().isEmpty()) {
            what.add("codex plugins " + String.join(", ", removed.plugins()));
        }
        if (removed.defaultPermissions() != null) {
            what.add("default_permissions = \"" + removed.defaultPermissions() + "\"");
        }
        sb.append(what.isEmpty() ? " (it configured nothing)" : ": " + String.join("; ", what));
        return sb.append('\n').toString();
    }
}
