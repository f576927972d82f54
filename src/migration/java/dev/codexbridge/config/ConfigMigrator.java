package dev.codexbridge.config;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.AbstractDelta;
import com.github.difflib.patch.Chunk;
import com.github.difflib.patch.Patch;
import dev.codexbridge.process.Toml;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;
import org.tomlj.TomlVersion;
import org.jspecify.annotations.Nullable;

/**
 * Writes a host's MCP servers, codex plugins and default permission profile into one managed
 * block of {@code $CODEX_HOME/config.toml}.
 *
 * <ul>
 *   <li>Everything outside the block stays byte for byte; the block goes before the first table so
 *       its root key stays a root key; re-running with the same inputs gives the same bytes.</li>
 *   <li>What the user defines outside the block (a server name, a plugin table,
 *       {@code default_permissions}) wins and is reported, never duplicated.</li>
 *   <li>The existing file must parse (TOML 1.0) or nothing is touched; the candidate must parse
 *       before it is written; writing is atomic and locked against concurrent migrations.</li>
 *   <li>Nothing is written into a folder its group or other users can write, nor through a
 *       {@code config.toml} link to nothing; a file that gets literal secrets (env values, HTTP
 *       headers) loses its group and other permissions; the report's diff shows those values as
 *       {@code ***} (docs/migration.md, Report).</li>
 * </ul>
 */
public final class ConfigMigrator {
    /** Permission profiles codex 0.169 has built in. */
    public static final List<String> BUILT_IN_PROFILES = List.of(":read-only", ":workspace", ":danger-full-access");

    private final Path codexHome;
    private final List<HostMcpConfig> hostConfigs;
    private final PluginCatalog plugins;
    private final String defaultPermissions;
    private final ConfigFiles.BeforeRename beforeRename;
    private final List<String> builtInProfiles;

    private ConfigMigrator(Builder b) {
        this.codexHome = b.codexHome != null ? b.codexHome : defaultCodexHome(System.getenv());
        this.hostConfigs = List.copyOf(b.hostConfigs);
        this.plugins = b.plugins;
        this.defaultPermissions = b.defaultPermissions;
        this.beforeRename = b.beforeRename;
        this.builtInProfiles = b.builtInProfiles;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code $CODEX_HOME} when set, else {@code ~/.codex}, as codex itself decides. */
    public static Path defaultCodexHome(Map<String, String> env) {
        String home = env.get("CODEX_HOME");
        if (home != null && !home.isBlank()) {
            return Paths.get(home);
        }
        return Paths.get(System.getProperty("user.home"), ".codex");
    }

    public Path codexHome() {
        return codexHome;
    }

    public Path configFile() {
        return codexHome.resolve("config.toml");
    }

    /** Migrates; with {@code dryRun} computes the same result and its diff but writes nothing. */
    public MigrationReport migrate(boolean dryRun) {
        return run(dryRun, false);
    }

    /** Takes the managed block out again, leaving the rest of the file as it was. */
    public MigrationReport remove(boolean dryRun) {
        return run(dryRun, true);
    }

    private MigrationReport run(boolean dryRun, boolean remove) {
        Plan plan = new Plan();
        if (remove) {
            plan.removed = new ManagedBlock.Summary(List.of(), List.of(), null);
        }
        Path target = configFile();
        try {
            target = ConfigFiles.resolveTarget(configFile());
            // before the lock: in a folder others can write, the lock file itself could be their link
            ConfigFiles.refuseSharedFolders(configFile());
            Path finalTarget = target;
            if (dryRun) {
                compute(plan, finalTarget, ConfigFiles.read(finalTarget), remove, true);
            } else {
                ConfigFiles.locked(finalTarget, () -> {
                    compute(plan, finalTarget, ConfigFiles.read(finalTarget), remove, false);
                    if (plan.changed && plan.writable) {
                        ConfigFiles.write(finalTarget, plan.candidate, beforeRename, plan.ownerOnly);
                        plan.written = true;
                    } else if (plan.ownerOnly) {
                        ConfigFiles.restrictToOwner(finalTarget);
                    }
                    return null;
                });
            }
        } catch (ConfigMigrationException e) {
            plan.errors.add(e.getMessage());
            plan.changed = false;
        } catch (IOException e) {
            plan.errors.add("cannot update " + target + ": " + e.getMessage() + " (the file was left as it was)");
        }
        return new MigrationReport(target.toString(), dryRun, plan.changed, plan.written, plan.servers,
                plan.pluginIds, plan.pluginError, plan.permissionsWritten, plan.warnings, plan.errors,
                plan.diff == null ? "" : plan.diff, plan.removed);
    }

    private void compute(Plan plan, Path target, String existing, boolean remove, boolean dryRun) {
        String old = existing == null ? "" : existing;
        TomlParseResult whole = parse(old, target);
        if (whole.hasErrors()) {
            throw new ConfigMigrationException(target.getFileName() + " is not valid TOML 1.0 (" + describe(whole.errors())
                    + "); fix it first, nothing was changed");
        }
        ManagedBlock.Split split = ManagedBlock.strip(old);
        if (ConfigFiles.isWorldWritable(target)) {
            plan.warnings.add(target + " is writable by every user; anyone could change what codex runs");
        }
        String candidate;
        if (remove) {
            if (split.blocks() == 0) {
                plan.warnings.add(MigrationReport.NO_BLOCK + target);
            }
            plan.removed = ManagedBlock.summary(old).orElse(plan.removed);
            candidate = split.outside();
        } else {
            TomlParseResult user = parse(split.outside(), target);
            if (user.hasErrors()) {
                throw new ConfigMigrationException(target.getFileName() + " does not parse without its managed block ("
                        + describe(user.errors()) + "); fix it first, nothing was changed");
            }
            String block = renderBlock(plan, user, ManagedBlock.lineEnding(old));
            candidate = ManagedBlock.insert(split.outside(), block);
            selfCheck(split.outside(), candidate);
        }
        plan.candidate = candidate;
        plan.changed = existing == null ? !remove : !candidate.equals(old);
        plan.writable = plan.changed;
        plan.diff = plan.changed ? unifiedDiff(old, candidate) : "";
        if (!remove && !plan.withSecrets.isEmpty()) {
            restrictIfShared(plan, target, dryRun);
        }
    }

    /**
     * A file that now holds literal secrets and that the group or other users may read becomes
     * owner-only (the owner's own bits stay): its mode was chosen for a file without them.
     */
    private static void restrictIfShared(Plan plan, Path target, boolean dryRun) {
        Set<PosixFilePermission> perms = ConfigFiles.openToOthers(target);
        if (perms == null) {
            return;
        }
        plan.ownerOnly = true;
        plan.warnings.add(target.getFileName() + " holds literal secrets of the MCP servers "
                + String.join(", ", plan.withSecrets.stream().sorted().toList())
                + " (env values, HTTP headers or token-like arguments) and was open to its group or other users ("
                + PosixFilePermissions.toString(perms) + "); " + (dryRun ? "it would be made" : "it was made")
                + " owner-only (" + PosixFilePermissions.toString(ConfigFiles.ownerPart(perms))
                + "). Values given as ${env:NAME} stay out of the file");
    }

    private String renderBlock(Plan plan, TomlParseResult user, String eol) {
        Set<String> userServers = keysOf(user, "mcp_servers");
        Set<String> userPlugins = keysOf(user, "plugins");
        Set<String> userProfiles = keysOf(user, "permissions");

        List<ManagedBlock.Table> serverTables = new ArrayList<>();
        List<Map.Entry<String, List<ManagedBlock.Table>>> byName = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (HostMcpConfig config : hostConfigs) {
            for (HostMcpConfig.Server server : config.servers()) {
                String name = server.name();
                if (!seen.add(name)) {
                    fail(plan, name, List.of(), List.of(), "defined more than once in the host configuration");
                    continue;
                }
                if (userServers.contains(name)) {
                    plan.servers.add(new ServerReport(name, ServerReport.Status.KEPT_USER_DEFINITION, List.of(), List.of(), null));
                    plan.warnings.add("[mcp_servers." + Toml.key(name) + "] is already defined outside the managed block; kept yours");
                    continue;
                }
                ServerTranslator.Result r = ServerTranslator.translate(name, server.definition());
                if (!r.ok()) {
                    fail(plan, name, r.skipped(), r.warnings(), r.error());
                    continue;
                }
                try {
                    List<ManagedBlock.Table> tables = tablesOf(r);
                    byName.add(Map.entry(name, tables));
                    plan.servers.add(new ServerReport(name, ServerReport.Status.MIGRATED, r.skipped(), r.warnings(), null));
                    if (holdsSecrets(tables)) {
                        plan.withSecrets.add(name);
                    }
                } catch (IllegalArgumentException e) {
                    fail(plan, name, r.skipped(), r.warnings(), "cannot be written as TOML: " + e.getMessage());
                }
            }
        }
        byName.sort(Map.Entry.comparingByKey());
        byName.forEach(e -> serverTables.addAll(e.getValue()));

        List<ManagedBlock.Table> pluginTables = new ArrayList<>();
        PluginCatalog.Discovery discovery = plugins.discover(codexHome);
        if (discovery != null) {
            plan.pluginError = discovery.error();
            List<Plugin> sorted = new ArrayList<>(discovery.plugins());
            sorted.sort(Comparator.comparing(Plugin::id));
            for (Plugin p : sorted) {
                if (userPlugins.contains(p.id())) {
                    plan.warnings.add("[plugins." + Toml.key(p.id()) + "] is already defined outside the managed block; kept yours");
                    continue;
                }
                pluginTables.add(new ManagedBlock.Table("plugins." + Toml.key(p.id()),
                        List.of("enabled = " + p.enabled())));
                plan.pluginIds.add(p.id());
            }
        }

        List<String> rootLines = new ArrayList<>();
        if (defaultPermissions != null) {
            if (user.contains("default_permissions")) {
                plan.warnings.add("default_permissions is already set outside the managed block; kept yours");
            } else {
                String profile = normalizeProfile(defaultPermissions, userProfiles, builtInProfiles);
                if (profile == null) {
                    plan.errors.add("default permission profile \"" + defaultPermissions + "\" is neither built in ("
                            + String.join(", ", builtInProfiles) + ") nor a [permissions." + defaultPermissions
                            + "] table in config.toml; not written");
                } else {
                    rootLines.add("default_permissions = " + Toml.string(profile));
                    plan.permissionsWritten = profile;
                }
            }
        }
        List<ManagedBlock.Table> tables = new ArrayList<>(serverTables);
        tables.addAll(pluginTables);
        return ManagedBlock.render(rootLines, tables, eol);
    }

    private static List<ManagedBlock.Table> tablesOf(ServerTranslator.Result r) {
        String header = "mcp_servers." + Toml.key(r.name());
        List<ManagedBlock.Table> out = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        r.keys().forEach((k, v) -> lines.add(Toml.key(k) + " = " + Toml.value(v)));
        out.add(new ManagedBlock.Table(header, lines));
        r.toolTables().forEach((tool, keys) -> {
            List<String> toolLines = new ArrayList<>();
            keys.forEach((k, v) -> toolLines.add(Toml.key(k) + " = " + Toml.value(v)));
            out.add(new ManagedBlock.Table(header + ".tools." + Toml.key(tool), toolLines));
        });
        return out;
    }

    /** Whether the tables carry a value the report's diff masks (a literal env value or header, a token-shaped argument). */
    private static boolean holdsSecrets(List<ManagedBlock.Table> tables) {
        return SecretMask.hasSecrets(ManagedBlock.render(List.of(), tables, "\n"));
    }

    private static void fail(Plan plan, String name, List<String> skipped, List<String> warnings, String error) {
        plan.servers.add(new ServerReport(name, ServerReport.Status.FAILED, skipped, warnings, error));
        plan.errors.add("MCP server \"" + name + "\" not migrated: " + error);
    }

    /** A built-in name with or without its colon, or a profile the user defines; null if neither. */
    static String normalizeProfile(String requested, Set<String> userProfiles) {
        return normalizeProfile(requested, userProfiles, BUILT_IN_PROFILES);
    }

    static String normalizeProfile(String requested, Set<String> userProfiles, List<String> builtIns) {
        String p = requested.strip();
        if (builtIns.contains(p)) {
            return p;
        }
        if (!p.startsWith(":") && builtIns.contains(":" + p) && !userProfiles.contains(p)) {
            return ":" + p;
        }
        if (!p.startsWith(":") && userProfiles.contains(p)) {
            return p;
        }
        return null;
    }

    /**
     * tomlj at TOML 1.0. Its parser can fail with an internal AssertionError on some malformed
     * input (found by fuzzing); that is a parse failure too, not a crash of the migration. Its
     * message is not passed on, nor the error itself: either may quote the file.
     */
    static TomlParseResult parse(String text, Path file) {
        try {
            return org.tomlj.Toml.parse(text, TomlVersion.V1_0_0);
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            throw new ConfigMigrationException(file.getFileName() + " is not valid TOML 1.0 (the parser gave up with "
                    + e.getClass().getSimpleName() + "); fix it first, nothing was changed");
        }
    }

    private static Set<String> keysOf(TomlParseResult toml, String table) {
        TomlTable t = toml.isTable(table) ? toml.getTable(table) : null;
        return t == null ? Set.of() : t.keySet();
    }

    /** The block must come out again to exactly what was there before, or the splice is wrong. */
    private static void selfCheck(String outside, String candidate) {
        TomlParseResult parsed = parse(candidate, Path.of("config.toml"));
        if (parsed.hasErrors()) {
            throw new ConfigMigrationException("refusing to write: the result would not parse ("
                    + describe(parsed.errors()) + "); this is a codex-bridge bug, please report it");
        }
        String back = ManagedBlock.strip(candidate).outside();
        if (!back.equals(outside) && !back.equals(outside + ManagedBlock.lineEnding(outside))) {
            throw new ConfigMigrationException("refusing to write: the content outside the managed block would change; "
                    + "this is a codex-bridge bug, please report it");
        }
    }

    /** The first error, where and what kind ({@link ParseErrors}: never a piece of the file). */
    private static String describe(List<TomlParseError> errors) {
        return ParseErrors.toml(errors.get(0)) + (errors.size() > 1 ? " (+" + (errors.size() - 1) + " more)" : "");
    }

    /**
     * The change as a person may see it: lines are paired on the real texts (so a changed secret
     * still shows as a changed line) and shown from their masked copies ({@link SecretMask}, which
     * keeps every line where it is).
     */
    static String unifiedDiff(String before, String after) {
        List<String> a = before.isEmpty() ? List.of() : before.lines().toList();
        List<String> b = after.lines().toList();
        List<String> shownA = before.isEmpty() ? List.of() : SecretMask.mask(before).lines().toList();
        List<String> shownB = SecretMask.mask(after).lines().toList();
        if (shownA.size() != a.size() || shownB.size() != b.size()) { // not expected: then no line is shown
            return "--- a/config.toml\n+++ b/config.toml\n@@ the change cannot be shown without its secrets "
                    + "(a codex-bridge bug, please report it) @@\n";
        }
        Patch<String> shown = new Patch<>();
        for (AbstractDelta<String> d : DiffUtils.diff(a, b).getDeltas()) {
            shown.addDelta(d.withChunks(slice(shownA, d.getSource()), slice(shownB, d.getTarget())));
        }
        List<String> lines = UnifiedDiffUtils.generateUnifiedDiff("a/config.toml", "b/config.toml", shownA, shown, 3);
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    private static Chunk<String> slice(List<String> lines, Chunk<String> chunk) {
        return new Chunk<>(chunk.getPosition(), lines.subList(chunk.getPosition(), chunk.getPosition() + chunk.size()));
    }

    private static final class Plan {
        final List<ServerReport> servers = new ArrayList<>();
        final List<String> pluginIds = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        /** Migrated servers whose tables hold literal secrets. */
        final List<String> withSecrets = new ArrayList<>();
        String pluginError;
        String permissionsWritten;
        ManagedBlock.Summary removed;
        String candidate;
        String diff;
        boolean changed;
        boolean writable;
        boolean written;
        boolean ownerOnly;
    }

    public static final class Builder {
        private Path codexHome;
        private final List<HostMcpConfig> hostConfigs = new ArrayList<>();
        private PluginCatalog plugins = PluginCatalog.none();
        private String defaultPermissions;
        private ConfigFiles.BeforeRename beforeRename = temp -> { };
        private List<String> builtInProfiles = BUILT_IN_PROFILES;

        private Builder() {
        }

        /** The built-in profile names the target codex knows (they differ by version); default {@link #BUILT_IN_PROFILES}. */
        public Builder builtInProfiles(List<String> names) {
            this.builtInProfiles = List.copyOf(names);
            return this;
        }

        /** Defaults to {@code $CODEX_HOME}, else {@code ~/.codex}. */
        public Builder codexHome(Path codexHome) {
            this.codexHome = codexHome;
            return this;
        }

        /** Host MCP servers to migrate; may be given several times (names must not repeat). */
        public Builder hostConfig(HostMcpConfig config) {
            hostConfigs.add(Objects.requireNonNull(config, "config"));
            return this;
        }

        /** Where installed plugins come from; default: no plugins. */
        public Builder plugins(PluginCatalog source) {
            this.plugins = Objects.requireNonNull(source, "source");
            return this;
        }

        /** A permission profile for {@code default_permissions}, e.g. {@code :workspace}; null for none. */
        public Builder defaultPermissions(@Nullable String profile) {
            this.defaultPermissions = profile;
            return this;
        }

        /** Test hook run between writing the temp file and renaming it. */
        Builder beforeRename(ConfigFiles.BeforeRename hook) {
            this.beforeRename = Objects.requireNonNull(hook, "hook");
            return this;
        }

        public ConfigMigrator build() {
            return new ConfigMigrator(this);
        }
    }
}
