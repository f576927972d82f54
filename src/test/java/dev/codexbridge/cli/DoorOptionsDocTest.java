package dev.codexbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.a2a.A2aLimits;
import dev.codexbridge.session.ConversationStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What an operator reads is what runs: every option of the doors ({@code a2a}, {@code mcp}, {@code openai}),
 * their mixins' and the inherited ones included, is named in the door's doc, and where it has a
 * default, the doc states it on a line naming the option (a row of the doc's options table).
 * The options come from the CLI's own command classes, so a new option, or a changed default,
 * fails here until the doc says it.
 */
class DoorOptionsDocTest {
    /** Each door and its doc. */
    private static final Map<String, Path> DOORS = Map.of("a2a", Path.of("docs/a2a.md"), "mcp", Path.of("docs/mcp.md"), "openai",
            Path.of("docs/openai.md"));

    /**
     * Defaults the commands apply in code when the option is absent (picocli knows none for them):
     * what the option's line in the doc must say, {@code {command}} standing for the door's name.
     * Read from the code where it keeps them as constants.
     */
    private static final Map<String, List<String>> CODE_DEFAULTS = Map.ofEntries(
            Map.entry("--http", List.of("stdio")),                                                   // McpCommand: stdio without it
            Map.entry("--public-url", List.of("http://HOST:PORT/")),                                 // A2aServer: its own address
            Map.entry("--codex-bin", List.of("CODEX_BIN", "PATH")),                                  // PinnedCodex.locateOrInstall
            Map.entry("--codex-home", List.of("CODEX_HOME", "~/.codex")),                            // inherited by codex
            Map.entry("--workspace", List.of("tenant folder", "current")),                           // per principal; shared
            Map.entry("--push-secret-key-file", List.of("CODEX_BRIDGE_PUSH_SECRET_KEY")),            // A2aCommand.pushSecretKeys
            Map.entry("--contexts", List.of("in memory")),                                           // A2aCommand.contextStore
            Map.entry("--streams-per-principal", List.of(String.valueOf(A2aLimits.DEFAULTS.streamsPerPrincipal()))),
            Map.entry("--blocking-sends-per-principal", List.of(String.valueOf(A2aLimits.DEFAULTS.blockingSendsPerPrincipal()))),
            Map.entry("--caller-settings", List.of("none", "all")),                                  // over HTTP; on stdio
            Map.entry("--tokens", List.of("made-up")),                                               // CallerAuthOptions.authenticator
            Map.entry("--tenants-root", List.of("{command}-tenants")),                               // CallerCodexOptions.defaultRoot
            Map.entry("--store-password-file", List.of("CODEX_BRIDGE_STORE_PASSWORD")),              // StoreOptions.credentials
            Map.entry("--store-holder", List.of("pid")),                                             // StorageOptions.defaultHolder
            Map.entry("--store-lease", List.of(String.valueOf(ConversationStorage.DOORS_LEASE.toSeconds()))),
            Map.entry("--keep-slept-copy", List.of(String.valueOf(ConversationStorage.DEFAULT_KEEP_SLEPT_COPY.toSeconds()))),
            Map.entry("--store-timeout", List.of(String.valueOf(ConversationStorage.DOORS_LEASE.toSeconds()))),
            Map.entry("--store-start-wait", List.of(String.valueOf(StorageOptions.SERVER_START_WAIT))));

    /** Options with no default: required, or nothing of theirs applies when absent. */
    private static final Set<String> NO_DEFAULT = Set.of("--listen", "--anonymous", "--jwt-jwks", "--jwt-hs256-secret-file",
            "--jwt-issuer", "--jwt-audience", "--allow-origin", "--allow-host", "--allow", "--store", "--retain-days", "--retain-tenant");

    /** picocli's {@code ${env:NAME:-FALLBACK}}: the doc names both the variable and the fallback. */
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:(\\w+):-([^}]*)}");
    /** Any other picocli variable with a fallback, as the standard help options' names are written: {@code ${picocli.help.name.1:---help}}. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*?:-([^}]*)}");

    @Test
    void everyOptionOfEachDoorIsInItsDocWithItsDefault() throws IOException {
        for (Map.Entry<String, Path> door : DOORS.entrySet()) {
            assertThat(problems(spec(door.getKey()), Files.readAllLines(door.getValue())))
                    .as("%s: every option of `codex-bridge %s` with its default on its line", door.getValue(), door.getKey()).isEmpty();
        }
    }

    /** {@code --help} says the same: every option with a default names it in its description ({@code ${DEFAULT-VALUE}} or words). */
    @Test
    void everyDefaultIsInTheOptionsHelpToo() {
        for (String door : DOORS.keySet()) {
            for (OptionSpec option : spec(door).options()) {
                List<String> expected = expectedDefault(option, door);
                if (expected != null && !expected.isEmpty()) {
                    assertThat(String.join(" ", option.description())).as("%s %s", door, name(option))
                            .containsIgnoringCase("default");
                }
            }
        }
    }

    /** The door's options as the CLI builds them: its own, its mixins', and the top command's inherited ones. */
    @Test
    void theSpecHoldsTheMixinsAndInheritedOptions() {
        Set<String> a2a = spec("a2a").options().stream().map(DoorOptionsDocTest::name).collect(Collectors.toSet());
        assertThat(a2a).contains("--listen", "--hibernate-after", "--tokens", "--allow", "--store-lease", "--store-timeout",
                CliLogging.OPTION, "--help");
        Set<String> mcp = spec("mcp").options().stream().map(DoorOptionsDocTest::name).collect(Collectors.toSet());
        assertThat(mcp).contains("--http", "--hibernate-after", "--caller-settings", "--store", CliLogging.OPTION);
    }

    /** The check fails on a doc that leaves an option out or states another default: e.g. {@code --hibernate-after}'s 60 s. */
    @Test
    void aMissingOptionOrAnotherDefaultIsReported() throws IOException {
        List<String> doc = Files.readAllLines(DOORS.get("a2a"));
        List<String> without = doc.stream().filter(line -> !line.contains("--hibernate-after")).toList();
        assertThat(problems(spec("a2a"), without)).containsExactly("--hibernate-after: not in the doc");

        List<String> otherDefault = doc.stream().map(line -> line.contains("--hibernate-after") ? line.replace("60", "30") : line).toList();
        assertThat(problems(spec("a2a"), otherDefault)).containsExactly("--hibernate-after: no line naming it states its default 60");

        List<String> otherStreams = doc.stream().map(line -> line.contains("--tasks") ? line.replace("10000", "100000")
                .replace("10,000", "100,000") : line).toList();
        assertThat(problems(spec("a2a"), otherStreams)).containsExactly("--tasks: no line naming it states its default 10000");
    }

    /** The door's command spec, built from the CLI's classes as {@link Main#run} builds it. */
    private static CommandSpec spec(String door) {
        CommandLine cli = new CommandLine(new Main());
        Main.SUBCOMMANDS.forEach(cli::addSubcommand);
        // the annotated text, not the environment's value: ${env:...} defaults are checked as written
        cli.setInterpolateVariables(false);
        return cli.getSubcommands().get(door).getCommandSpec();
    }

    /** What the doc misses of the command's options, one line each; empty when it names them all with their defaults. */
    static List<String> problems(CommandSpec spec, List<String> doc) {
        String command = spec.name();
        List<String> problems = new ArrayList<>();
        for (OptionSpec option : spec.options()) {
            String name = name(option);
            Pattern named = Pattern.compile("(?<![\\w-])" + Pattern.quote(name) + "(?![\\w-])");
            List<String> lines = doc.stream().filter(line -> named.matcher(line).find())
                    .map(line -> line.replaceAll("(\\d),(\\d{3})", "$1$2")).toList();   // 10,000 reads as 10000
            if (lines.isEmpty()) {
                problems.add(name + ": not in the doc");
                continue;
            }
            List<String> expected = expectedDefault(option, command);
            if (expected == null) {
                problems.add(name + ": neither a picocli default nor listed in CODE_DEFAULTS or NO_DEFAULT (read the code: "
                        + "what applies when it is absent?)");
                continue;
            }
            if (!expected.isEmpty() && lines.stream().noneMatch(line -> expected.stream().allMatch(d -> states(line, d)))) {
                problems.add(name + ": no line naming it states its default " + String.join(", ", expected));
            }
        }
        return problems;
    }

    /** What the option's line must say of its default; empty for none; null when the option is not classified here. */
    private static List<String> expectedDefault(OptionSpec option, String command) {
        String name = name(option);
        if (option.defaultValue() != null) {
            Matcher env = ENV_DEFAULT.matcher(option.defaultValue());
            return env.matches() ? List.of(env.group(1), env.group(2)) : List.of(option.defaultValue());
        }
        if (CODE_DEFAULTS.containsKey(name)) {
            return CODE_DEFAULTS.get(name).stream().map(d -> d.replace("{command}", command)).toList();
        }
        // a flag is off unless given (a negatable one's default is named by its own description)
        if (option.arity().max() == 0 || NO_DEFAULT.contains(name)) {
            return List.of();
        }
        return null;
    }

    /** The option's longest name, as {@code --help} prints it. */
    private static String name(OptionSpec option) {
        return VARIABLE.matcher(option.longestName()).replaceAll("$1");
    }

    /** Whether {@code line} says {@code value} as a word of its own (60 is not in 600). */
    private static boolean states(String line, String value) {
        return Pattern.compile("(?<![\\w.])" + Pattern.quote(value) + "(?![\\w])").matcher(line).find();
    }
}
