package dev.codexbridge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.config.ConfigMigrationException;
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.ServerReport;
import dev.codexbridge.json.Json;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.ManagedBlock;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.PluginDiscovery;
import dev.codexbridge.config.PluginCatalog;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.Account;
import dev.codexbridge.protocol.GetAccountParams;
import dev.codexbridge.protocol.GetAccountResponse;
import dev.codexbridge.protocol.Model;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.protocol.ModelListResponse;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import dev.codexbridge.session.ThreadSettings;
import dev.codexbridge.session.TurnLimits;

/**
 * Turns a host's codex runtime on and off, the way a host's slash command needs it:
 * {@link #status}, {@link #enable} (gate on a usable codex, migrate the host's MCP servers,
 * plugins and a default permission profile, record the state — all or nothing) and
 * {@link #disable}; {@link #isEnabled} and {@link #state} for the host's own decisions. A flip is
 * refused while a turn holds the {@link RuntimeGate}. The codex version is probed once per call.
 * docs/runtime.md is the guide.
 */
public final class RuntimeSwitch {
    private final Path explicitBinary;
    private final Path codexHome;
    private final StateStore store;
    private final List<RuntimeState.McpSource> hostSources;
    private final boolean forgetInputs;
    private final String defaultPermissions;
    private final Boolean discoverPlugins;
    private final Function<Path, PluginCatalog> pluginSource;
    private final RuntimeGate gate;
    private final BooleanSupplier turnsRunning;
    private final List<Consumer<RuntimeState>> listeners;
    private final Duration probeTimeout;
    private final String probeModel;

    private RuntimeSwitch(Builder b) {
        this.explicitBinary = b.codexBinary;
        this.codexHome = b.codexHome != null ? b.codexHome : ConfigMigrator.defaultCodexHome(System.getenv());
        this.store = b.store != null ? b.store : StateStore.file(StateStore.defaultFile());
        this.hostSources = List.copyOf(b.hostSources);
        this.forgetInputs = b.forgetInputs;
        this.defaultPermissions = b.defaultPermissions;
        this.discoverPlugins = b.discoverPlugins;
        this.pluginSource = b.pluginSource;
        this.gate = b.gate;
        this.turnsRunning = b.turnsRunning;
        this.listeners = List.copyOf(b.listeners);
        this.probeTimeout = b.probeTimeout;
        this.probeModel = b.probeModel;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What enabling did. {@code problem} says why it did not (then neither the state nor the config
     * changed). {@code state} is the state now recorded. {@code requiresNewSession}: sessions and
     * codex processes started before keep the old runtime and the old config — see docs/runtime.md.
     */
    public record EnableResult(boolean enabled, String codexBinary, String codexVersion, String problem,
            MigrationReport migration, RuntimeState state, boolean requiresNewSession) {
        static EnableResult refused(String binary, String version, String problem) {
            return new EnableResult(false, binary, version, problem, null, null, false);
        }
    }

    /** What disabling did; {@code migration} is the block removal, when asked for; {@code problem} when nothing changed. */
    public record DisableResult(boolean disabled, String problem, MigrationReport migration, RuntimeState state,
            boolean requiresNewSession) {
    }

    /** The binary and its version, located and probed once. */
    private record Codex(Path binary, CodexVersion version, String problem) {
    }

    private Codex probeCodex() {
        try {
            Path binary = new CodexLocator().locate(explicitBinary).binary();
            CodexVersion v = CodexVersionProbe.requireSupported(binary, CodexVersionProbe.DEFAULT_TIMEOUT);
            return new Codex(binary, v, null);
        } catch (CodexException e) {
            return new Codex(null, null, e.getMessage());
        }
    }

    /**
     * The switch's state, the codex binary and version, {@code CODEX_HOME}, and what the managed
     * block holds. With {@code probe}: the account ({@code account/read}) and a minimal turn on the
     * configured model, so "logged out", "model not available" and "ready" are told apart.
     */
    public RuntimeStatus status(boolean probe) {
        Codex codex = probeCodex();
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
        String readiness = null;
        String remediation = null;
        if (probe) {
            if (codex.binary() == null) {
                readiness = "error";
                remediation = codex.problem();
            } else {
                Facts facts = facts(codex.binary());
                account = facts.account();
                String[] r = facts.modelCheck() != null ? facts.modelCheck() : probeTurn(codex.binary(), account);
                readiness = r[0];
                remediation = r[1];
            }
        }
        return new RuntimeStatus(enabled, store.toString(), codex.binary() == null ? null : codex.binary().toString(),
                codex.version() == null ? null : codex.version().toString(), codex.problem(), codexHome.toString(), block,
                servers, plugins, permissions, account, readiness, remediation, state);
    }

    /** What one connection tells before a turn is spent: the account, and whether the probed model is offered. */
    private record Facts(String account, String[] modelCheck) {
    }

    private Facts facts(Path binary) {
        CodexLaunch launch = CodexLaunch.appServer(binary).codexHome(codexHome).name("codex-probe")
                .shutdownGrace(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)).build();
        try (CodexClient codex = CodexClient.builder().process(launch).requestTimeout(probeTimeout)
                .clientInfo(new ClientInfo("codex_bridge_runtime", "codex-bridge runtime", dev.codexbridge.BuildInfo.version())).connect()) {
            GetAccountResponse r = codex.accountRead(new GetAccountParams(false));
            String account = describe(r);
            String[] modelCheck = null;
            if (probeModel != null && !"logged out".equals(account)) {
                modelCheck = modelCheck(probeModel, Boolean.TRUE.equals(r.requiresOpenaiAuth()), listModels(codex));
            }
            return new Facts(account, modelCheck);
        } catch (CodexException e) {
            return new Facts("unknown (" + e.getMessage().lines().findFirst().orElse("") + ")", null);
        }
    }

    private static List<Model> listModels(CodexClient codex) {
        List<Model> all = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 20; page++) {
            ModelListResponse r = codex.modelList(ModelListParams.builder().includeHidden(true).cursor(cursor).build());
            if (r.data() != null) {
                all.addAll(r.data());
            }
            cursor = r.nextCursor();
            if (cursor == null || cursor.isEmpty()) {
                break;
            }
        }
        return all;
    }

    /**
     * [readiness, remediation] when {@code model/list} already settles it, else null (run the turn).
     * Codex lists the models of OpenAI's catalogue; for a custom provider the list says nothing
     * about what the provider serves, so only the turn can tell.
     */
    static String[] modelCheck(String model, boolean openAiProvider, List<Model> listed) {
        if (!openAiProvider) {
            return null;
        }
        for (Model m : listed) {
            if (model.equals(m.id()) || model.equals(m.model())) {
                return null;
            }
        }
        List<String> names = listed.stream().filter(m -> !Boolean.TRUE.equals(m.hidden())).map(Model::model).limit(12).toList();
        return new String[] {"modelUnavailable", "Choose another model: `" + model + "` is not in codex's model list for this account"
                + (names.isEmpty() ? "" : " (offered: " + String.join(", ", names) + ")") + "."};
    }

    /** {@code account/read}, summarized: "none needed", "logged out", or the account type. */
    private static String describe(GetAccountResponse r) {
        Account acct = r.account();
        if (acct == null) {
            return Boolean.TRUE.equals(r.requiresOpenaiAuth()) ? "logged out" : "none needed (custom provider)";
        }
        if (acct instanceof Account.Chatgpt chatgpt) {
            return "chatgpt" + (chatgpt.email() == null ? "" : " " + chatgpt.email());
        }
        if (acct instanceof Account.ApiKey key) {
            return key.type();
        }
        if (acct instanceof Account.AmazonBedrock bedrock) {
            return bedrock.type();
        }
        if (acct instanceof Account.Gcp gcp) {
            return gcp.type();
        }
        return "signed in";
    }

    /** The words a model API uses when it refuses a model (ktx's probe recognises the same). */
    private static final List<String> MODEL_REFUSALS = List.of("invalid_request_error", "not available", "unknown model",
            "unsupported model", "model_not_found", "does not exist", "not supported");

    /** [readiness, remediation] of a probe turn that failed. */
    static String[] outcome(dev.codexbridge.session.TurnFailure error, String model) {
        String named = model == null ? "the configured model" : "`" + model + "`";
        if (error.category() == ErrorCategory.AUTHENTICATION) {
            return new String[] {"loggedOut", error.remediation() + " (" + error.message() + ")"};
        }
        String text = error.message().toLowerCase(java.util.Locale.ROOT);
        if (error.category() == ErrorCategory.MODEL_UNAVAILABLE || MODEL_REFUSALS.stream().anyMatch(text::contains)) {
            return new String[] {"modelUnavailable", "Choose another model: " + named + " is not available (" + error.message() + ")."};
        }
        return new String[] {"error", error.message() + " — " + error.remediation()};
    }

    /** A minimal turn: [readiness, remediation]. */
    private String[] probeTurn(Path binary, String account) {
        if ("logged out".equals(account)) {
            return new String[] {"loggedOut", ErrorCategory.AUTHENTICATION.remediation()};
        }
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("codex-bridge-probe-");
            try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(codexHome).build()).options()).thread(ThreadSettings.builder().cwd(scratch).model(probeModel).ephemeral(true).sandbox("read-only").approvalPolicy("never").build())
                    .limits(TurnLimits.of(probeTimeout.multipliedBy(6), Duration.ZERO)).build()) {
                TurnResult r = s.runTurn(TurnInput.text("Reply with the single word OK."));
                if (r.status() == TurnOutcome.COMPLETED) {
                    return new String[] {"ready", null};
                }
                if (r.error() == null) {
                    return new String[] {"error", "the probe turn ended " + r.status().wire()};
                }
                return outcome(r.error(), probeModel);
            }
        } catch (IOException | CodexException e) {
            return new String[] {"error", e.getMessage()};
        } finally {
            if (scratch != null) {
                try {
                    Files.deleteIfExists(scratch);
                } catch (IOException ignored) {
                    // an empty temp folder left behind
                }
            }
        }
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
     * blocking, as in Hermes.
     *
     * <p>Inputs not given to the builder come from the last enable: the MCP configs (files are
     * re-read), the chosen permission profile, plugin discovery. Without a choice the profile is
     * {@link PermissionProfiles#DEFAULT}, named as the detected codex version names it.
     */
    public EnableResult enable() {
        Codex codex = probeCodex();
        if (codex.binary() == null) {
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
            } catch (java.nio.file.NoSuchFileException e) {
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
        private Path codexBinary;
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

        public Builder codexBinary(Path binary) {
            this.codexBinary = binary;
            return this;
        }

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
        public Builder defaultPermissions(String profile) {
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

        public Builder probeTimeout(Duration timeout) {
            this.probeTimeout = timeout;
            return this;
        }

        public RuntimeSwitch build() {
            return new RuntimeSwitch(this);
        }
    }
}
