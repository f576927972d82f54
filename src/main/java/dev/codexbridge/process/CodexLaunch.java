package dev.codexbridge.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * How to start {@code codex app-server}: binary, extra arguments, environment overlay,
 * {@code CODEX_HOME}, working directory, and the grace periods of the shutdown ladder.
 *
 * <p>Environment rule: the inherited environment (this process's, or the
 * {@link Builder#baseEnvironment base environment} given instead) minus what the
 * {@link EnvironmentPolicy} withholds (by default every secret-looking name but codex's own
 * credentials: whatever codex gets, every command it runs gets) and the variables the caller
 * withheld, plus the caller's overlay, plus {@code CODEX_HOME} only when one is given.
 * {@code HOME} is never changed by the library (tools codex runs need the user's real one), and
 * {@code RUST_LOG} defaults to {@code warn} when unset. Withholding applies to inherited variables
 * only: a value the caller sets explicitly is always passed.
 */
public final class CodexLaunch {
    private final Path binary;
    private final List<String> arguments;
    private final Map<String, String> environment;
    private final Predicate<String> withheld;
    private final EnvironmentPolicy environmentPolicy;
    private final Map<String, String> baseEnvironment;
    private final Path codexHome;
    private final Path workingDirectory;
    private final int stderrLines;
    private final Duration closeGrace;
    private final Duration terminateGrace;
    private final Duration killGrace;
    private final String name;
    private final boolean detach;
    /** A command codex runs under (a namespace tool, say), before the binary; empty for none. */
    private final List<String> wrapper;
    private final boolean credentialsToCommands;
    private final IdleRestart idleRestart;
    private final AppServerRecycle recycle;

    /**
     * The override an app-server gets unless the host opts out: codex drops every variable whose
     * name matches {@code *KEY*}, {@code *SECRET*} or {@code *TOKEN*} (case-insensitive) from the
     * environment of the commands it runs, codex's own credentials included, while codex itself
     * keeps them for its model requests. Codex 0.169.0's default passes them.
     */
    /** The variable codex's allocator (jemalloc, with prefixed symbols) reads its options from. */
    public static final String ALLOCATOR_VARIABLE = "_RJEM_MALLOC_CONF";

    /**
     * Codex's allocator options unless the host's environment or overlay names its own: memory that
     * unloaded threads freed goes back to the operating system within about a second, by a
     * background thread, instead of staying with codex (decision 0040, "Codex gives memory back").
     * An empty value restores the allocator's defaults.
     */
    public static final String RETURN_FREED_MEMORY = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";

    public static final List<String> COMMANDS_WITHOUT_CREDENTIALS = List.of("-c", "shell_environment_policy.ignore_default_excludes=false");

    private CodexLaunch(Builder b) {
        this.binary = b.binary;
        this.arguments = List.copyOf(b.arguments);
        this.environment = Map.copyOf(b.environment);
        this.withheld = b.withheld;
        this.environmentPolicy = b.environmentPolicy;
        this.baseEnvironment = b.baseEnvironment == null ? null : Map.copyOf(b.baseEnvironment);
        this.codexHome = b.codexHome;
        this.workingDirectory = b.workingDirectory;
        this.stderrLines = b.stderrLines;
        this.closeGrace = b.closeGrace;
        this.terminateGrace = b.terminateGrace;
        this.idleRestart = b.idleRestart;
        this.recycle = b.recycle;
        this.killGrace = b.killGrace;
        this.name = b.name;
        this.detach = b.detach;
        this.wrapper = List.copyOf(b.wrapper);
        this.credentialsToCommands = b.credentialsToCommands;
    }

    /** An app-server launch of {@code binary}; {@code app-server} is the first argument. */
    public static Builder appServer(Path binary) {
        return new Builder(Objects.requireNonNull(binary, "binary")).argument("app-server");
    }

    /**
     * An app-server launch of the codex binary located ({@link CodexLocator}) each time codex is
     * started, so a missing codex is reported then, with the ways to provide it.
     */
    public static Builder appServer() {
        return new Builder(null).argument("app-server");
    }

    /** A builder holding this launch, to derive another from it. */
    public Builder toBuilder() {
        return copyInto(new Builder(binary));
    }

    private Builder copyInto(Builder b) {
        b.arguments.addAll(arguments);
        b.wrapper.addAll(wrapper);
        b.environment.putAll(environment);
        b.withheld = withheld;
        b.environmentPolicy = environmentPolicy;
        b.baseEnvironment = baseEnvironment;
        b.codexHome = codexHome;
        b.workingDirectory = workingDirectory;
        b.stderrLines = stderrLines;
        b.closeGrace = closeGrace;
        b.terminateGrace = terminateGrace;
        b.killGrace = killGrace;
        b.name = name;
        b.detach = detach;
        b.credentialsToCommands = credentialsToCommands;
        b.idleRestart = idleRestart;
        b.recycle = recycle;
        return b;
    }

    /** A launch of {@code binary} with exactly the arguments given (used for fakes in tests). */
    public static Builder command(Path binary) {
        return new Builder(Objects.requireNonNull(binary, "binary"));
    }

    /** The binary, or null when it is located as codex starts ({@link #appServer()}). */
    public @Nullable Path binary() {
        return binary;
    }

    /** This launch with a binary: itself, or, for {@link #appServer()}, a copy with the binary located now. */
    CodexLaunch located() {
        if (binary != null) {
            return this;
        }
        return new CodexLaunch(copyInto(new Builder(new CodexLocator().locate(null).binary())));
    }

    /** The command codex runs under (a mount namespace, say), empty when it runs directly. */
    public List<String> wrapper() {
        return wrapper;
    }

    public List<String> arguments() {
        return arguments;
    }

    /** The caller's overlay: values that always pass, whatever the policy. */
    public Map<String, String> environment() {
        return environment;
    }

    /** Which inherited variables are kept away from codex (default {@link EnvironmentPolicy#withholdSecrets()}). */
    public EnvironmentPolicy environmentPolicy() {
        return environmentPolicy;
    }

    /** The environment codex inherits in place of this process's, when one was given. */
    public Optional<Map<String, String>> baseEnvironment() {
        return Optional.ofNullable(baseEnvironment);
    }

    public Path codexHome() {
        return codexHome;
    }

    public Path workingDirectory() {
        return workingDirectory;
    }

    public int stderrLines() {
        return stderrLines;
    }

    public Duration closeGrace() {
        return closeGrace;
    }

    public Duration terminateGrace() {
        return terminateGrace;
    }

    public Duration killGrace() {
        return killGrace;
    }

    public String name() {
        return name;
    }

    /** When a client starts codex again to give back memory ({@link IdleRestart#DEFAULT} unless set). */
    public IdleRestart idleRestart() {
        return idleRestart;
    }

    /** When a client starts codex again while it serves, by a bound the host sets ({@link AppServerRecycle#OFF} unless set). */
    public AppServerRecycle recycle() {
        return recycle;
    }

    /** Whether codex runs in a session of its own (see {@link Builder#detachFromTerminal}). */
    public boolean detach() {
        return detach;
    }

    /**
     * The full command line; prefixed with {@code setsid} when detaching and it is available. A
     * launch without a binary locates it here.
     */
    public List<String> command() {
        List<String> cmd = new ArrayList<>(arguments.size() + 2);
        Path setsid = detach ? SETSID : null;
        if (setsid != null) {
            cmd.add(setsid.toString());
        }
        cmd.addAll(wrapper);
        cmd.add(located().binary.toString());
        cmd.addAll(arguments);
        if (!credentialsToCommands && !arguments.isEmpty() && arguments.get(0).equals("app-server")) {
            // after the host's own overrides: a later -c of the same key wins
            cmd.addAll(COMMANDS_WITHOUT_CREDENTIALS);
        }
        return cmd;
    }

    /** {@code setsid} from util-linux, where the platform has it. */
    private static final Path SETSID = findSetsid();

    private static Path findSetsid() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
            Path p = Path.of(dir, "setsid");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Applies the environment rule to {@code env} (a copy of the parent's, as ProcessBuilder gives;
     * replaced by the base environment when the launch has one).
     */
    public void applyEnvironment(Map<String, String> env) {
        if (baseEnvironment != null) {
            env.clear();
            env.putAll(baseEnvironment);
        }
        env.entrySet().removeIf(e -> environmentPolicy.withholds(e.getKey(), e.getValue()) || withheld.test(e.getKey()));
        env.putAll(environment);
        if (codexHome != null) {
            env.put("CODEX_HOME", codexHome.toString());
        }
        env.putIfAbsent("RUST_LOG", "warn");
        env.putIfAbsent(ALLOCATOR_VARIABLE, RETURN_FREED_MEMORY);
    }

    public static final class Builder {
        private final Path binary;
        private final List<String> arguments = new ArrayList<>();
        private final List<String> wrapper = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Predicate<String> withheld = name -> false;
        private EnvironmentPolicy environmentPolicy = EnvironmentPolicy.withholdSecrets();
        private Map<String, String> baseEnvironment;
        private Path codexHome;
        private Path workingDirectory;
        private int stderrLines = 500;
        private Duration closeGrace = Duration.ofSeconds(2);
        private Duration terminateGrace = Duration.ofSeconds(2);
        private Duration killGrace = Duration.ofSeconds(2);
        private String name = "codex";
        private boolean detach;
        private boolean credentialsToCommands;
        private IdleRestart idleRestart = IdleRestart.DEFAULT;
        private AppServerRecycle recycle = AppServerRecycle.OFF;

        /** {@code binary} null: located when codex starts. */
        private Builder(Path binary) {
            this.binary = binary;
        }

        public Builder argument(String argument) {
            arguments.add(Objects.requireNonNull(argument, "argument"));
            return this;
        }

        public Builder arguments(List<String> more) {
            more.forEach(this::argument);
            return this;
        }

        /**
         * Runs codex under {@code command} (its program and arguments, ending where codex's own
         * command line begins): {@code bwrap ... --}, say. Replaces an earlier wrapper.
         */
        public Builder wrapper(List<String> command) {
            wrapper.clear();
            command.forEach(a -> wrapper.add(Objects.requireNonNull(a, "wrapper argument")));
            return this;
        }

        /**
         * Whether the commands codex runs get variables named like credentials ({@code *KEY*},
         * {@code *SECRET*}, {@code *TOKEN*}: {@code OPENAI_API_KEY}, {@code CODEX_API_KEY}, …).
         * Default false: codex keeps its own credentials for its model requests, and the
         * app-server is started with {@link #COMMANDS_WITHOUT_CREDENTIALS}, so a command the model
         * runs ({@code echo $OPENAI_API_KEY}) finds none. True leaves codex's
         * {@code shell_environment_policy} to its {@code config.toml} (codex 0.169.0's default
         * passes them); a host whose commands need one named variable can instead set it with
         * {@code shell_environment_policy.set} in {@code config.toml}.
         */
        public Builder credentialsToCommands(boolean pass) {
            this.credentialsToCommands = pass;
            return this;
        }

        /** Adds {@code -c key=value}, a per-process config override (value is TOML). */
        public Builder configOverride(String key, String tomlValue) {
            return argument("-c").argument(key + "=" + tomlValue);
        }

        /** Sets {@code key} for codex; an explicit value passes whatever the {@link EnvironmentPolicy} says. */
        public Builder environment(String key, String value) {
            environment.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder environment(Map<String, String> overlay) {
            overlay.forEach(this::environment);
            return this;
        }

        /**
         * Keeps the named variables of this process's environment away from codex, e.g. the host's
         * own service tokens that codex and the tools it runs have no business seeing, on top of
         * what the {@link #environmentPolicy policy} withholds.
         */
        public Builder withholdEnvironment(Collection<String> names) {
            Set<String> exact = Set.copyOf(names);
            return withholdEnvironment(exact::contains);
        }

        /** Keeps every inherited variable whose name matches {@code nameFilter} away from codex. */
        public Builder withholdEnvironment(Predicate<String> nameFilter) {
            Objects.requireNonNull(nameFilter, "nameFilter");
            withheld = withheld.or(nameFilter);
            return this;
        }

        /**
         * Which inherited variables codex gets (default {@link EnvironmentPolicy#withholdSecrets()}:
         * secret-looking names are withheld, codex's own credentials pass);
         * {@link EnvironmentPolicy#inheritAll()} passes everything, and
         * {@code withholdSecrets().allow("GITHUB_TOKEN")} lets a named one through. Names given to
         * {@link #withholdEnvironment} stay withheld whatever the policy allows.
         */
        public Builder environmentPolicy(EnvironmentPolicy policy) {
            this.environmentPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * The environment codex inherits in place of this process's (a clean, explicit one, or a
         * test's); the policy and the withheld names apply to it as to this process's.
         */
        public Builder baseEnvironment(Map<String, String> base) {
            Map<String, String> copy = new LinkedHashMap<>();
            Objects.requireNonNull(base, "base").forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"),
                    Objects.requireNonNull(v, "value")));
            this.baseEnvironment = copy;
            return this;
        }

        public Builder codexHome(Path codexHome) {
            this.codexHome = codexHome;
            return this;
        }

        public Builder workingDirectory(Path dir) {
            this.workingDirectory = dir;
            return this;
        }

        /** How many stderr lines to keep for error messages (default 500). */
        public Builder stderrLines(int lines) {
            if (lines <= 0) {
                throw new IllegalArgumentException("stderrLines must be positive");
            }
            this.stderrLines = lines;
            return this;
        }

        /** Shutdown ladder: wait after closing stdin, after SIGTERM, and after SIGKILL. */
        public Builder shutdownGrace(Duration afterClose, Duration afterTerminate, Duration afterKill) {
            this.closeGrace = Objects.requireNonNull(afterClose);
            this.terminateGrace = Objects.requireNonNull(afterTerminate);
            this.killGrace = Objects.requireNonNull(afterKill);
            return this;
        }

        /**
         * Start codex in a session of its own ({@code setsid}, on Linux where available), so a
         * terminal's Ctrl-C reaches the host and not codex: the host decides what an interrupt
         * means ({@code turn/interrupt}). Codex still exits when its stdin closes. Off by default
         * for plain launches; {@code CodexSession} turns it on for app-server launches.
         */
        public Builder detachFromTerminal(boolean on) {
            this.detach = on;
            return this;
        }

        /**
         * When the client running this codex starts it again to give back the memory it keeps after
         * its threads unloaded: by default after 60 s with nothing loaded and nothing said, once it
         * has grown by 64 MiB since its start; {@link IdleRestart#OFF} never.
         */
        public Builder idleRestart(IdleRestart policy) {
            this.idleRestart = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * When the client running this codex starts it again while it serves, to give back what
         * codex keeps for every conversation it served: after so many conversations, or once it has
         * grown by so much, at a moment no turn runs (decision 0116); {@link AppServerRecycle#OFF}
         * (the default) never.
         */
        public Builder recycle(AppServerRecycle policy) {
            this.recycle = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Names threads and log lines of this process. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public CodexLaunch build() {
            return new CodexLaunch(this);
        }
    }
}
