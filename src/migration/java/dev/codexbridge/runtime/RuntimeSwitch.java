package dev.codexbridge.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.config.ConfigMigrationException;
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.ManagedBlock;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.PluginCatalog;
import dev.codexbridge.config.PluginDiscovery;
import dev.codexbridge.config.ServerReport;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns a host's codex runtime on and off, the way a host's slash command needs it:
 * {@link #status}, {@link #enable} (gate on a usable codex, migrate the host's MCP servers,
 * plugins and a default permission profile, record the state — all or nothing) and
 * {@link #disable}; {@link #isEnabled} and {@link #state} for the host's own decisions. A flip is
 * refused while a turn holds the {@link RuntimeGate}. What codex is asked (the binary and its
 * version, once per call; the account, the model list and a probe turn) is the package's
 * {@code RuntimeProbe}. docs/runtime.md is the guide.
 */
public final class RuntimeSwitch {
    private final Path codexHome;
    private final RuntimeProbe prober;
    private final StateStore store;
    private final List<RuntimeState.McpSource> hostSources;
    private final boolean forgetInputs;
    private final String defaultPermissions;
    private final Boolean discoverPlugins;
    private final Function<Path, PluginCatalog> pluginSource;
    private final RuntimeGate gate;
    private final BooleanSupplier turnsRunning;
    private final List<Consumer<RuntimeState>> listeners;

    private RuntimeSwitch(Builder b) {
        this.codexHome = b.launch != null ? codexHomeOf(b.launch)
                : b.codexHome != null ? b.codexHome : ConfigMigrator.defaultCodexHome(System.getenv());
        this.prober = new RuntimeProbe(b.launch, codexHome, b.probeTimeout, b.probeModel);
        this.store = b.store != null ? b.store : StateStore.file(StateStore.defaultFile());
        this.hostSources = List.copyOf(b.hostSources);
        this.forgetInputs = b.forgetInputs;
        this.defaultPermissions = b.defaultPermissions;
        this.discoverPlugins = b.discoverPlugins;
        this.pluginSource = b.pluginSource;
        this.gate = b.gate;
        this.turnsRunning = b.turnsRunning;
        this.listeners = List.copyOf(b.listeners);
    }

    /** The {@code CODEX_HOME} codex started by {@code launch} sees: its own, else its environment's, else {@code ~/.codex}. */
    private static Path codexHomeOf(CodexLaunch launch) {
        Map<String, String> env = new HashMap<>(System.getenv());
        launch.applyEnvironment(env);
        return ConfigMigrator.defaultCodexHome(env);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What enabling did. {@code problem} says why it did not (then neither the state nor the config
     * changed). {@code state} is the state now recorded. {@code requiresNewSession}: sessions and
     * codex processes started before keep the old runtime and the old config — see docs/runtime.md.
     */
    public record EnableResult(boolean enabled, @Nullable String codexBinary, @Nullable String codexVersion, @Nullable String problem,
            @Nullable MigrationReport migration, @Nullable RuntimeState state, boolean requiresNewSession) {
        static EnableResult refused(String binary, String version, String problem) {
            return new EnableResult(false, binary, version, problem, null, null, false);
        }
    }

    /** What disabling did; {@code migration} is the block removal, when asked for; {@code problem} when nothing changed. */
    public record DisableResult(boolean disabled, @Nullable String problem, @Nullable MigrationReport migration,
            @Nullable RuntimeState state, boolean requiresNewSession) {
    }

    /**
     * The switch's state, the codex binary and version, {@code CODEX_HOME}, and what the managed
     * block holds. With {@code probe}: the account ({@code account/read}) and a minimal turn on the
     * configured model, so "logged out", "model not available" and "ready" are told apart.
     */
    public RuntimeStatus status(boolean probe) {
        RuntimeProbe.CodexCheck codex = prober.check();
        RuntimeState state = store.load().orElse(null);
        boolean enabled = state != null && state.enabled();
        List<String> servers = new ArrayList<>();
        List<String> plugins = new ArrayList<>();
        String permissions = null;
        boolean block = false;
        Path config = codexHome.resolve("config.toml");
        try {
            if (Files.isRegularFile(config)) {
                String text = Files.readString(config);
                block = ManagedBlock.contents(text).isPresent();
                var summary = ManagedBlock.summary(text);
                if (summary.isPresent()) {
                    servers.addAll(summary.get().mcpServers());
                    plugins.addAll(summary.get().plugins());
                    permissions = summary.get().defaultPermissions();
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable config shows as "no block"; codex itself will say more when it starts
        }
        servers.sort(null);
        plugins.sort(null);
        String account = null;
        Readiness readiness = null;
        String remediation = null;
        if (probe) {
            RuntimeProbe.Report report = prober.probe(codex);
            account = report.account() == null ? null : report.account().describe();
            readiness = report.verdict().readiness();
            remediation = report.verdict().remediation();
        }
        return new RuntimeStatus(enabled, store.toString(), codex.found() ? codex.binary().toString() : null,
                codex.found() ? codex.version().toString() : null, codex.problem(), codexHome.toString(), block,
                servers, plugins, permissions, account, readiness, remediation, state);
    }

    /** Whether the codex runtime is on for this host (the state store's answer; false when never enabled). */
    public boolean isEnabled() {
        return store.load().map(RuntimeState::enabled).orElse(false);
    }

    /** The recorded state: on or off, since when, what the last enable migrated and from which inputs. */
    public Optional<RuntimeState> state() {
        return store.load();
    }

    /**
     * Enables the runtime, all or nothing: needs a usable codex and no turn running (else nothing
     * changes and {@code problem} says why), migrates the host's MCP servers, plugins and a default
     * permission profile into codex's config, then records the state. If the config cannot be
     * written, or the state cannot be saved (then the config is put back as it was), the runtime is
     * not enabled. Per-server problems (one server that cannot be translated) are reported, not
     * blocking.
     *
     * <p>Inputs not given to the builder come from the last enable: the MCP configs (files are
     * re-read), the chosen permission profile, plugin discovery. Without a choice the profile is
     * {@link PermissionProfiles#DEFAULT}, named as the detected codex version names it.
     */
    public EnableResult enable() {
        RuntimeProbe.CodexCheck codex = prober.check();
        if (!codex.found()) {
            return EnableResult.refused(null, null, codex.problem());
        }
        String bin = codex.binary().toString();
        String ver = codex.version().toString();
        if (!beginSwitch()) {
            return EnableResult.refused(bin, ver, BUSY);
        }
        try {
            Optional<RuntimeState> previous;
            List<RuntimeState.McpSource> sources;
            List<HostMcpConfig> configs;
            try {
                previous = store.load();
                sources = forgetInputs || !hostSources.isEmpty() || previous.isEmpty() ? hostSources : previous.get().mcpSources();
                configs = new ArrayList<>();
                for (RuntimeState.McpSource source : sources) {
                    configs.add(resolve(source));
                }
            } catch (RuntimeException e) { // an unreadable state or MCP config: better to change nothing
                return EnableResult.refused(bin, ver, e.getMessage() + "; nothing was changed");
            }
            RuntimeState last = forgetInputs ? null : previous.orElse(null);
            String chosen = defaultPermissions != null ? defaultPermissions : last == null ? null : last.permissions();
            boolean plugins = discoverPlugins != null ? discoverPlugins
                    : last == null || last.discoverPlugins() == null || last.discoverPlugins();
            String profile = PermissionProfiles.forVersion(chosen != null ? chosen : PermissionProfiles.DEFAULT, codex.version());

            ConfigMigrator.Builder mb = ConfigMigrator.builder().codexHome(codexHome).defaultPermissions(profile)
                    .builtInProfiles(PermissionProfiles.builtIns(codex.version()))
                    .plugins(plugins ? pluginSource.apply(codex.binary()) : PluginCatalog.none());
            configs.forEach(mb::hostConfig);
            ConfigMigrator migrator = mb.build();
            Snapshot before = Snapshot.of(migrator.configFile());
            MigrationReport migration = migrator.migrate(false);
            String fileProblem = fileLevelProblem(migration);
            if (fileProblem != null) {
                return new EnableResult(false, bin, ver, fileProblem + "; the runtime was not enabled", migration, previous.orElse(null), false);
            }
            RuntimeState next = new RuntimeState(true, Instant.now().toString(), ver, bin, sources, chosen,
                    migration.defaultPermissions(), plugins, migration.migratedServers(), migration.plugins(), migration.target());
            String saveProblem = commit(next, migration, before);
            if (saveProblem != null) {
                return new EnableResult(false, bin, ver, saveProblem, migration, previous.orElse(null), false);
            }
            notifyListeners(next);
            return new EnableResult(true, bin, ver, null, migration, next, true);
        } finally {
            gate.endSwitch();
        }
    }

    /**
     * Disables the runtime, all or nothing: refused while a turn runs; with {@code removeBlock} the
     * managed block leaves {@code config.toml} first (if that fails the runtime stays on), and if the
     * state cannot be saved the block is put back. Needs no codex. The inputs of the last enable stay
     * recorded, so a later plain enable applies them again.
     */
    public DisableResult disable(boolean removeBlock) {
        if (!beginSwitch()) {
            return new DisableResult(false, BUSY, null, null, false);
        }
        try {
            Optional<RuntimeState> previous;
            try {
                previous = store.load();
            } catch (RuntimeException e) {
                return new DisableResult(false, e.getMessage() + "; nothing was changed", null, null, false);
            }
            MigrationReport removal = null;
            Snapshot before = null;
            if (removeBlock) {
                ConfigMigrator migrator = ConfigMigrator.builder().codexHome(codexHome).build();
                before = Snapshot.of(migrator.configFile());
                removal = migrator.remove(false);
                String fileProblem = fileLevelProblem(removal);
                if (fileProblem != null) {
                    return new DisableResult(false, fileProblem + "; the runtime was left as it was", removal, previous.orElse(null), false);
                }
            }
            String now = Instant.now().toString();
            RuntimeState next = previous.map(p -> p.off(now)).orElse(RuntimeState.of(false, now, null));
            String saveProblem = commit(next, removal, before);
            if (saveProblem != null) {
                return new DisableResult(false, saveProblem, removal, previous.orElse(null), false);
            }
            notifyListeners(next);
            return new DisableResult(true, null, removal, next, true);
        } finally {
            gate.endSwitch();
        }
    }

    private static final String BUSY = "a turn is running — wait for it or stop it, then switch the runtime; nothing was changed";

    private boolean beginSwitch() {
        if (!gate.tryBeginSwitch()) {
            return false;
        }
        boolean busy;
        try {
            busy = turnsRunning.getAsBoolean();
        } catch (RuntimeException e) {
            busy = true; // a host check that fails cannot vouch for an idle host
        }
        if (busy) {
            gate.endSwitch();
            return false;
        }
        return true;
    }

    private HostMcpConfig resolve(RuntimeState.McpSource source) {
        if (source.path() != null) {
            return HostMcpConfig.read(Path.of(source.path()));
        }
        if (source.servers() == null || !source.servers().isObject()) {
            throw new ConfigMigrationException("a remembered MCP config has neither a file nor servers");
        }
        ObjectNode root = Json.mapper().createObjectNode();
        root.set("mcpServers", source.servers());
        return HostMcpConfig.parse(Json.write(root), false, "the MCP servers remembered from the last enable");
    }

    /**
     * A problem that kept the migrator from updating the file at all (unreadable or invalid TOML,
     * an I/O failure), as opposed to one server or the profile it skipped while writing the rest.
     */
    static String fileLevelProblem(MigrationReport r) {
        if (r == null || !r.hasErrors() || r.written()) {
            return null;
        }
        long itemErrors = r.servers().stream().filter(s -> s.status() == ServerReport.Status.FAILED).count()
                + r.errors().stream().filter(e -> e.startsWith("default permission profile")).count();
        // the migrator records the file's own failure after any item errors of the same run
        return r.errors().size() > itemErrors ? "codex's config could not be updated: " + r.errors().get(r.errors().size() - 1) : null;
    }

    /** Saves {@code next}; if that fails, puts the config back as {@code before} held it. Null when saved. */
    private String commit(RuntimeState next, MigrationReport change, Snapshot before) {
        try {
            store.save(next);
            return null;
        } catch (RuntimeException e) {
            String why = "could not record the runtime state in " + store + " (" + e.getMessage() + ")";
            if (change == null || !change.written() || before == null) {
                return why + "; nothing was changed";
            }
            try {
                before.restore(Path.of(change.target()));
                return why + "; " + change.target() + " was put back as it was";
            } catch (IOException io) {
                return why + " and putting " + change.target() + " back failed too (" + io.getMessage()
                        + "); `codex-bridge runtime disable --remove-block` takes the managed block out";
            }
        }
    }

    private void notifyListeners(RuntimeState state) {
        for (Consumer<RuntimeState> l : listeners) {
            try {
                l.accept(state);
            } catch (RuntimeException e) {
                // a listener's failure must not turn a committed switch into a reported failure
            }
        }
    }

    /** A config file's text before a change (null: it did not exist), to put back on rollback. */
    private record Snapshot(String text) {
        static Snapshot of(Path config) {
            try {
                Path target = config.toRealPath();
                return new Snapshot(Files.readString(target));
            } catch (NoSuchFileException e) {
                return new Snapshot(null);
            } catch (IOException e) {
                return null; // the migrator will fail on it too and write nothing
            }
        }

        void restore(Path target) throws IOException {
            if (text == null) {
                Files.deleteIfExists(target);
                return;
            }
            Path temp = Files.createTempFile(target.toAbsolutePath().getParent(), ".config.toml.", ".restore.tmp");
            try {
                Files.writeString(temp, text);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    public static final class Builder {
        private CodexLaunch launch;
        private Path codexHome;
        private StateStore store;
        private final List<RuntimeState.McpSource> hostSources = new ArrayList<>();
        private boolean forgetInputs;
        private String defaultPermissions;
        private Boolean discoverPlugins;
        private Function<Path, PluginCatalog> pluginSource = binary -> new PluginDiscovery(binary, PluginDiscovery.DEFAULT_TIMEOUT);
        private RuntimeGate gate = RuntimeGate.shared();
        private BooleanSupplier turnsRunning = () -> false;
        private final List<Consumer<RuntimeState>> listeners = new ArrayList<>();
        private Duration probeTimeout = Duration.ofSeconds(20);
        private String probeModel;

        private Builder() {
        }

        /** The model the probe checks against {@code model/list} and runs its turn on (default: codex's configured one). */
        public Builder probeModel(String model) {
            this.probeModel = model;
            return this;
        }

        /**
         * How codex is started for the switch's checks and probe: its binary (located and
         * version-checked before anything changes), {@code CODEX_HOME} (also where the managed
         * {@code config.toml} is), environment and arguments. Default: the binary located as
         * everywhere ({@code CODEX_BIN}, the project-local install, {@code PATH}), started with
         * {@link #codexHome}.
         */
        public Builder launch(CodexLaunch launch) {
            this.launch = Objects.requireNonNull(launch, "launch");
            return this;
        }

        /**
         * {@code CODEX_HOME} when no {@link #launch} is given (a launch says it itself): where the
         * managed {@code config.toml} is, and the home of the codex the switch locates and starts
         * (default: {@code $CODEX_HOME}, else {@code ~/.codex}).
         */
        public Builder codexHome(Path home) {
            this.codexHome = home;
            return this;
        }

        public Builder stateStore(StateStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Host MCP servers to migrate on enable, handed over in memory; remembered as the servers
         * themselves. Any host config given replaces all remembered ones.
         */
        public Builder hostConfig(HostMcpConfig config) {
            Objects.requireNonNull(config, "config");
            ObjectNode servers = Json.mapper().createObjectNode();
            config.servers().forEach(s -> servers.set(s.name(), s.definition()));
            hostSources.add(new RuntimeState.McpSource(null, servers));
            return this;
        }

        /** A host MCP config file to migrate on enable; remembered by path and re-read on each enable. */
        public Builder hostConfigFile(Path file) {
            hostSources.add(new RuntimeState.McpSource(file.toAbsolutePath().normalize().toString(), null));
            return this;
        }

        /** Ignore what the last enable was given: only this builder's inputs (and the defaults) count. */
        public Builder forgetInputs(boolean forget) {
            this.forgetInputs = forget;
            return this;
        }

        /**
         * The permission profile to write as {@code default_permissions}, e.g. {@code :read-only};
         * null (default) keeps the last enable's choice, else {@link PermissionProfiles#DEFAULT}.
         */
        public Builder defaultPermissions(@Nullable String profile) {
            this.defaultPermissions = profile;
            return this;
        }

        /** Migrate installed codex plugins; unset keeps the last enable's choice (first time: yes). */
        public Builder discoverPlugins(boolean on) {
            this.discoverPlugins = on;
            return this;
        }

        /** Where plugins come from, given the codex binary (default: {@code plugin/list} on that codex). */
        public Builder pluginSource(Function<Path, PluginCatalog> source) {
            this.pluginSource = Objects.requireNonNull(source, "source");
            return this;
        }

        /** The gate turns enter; default {@link RuntimeGate#shared()}. */
        public Builder gate(RuntimeGate gate) {
            this.gate = Objects.requireNonNull(gate, "gate");
            return this;
        }

        /** The host's own "is a turn running" answer (e.g. across processes); true refuses a flip. */
        public Builder turnsRunning(BooleanSupplier check) {
            this.turnsRunning = Objects.requireNonNull(check, "check");
            return this;
        }

        /** Called after a switch was committed (state saved), e.g. to drop cached sessions. */
        public Builder onChange(Consumer<RuntimeState> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** How long the probe's codex has for each request (default 20 s); its turn gets six times that. */
        public Builder probeTimeout(Duration timeout) {
            this.probeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The switch; {@link IllegalStateException} when both a launch and a {@code codexHome} were given. */
        public RuntimeSwitch build() {
            if (launch != null && codexHome != null) {
                throw new IllegalStateException("CODEX_HOME is the launch's to say: set it on the CodexLaunch, not on the switch");
            }
            return new RuntimeSwitch(this);
        }
    }
}
