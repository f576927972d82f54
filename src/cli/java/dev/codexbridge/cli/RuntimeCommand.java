package dev.codexbridge.cli;

import dev.codexbridge.config.ConfigMigrationException;
import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.json.Json;
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
        description = "Show, enable or disable the codex runtime of a host.",
        subcommands = {RuntimeCommand.Status.class, RuntimeCommand.Enable.class, RuntimeCommand.Disable.class})
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
            return RuntimeSwitch.builder().codexBinary(codexBin).codexHome(codexHome)
                    .stateStore(StateStore.file(stateFile != null ? stateFile : StateStore.defaultFile()));
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
            return s.codexBinary() == null || probe && !"ready".equals(s.readiness()) ? 1 : 0;
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = {"Enable the codex runtime: needs a usable codex (else nothing changes), migrates the host's MCP "
                    + "servers and plugins (a failed migration is reported, not blocking), records the state.",
                "Exit codes: 0 enabled, 1 not enabled (no usable codex), 2 usage error."})
    static final class Enable implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--mcp-config", paramLabel = "FILE", description = "Host MCP config to migrate (repeatable).")
        List<Path> mcpConfigs = new ArrayList<>();

        @Option(names = "--permissions", paramLabel = "PROFILE", description = "default_permissions to set, e.g. :workspace.")
        String permissions;

        @Option(names = "--no-plugins", description = "Do not migrate installed codex plugins.")
        boolean noPlugins;

        @Override
        public Integer call() {
            RuntimeSwitch.Builder b = common.builder().defaultPermissions(permissions).discoverPlugins(!noPlugins);
            try {
                for (Path f : mcpConfigs) {
                    b.hostConfig(HostMcpConfig.read(f));
                }
            } catch (ConfigMigrationException e) {
                System.err.println("codex-bridge runtime enable: " + e.getMessage());
                return 2;
            }
            RuntimeSwitch.EnableResult r = b.build().enable();
            if (common.json) {
                System.out.println(Json.write(r));
            } else if (!r.enabled()) {
                System.out.println("not enabled: " + r.problem());
            } else {
                System.out.println("codex runtime enabled (codex " + r.codexVersion() + " at " + r.codexBinary() + ")");
                if (r.migration() != null) {
                    System.out.print(r.migration().summary());
                }
            }
            return r.enabled() ? 0 : 1;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Disable the codex runtime; codex's config.toml is left alone unless --remove-block.")
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
                System.out.println("codex runtime disabled");
                if (r.migration() != null) {
                    System.out.print(r.migration().summary());
                }
            }
            return r.migration() != null && r.migration().hasErrors() ? 1 : 0;
        }
    }
}
