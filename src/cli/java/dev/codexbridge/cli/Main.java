package dev.codexbridge.cli;

import dev.codexbridge.process.CodexVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code codex-bridge} command line. Commands hold no logic of their own. */
@Command(name = "codex-bridge",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Hand a host agent's turns to `codex app-server`.",
        subcommands = {RunCommand.class, DemoCommand.class, MigrateCommand.class, RuntimeCommand.class, RecordCommand.class,
            ReplayCommand.class, ThreadsCommand.class, ModelsCommand.class, AccountCommand.class,
            InstallCodexCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"codex-bridge " + dev.codexbridge.BuildInfo.version()
                    + " (pinned codex " + CodexVersion.PINNED + ")"};
        }
    }
}
