package dev.codexbridge.cli;

import dev.codexbridge.config.ConfigMigrationException;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.NewerCodex;
import dev.codexbridge.runtime.Readiness;
import dev.codexbridge.runtime.RuntimeStatus;
import dev.codexbridge.runtime.RuntimeSwitch;
import dev.codexbridge.runtime.StateStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "runtime", mixinStandardHelpOptions = true,
        description = "Show, enable or disable the codex runtime of a host: status | enable (on) | disable (off) | auto.",
        subcommands = {RuntimeCommand.Status.class, RuntimeCommand.Enable.class, RuntimeCommand.Disable.class, RuntimeCommand.Auto.class})
final class RuntimeCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every runtime subcommand takes. */
    static final class Common {
        @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
        Path codexBin;

        @Option(names = "--codex-home", description = "CODEX_HOME (default: $CODEX_HOME, else ~/.codex).")
        Path codexHome;

        @Option(names = "--state-file", description = "Where the switch keeps its state (default: $XDG_CONFIG_HOME/codex-bridge/runtime.json).")
        Path stateFile;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        RuntimeSwitch.Builder builder() {
            RuntimeSwitch.Builder b = RuntimeSwitch.builder()
                    .stateStore(StateStore.file(stateFile != null ? stateFile : StateStore.defaultFile()));
            // without --codex-bin the switch locates codex itself, so only the home is given
            return codexBin != null ? b.launch(CodexLaunch.appServer(codexBin).codexHome(codexHome).build()) : b.codexHome(codexHome);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the state, the codex binary and version, CODEX_HOME and the managed block; --probe also checks the account and runs a minimal turn.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--probe", description = "Also ask codex for the account and run a one-word turn on the configured model.")
        boolean probe;

        @Option(names = "--model", paramLabel = "MODEL",
                description = "With --probe: check MODEL against codex's model list first (OpenAI accounts), then run the turn on it.")
        String model;

        @Override
        public Integer call() {
            RuntimeStatus s = common.builder().discoverPlugins(false).probeModel(model).build().status(probe);
            System.out.print(common.json ? s.toJson() + "\n" : s.summary());
            return s.codexBinary() == null || probe && s.readiness() != Readiness.READY ? 1 : 0;
        }
    }

    @Command(name = "enable", aliases = {"on", "codex", "codex_app_server"}, mixinStandardHelpOptions = true,
            description = {"Enable the codex runtime (also: on): needs a usable codex and no running turn (else nothing changes), "
                    + "writes the host's MCP servers, plugins and default_permissions (:workspace unless --permissions) into "
                    + "codex-bridge's managed block of config.toml, then records the state — both or neither. "
                    + "Without --mcp-config/--permissions the last enable's are applied again.",
                "Exit codes: 0 enabled, 1 not enabled (the reason is printed), 2 usage error."})
    static final class Enable implements Callable<Integer> {
        @Mixin
        Common common;

        @Mixin
        Inputs inputs;

        @Override
        public Integer call() {
            RuntimeSwitch.Builder b = inputs.apply(common.builder());
            if (b == null) {
                return 2;
            }
            RuntimeSwitch.EnableResult r = b.build().enable();
            print(common, r, false);
            return r.enabled() ? 0 : 1;
        }
    }

    @Command(name = "auto", mixinStandardHelpOptions = true,
            description = {"Enable the codex runtime if a usable codex is found; otherwise say why and change nothing. "
                    + "(To go back to the host's default runtime, use `off`.)",
                "Exit codes: 0 enabled or left as it was for want of a codex, 1 a usable codex was found but enabling failed, 2 usage error."})
    static final class Auto implements Callable<Integer> {
        @Mixin
        Common common;

        @Mixin
        Inputs inputs;

        @Override
        public Integer call() {
            RuntimeSwitch.Builder b = inputs.apply(common.builder());
            if (b == null) {
                return 2;
            }
            RuntimeSwitch.EnableResult r = b.build().enable();
            print(common, r, true);
            return r.enabled() || r.codexBinary() == null ? 0 : 1;
        }
    }

    /** What enable and auto take. */
    static final class Inputs {
        @Option(names = "--mcp-config", paramLabel = "FILE",
                description = "Host MCP config to migrate (repeatable); replaces the remembered ones.")
        List<Path> mcpConfigs = new ArrayList<>();

        @Option(names = "--permissions", paramLabel = "PROFILE",
                description = "default_permissions to write (default: the last choice, else :workspace); "
                        + ":danger-full-access and :danger-no-sandbox are written as the detected codex names the no-sandbox profile.")
        String permissions;

        @Option(names = "--no-plugins", description = "Do not migrate installed codex plugins (remembered).")
        boolean noPlugins;

        @Option(names = "--plugins", description = "Migrate installed codex plugins again after --no-plugins.")
        boolean plugins;

        @Option(names = "--forget", description = "Ignore the inputs remembered from the last enable.")
        boolean forget;

        /** The builder with these inputs, or null after printing a usage error. */
        RuntimeSwitch.Builder apply(RuntimeSwitch.Builder b) {
            try {
                for (Path f : mcpConfigs) {
                    HostMcpConfig.read(f); // a bad file is a usage error now, not a refusal later
                    b.hostConfigFile(f);
                }
            } catch (ConfigMigrationException e) {
                System.err.println("codex-bridge runtime: " + e.getMessage());
                return null;
            }
            if (noPlugins || plugins) {
                b.discoverPlugins(plugins);
            }
            return b.defaultPermissions(permissions).forgetInputs(forget);
        }
    }

    private static void print(Common common, RuntimeSwitch.EnableResult r, boolean auto) {
        if (common.json) {
            System.out.println(Json.write(r));
            return;
        }
        if (!r.enabled()) {
            System.out.println((auto && r.codexBinary() == null ? "left as it was: " : "not enabled: ") + r.problem());
            if (r.migration() != null) {
                System.out.print(r.migration().summary());
            }
            return;
        }
        System.out.println("codex runtime enabled (codex " + r.codexVersion() + " at " + r.codexBinary() + ")");
        NewerCodex.line(CodexVersion.parse(r.codexVersion()).orElse(null)).ifPresent(line -> System.out.println("note: " + line));
        if (r.migration() != null) {
            System.out.print(r.migration().summary());
        }
        System.out.println("Effective for new sessions: sessions and codex processes started before keep the previous runtime and config.");
    }

    @Command(name = "disable", aliases = {"off", "default", "hermes"}, mixinStandardHelpOptions = true,
            description = {"Disable the codex runtime (also: off); refused while a turn runs. codex's config.toml is left alone "
                    + "unless --remove-block. The last enable's inputs stay remembered for a later enable.",
                "Exit codes: 0 disabled, 1 not disabled (the reason is printed)."})
    static final class Disable implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--remove-block", description = "Also take codex-bridge's managed block out of config.toml.")
        boolean removeBlock;

        @Override
        public Integer call() {
            RuntimeSwitch.DisableResult r = common.builder().build().disable(removeBlock);
            if (common.json) {
                System.out.println(Json.write(r));
            } else {
                System.out.println(r.disabled() ? "codex runtime disabled" : "not disabled: " + r.problem());
                if (r.migration() != null) {
                    System.out.print(r.migration().summary());
                }
                if (r.disabled()) {
                    System.out.println("Effective for new sessions.");
                }
            }
            return r.disabled() ? 0 : 1;
        }
    }
}
