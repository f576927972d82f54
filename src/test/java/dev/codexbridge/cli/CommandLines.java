package dev.codexbridge.cli;

import java.util.List;
import picocli.CommandLine;

/** A command line parsed by the CLI's own commands without running it: for manifests that start the CLI. */
public final class CommandLines {
    private CommandLines() {
    }

    /** Whether {@code args} (the command's name first) parse: every option known, every value of its type. */
    public static boolean parses(List<String> args) {
        CommandLine cli = new CommandLine(new Main());
        Main.SUBCOMMANDS.forEach(cli::addSubcommand);
        try {
            cli.parseArgs(args.toArray(String[]::new));
            return true;
        } catch (CommandLine.ParameterException e) {
            return false;
        }
    }
}
