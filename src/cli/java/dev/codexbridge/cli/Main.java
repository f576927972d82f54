package dev.codexbridge.cli;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.CodexException;
import dev.codexbridge.process.CodexVersion;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code codex-bridge} command line. Commands hold no logic of their own. */
@Command(name = "codex-bridge",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Hand a host agent's turns to `codex app-server`.")
public final class Main implements Runnable {
    /**
     * The subcommands, in the order help lists them. Added by {@link #run} rather than declared on
     * the annotation: picocli builds the model of every command it is given, which cost a process a
     * quarter of a second of CPU before any work began, so a run builds only the command it runs.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(RunCommand.class, DemoCommand.class, MigrateCommand.class,
            RuntimeCommand.class, RecordCommand.class, ReplayCommand.class, ThreadsCommand.class, ModelsCommand.class,
            AccountCommand.class, InstallCodexCommand.class, A2aCommand.class, McpCommand.class, OpenAiCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Applied by {@link #main} before anything logs ({@link CliLogging}); declared here so that
     * every command accepts, documents and checks it, after the command's name too.
     */
    @CommandLine.Option(names = CliLogging.OPTION, scope = CommandLine.ScopeType.INHERIT, paramLabel = "text|json",
            converter = CliLogging.FormatConverter.class, defaultValue = "${env:" + CliLogging.ENVIRONMENT + ":-text}",
            description = "Log lines on stderr as text with a timestamp, or as one JSON object per line "
                    + "(default: " + CliLogging.ENVIRONMENT + ", else text).")
    CliLogging.Format logFormat;

    public static void main(String[] args) {
        CliLogging.configure(CliLogging.requested(args, System.getenv()));
        if (args.length > 0 && (args[0].equals("run") || args[0].equals("replay"))) {
            CliTelemetry.startEarly(System.getenv());
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        NewerCodexNote.commandBegins();
        CommandLine cli = new CommandLine(new Main());
        Class<?> named = args.length == 0 ? null : SUBCOMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(args[0]))
                .findFirst().orElse(null);
        // anything else (help, a version, a mistyped command) gets them all, for usage and suggestions
        for (Class<?> c : named != null ? List.of(named) : SUBCOMMANDS) {
            cli.addSubcommand(c);
        }
        return cli.setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler(Main::refused).execute(args);
    }

    /**
     * A command's refusal of its configuration ({@code IllegalArgumentException} from its own
     * checks, {@code CodexException} from the library's, such as a tenants root under /tmp) is
     * its message alone, under the exit code picocli gives a failed command; anything else keeps
     * picocli's stack trace, which is what a bug needs.
     */
    private static int refused(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        if (!(e instanceof IllegalArgumentException || e instanceof CodexException) || e.getMessage() == null) {
            throw e;
        }
        System.err.println(command.getCommandSpec().qualifiedName() + ": " + ApiText.escapeLines(e.getMessage()));
        NewerCodexNote.after(System.err);
        return command.getCommandSpec().exitCodeOnExecutionException();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"codex-bridge " + BuildInfo.version()
                    + " (pinned codex " + CodexVersion.PINNED + ")"};
        }
    }
}
