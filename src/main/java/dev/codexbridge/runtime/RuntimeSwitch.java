package dev.codexbridge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.config.ConfigMigrator;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.ManagedBlock;
import dev.codexbridge.config.MigrationReport;
import dev.codexbridge.config.PluginDiscovery;
import dev.codexbridge.config.PluginSource;
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
import dev.codexbridge.session.TurnStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a host's codex runtime on and off, the way a host's slash command needs it:
 * {@link #status}, {@link #enable} (gate on a usable codex, migrate the host's MCP servers and
 * plugins, record the state) and {@link #disable}. The codex version is probed once per call.
 */
public final class RuntimeSwitch {
    private final Path explicitBinary;
    private final Path codexHome;
    private final StateStore store;
    private final List<HostMcpConfig> hostConfigs;
    private final String defaultPermissions;
    private final boolean discoverPlugins;
    private final Duration probeTimeout;
    private final String probeModel;

    private RuntimeSwitch(Builder b) {
        this.explicitBinary = b.codexBinary;
        this.codexHome = b.codexHome != null ? b.codexHome : ConfigMigrator.defaultCodexHome(System.getenv());
        this.store = b.store != null ? b.store : StateStore.file(StateStore.defaultFile());
        this.hostConfigs = List.copyOf(b.hostConfigs);
        this.defaultPermissions = b.defaultPermissions;
        this.discoverPlugins = b.discoverPlugins;
        this.probeTimeout = b.probeTimeout;
        this.probeModel = b.probeModel;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What enabling did. {@code problem} says why it did not (then nothing was changed). */
    public record EnableResult(boolean enabled, String codexBinary, String codexVersion, String problem, MigrationReport migration) {
    }

    /** What disabling did; {@code migration} is the block removal, when asked for. */
    public record DisableResult(MigrationReport migration) {
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
        boolean enabled = store.load().map(RuntimeState::enabled).orElse(false);
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
                servers, plugins, permissions, account, readiness, remediation);
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
    static String[] outcome(dev.codexbridge.session.TurnError error, String model) {
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
            try (CodexSession s = CodexSession.builder().codexBinary(binary).codexHome(codexHome).cwd(scratch).model(probeModel)
                    .ephemeral(true).sandboxMode("read-only").approvalPolicy("never")
                    .timeouts(probeTimeout.multipliedBy(6), Duration.ZERO).build()) {
                TurnResult r = s.runTurn(TurnInput.text("Reply with the single word OK."));
                if (r.status() == TurnStatus.COMPLETED) {
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

    /**
     * Enables the runtime: needs a usable codex (else nothing changes and the problem says how to
     * install one), migrates the host's configuration (a failed migration is reported, not
     * blocking), and records the state.
     */
    public EnableResult enable() {
        Codex codex = probeCodex();
        if (codex.binary() == null) {
            return new EnableResult(false, null, null, codex.problem(), null);
        }
        MigrationReport migration = null;
        if (!hostConfigs.isEmpty() || defaultPermissions != null || discoverPlugins) {
            ConfigMigrator.Builder b = ConfigMigrator.builder().codexHome(codexHome).defaultPermissions(defaultPermissions)
                    .plugins(discoverPlugins ? new PluginDiscovery(codex.binary(), PluginDiscovery.DEFAULT_TIMEOUT) : PluginSource.none());
            hostConfigs.forEach(b::hostConfig);
            migration = b.build().migrate(false);
        }
        store.save(new RuntimeState(true, Instant.now().toString(), codex.version().toString()));
        return new EnableResult(true, codex.binary().toString(), codex.version().toString(), null, migration);
    }

    /** Disables the runtime; codex's config is left alone unless {@code removeBlock}. */
    public DisableResult disable(boolean removeBlock) {
        String version = store.load().map(RuntimeState::codexVersion).orElse(null);
        store.save(new RuntimeState(false, Instant.now().toString(), version));
        MigrationReport removal = removeBlock ? ConfigMigrator.builder().codexHome(codexHome).build().remove(false) : null;
        return new DisableResult(removal);
    }

    public static final class Builder {
        private Path codexBinary;
        private Path codexHome;
        private StateStore store;
        private final List<HostMcpConfig> hostConfigs = new ArrayList<>();
        private String defaultPermissions;
        private boolean discoverPlugins = true;
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

        /** Host MCP servers to migrate on enable. */
        public Builder hostConfig(HostMcpConfig config) {
            hostConfigs.add(Objects.requireNonNull(config, "config"));
            return this;
        }

        public Builder defaultPermissions(String profile) {
            this.defaultPermissions = profile;
            return this;
        }

        public Builder discoverPlugins(boolean on) {
            this.discoverPlugins = on;
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
