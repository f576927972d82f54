package dev.codexbridge.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Finds the codex binary: an explicit path, then {@code CODEX_BIN}, then an install folder (the one
 * named by {@code -Dcodexbridge.codexDir} or {@code CODEX_BRIDGE_CODEX_DIR}, else the nearest
 * {@code .codex-cli/} from the working directory up; see {@link CodexInstaller}), then the artifact
 * {@code codex-bridge-codex-PLATFORM} on the class path (unpacked into a cache by
 * {@link CodexArtifactCache}; decision 0042), then {@code PATH}.
 *
 * <p>In a project-local npm install the native executable is used directly rather than the
 * {@code codex.js} launcher, so no Node process sits between the client and codex (signals,
 * exit codes and descendants then refer to codex itself).
 */
public final class CodexLocator {
    /** Environment variable naming the codex binary. */
    public static final String CODEX_BIN_ENV = "CODEX_BIN";
    /** System property / environment variable naming the project-local install folder. */
    public static final String INSTALL_DIR_PROPERTY = "codexbridge.codexDir";
    public static final String INSTALL_DIR_ENV = "CODEX_BRIDGE_CODEX_DIR";
    /** Folder name of the project-local install, searched from the working directory upward. */
    public static final String LOCAL_DIR_NAME = ".codex-cli";

    /** Where a binary came from, for status output and error messages. */
    public enum Source { EXPLICIT, ENVIRONMENT, PROJECT_LOCAL, CLASS_PATH, PATH }

    /** How to get the pinned codex, one way per line (shared by every "not found" message). */
    public static final String INSTALL_HINT = "Fix it with one of:\n"
            + "  - add the dependency dev.codexbridge:codex-bridge-codex-PLATFORM (e.g. codex-bridge-codex-linux-x64; no Node needed)\n"
            + "  - npm install -g @openai/codex@" + CodexVersion.PINNED + "   (puts codex on PATH)\n"
            + "  - codex-bridge install-codex --dir DIR, then -D" + INSTALL_DIR_PROPERTY + "=DIR or " + INSTALL_DIR_ENV + "=DIR\n"
            + "  - " + CODEX_BIN_ENV + "=/path/to/codex\n"
            + "  - CodexClient.builder().process(CodexLaunch.appServer(path).build()), also as a session's connection(...)\n"
            + "(docs/embedding.md, \"Finding codex\")";

    public record Located(Path binary, Source source) {
        public Located {
            // absolute, so a process started in another working directory still finds it
            binary = binary.toAbsolutePath();
        }
    }

    private final Function<String, String> env;
    private final Function<String, String> properties;
    private final Path workingDirectory;
    private final @Nullable ClassLoader artifactLoader;

    public CodexLocator() {
        this(System::getenv, System::getProperty, Paths.get("").toAbsolutePath(), CodexLocator.class.getClassLoader());
    }

    /** For tests: injectable environment, system properties and working directory; the class path is not searched. */
    public CodexLocator(Function<String, String> env, Function<String, String> properties, Path workingDirectory) {
        this(env, properties, workingDirectory, null);
    }

    /**
     * Injectable environment, system properties and working directory, and the class loader whose
     * class path is searched for a {@code codex-bridge-codex-PLATFORM} artifact (null: none is).
     */
    public CodexLocator(Function<String, String> env, Function<String, String> properties, Path workingDirectory,
            @Nullable ClassLoader artifactLoader) {
        this.env = env;
        this.properties = properties;
        this.workingDirectory = workingDirectory;
        this.artifactLoader = artifactLoader;
    }

    public static CodexLocator fromEnvironment(Map<String, String> env, Path workingDirectory) {
        return new CodexLocator(env::get, k -> null, workingDirectory);
    }

    /**
     * Locates codex, preferring {@code explicit} when given (it must then be executable). When
     * nothing is found the {@link CodexNotFoundException} lists every place looked at, in order,
     * and the ways to provide codex.
     */
    public Located locate(@Nullable Path explicit) {
        if (explicit != null) {
            if (isExecutable(explicit)) {
                return new Located(explicit, Source.EXPLICIT);
            }
            throw new CodexNotFoundException("codex binary " + explicit.toAbsolutePath()
                    + " (given explicitly) does not exist or is not executable.\n" + INSTALL_HINT);
        }
        List<String> looked = new ArrayList<>();
        looked.add("an explicit binary (CodexLaunch.appServer(...), --codex-bin): none given");
        String fromEnv = env.apply(CODEX_BIN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Paths.get(fromEnv);
            if (isExecutable(p)) {
                return new Located(p, Source.ENVIRONMENT);
            }
            if (!fromEnv.contains(File.separator)) {
                Optional<Path> onPath = searchPath(fromEnv);
                if (onPath.isPresent()) {
                    return new Located(onPath.get(), Source.ENVIRONMENT);
                }
            }
            // a CODEX_BIN that points nowhere is a mistake to report, not a reason to run another codex
            throw new CodexNotFoundException(CODEX_BIN_ENV + "=" + fromEnv + " does not name an executable file"
                    + (fromEnv.contains(File.separator) ? "" : " (nor one on PATH)") + ".\n" + INSTALL_HINT);
        }
        looked.add(CODEX_BIN_ENV + ": not set");
        String configured = configuredInstallDir();
        Optional<Path> installDir = localInstallDir();
        if (installDir.isPresent()) {
            Optional<Path> local = findInInstall(installDir.get());
            if (local.isPresent()) {
                return new Located(local.get(), Source.PROJECT_LOCAL);
            }
        }
        if (configured != null) {
            looked.add("the install folder -D" + INSTALL_DIR_PROPERTY + " / " + INSTALL_DIR_ENV + " = " + configured + ": "
                    + (installDir.isPresent() ? "no codex inside (no node_modules/@openai/codex-*/vendor/*/bin/codex)" : "no such folder"));
        } else {
            looked.add("the install folder -D" + INSTALL_DIR_PROPERTY + " / " + INSTALL_DIR_ENV + ": not set");
            looked.add(installDir.map(d -> LOCAL_DIR_NAME + " at " + d + ": no codex inside")
                    .orElse(LOCAL_DIR_NAME + "/ in " + workingDirectory + " or a parent folder: none"));
        }
        Optional<Path> fromArtifact = fromClassPath(looked);
        if (fromArtifact.isPresent()) {
            return new Located(fromArtifact.get(), Source.CLASS_PATH);
        }
        Optional<Path> onPath = searchPath("codex");
        if (onPath.isPresent()) {
            return new Located(onPath.get(), Source.PATH);
        }
        String path = env.apply("PATH");
        looked.add("PATH" + (path == null || path.isBlank() ? ": not set" : " (" + path + "): no executable codex"));
        StringBuilder message = new StringBuilder("codex CLI not found. Looked, in this order, at:\n");
        for (int i = 0; i < looked.size(); i++) {
            message.append("  ").append(i + 1).append(". ").append(looked.get(i)).append('\n');
        }
        throw new CodexNotFoundException(message.append(INSTALL_HINT).toString());
    }

    /**
     * The executable of the artifact for this platform, unpacked; empty when there is none. An
     * artifact that is there but cannot be unpacked is an error, not a reason to run another codex.
     */
    private Optional<Path> fromClassPath(List<String> looked) {
        if (artifactLoader == null) {
            return Optional.empty();
        }
        Optional<String> platform = CodexArtifact.currentPlatform();
        if (platform.isEmpty()) {
            looked.add("the class path: codex publishes no build for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch"));
            return Optional.empty();
        }
        Optional<CodexArtifact> artifact = CodexArtifact.find(artifactLoader, platform.get());
        if (artifact.isEmpty()) {
            looked.add("the class path: no codex-bridge-codex-" + platform.get() + " artifact");
            return Optional.empty();
        }
        Path root = CodexArtifactCache.defaultRoot(env, properties);
        if (root == null) {
            throw new CodexNotFoundException(artifact.get() + " is on the class path but there is no folder to unpack it into: set -D"
                    + CodexArtifactCache.CACHE_PROPERTY + " or " + CodexArtifactCache.CACHE_ENV + ".");
        }
        return Optional.of(new CodexArtifactCache(root).executable(artifact.get()));
    }

    private String configuredInstallDir() {
        String configured = properties.apply(INSTALL_DIR_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = env.apply(INSTALL_DIR_ENV);
        }
        return configured == null || configured.isBlank() ? null : configured;
    }

    /** The configured install folder, or the nearest {@code .codex-cli} from the working directory up. */
    public Optional<Path> localInstallDir() {
        String configured = configuredInstallDir();
        if (configured != null) {
            Path p = Paths.get(configured);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path dir = workingDirectory; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(LOCAL_DIR_NAME);
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The native codex executable inside an npm install folder, or its launcher script. */
    public static Optional<Path> findInInstall(Path installDir) {
        Path scope = installDir.resolve("node_modules").resolve("@openai");
        String exe = isWindows() ? "codex.exe" : "codex";
        if (Files.isDirectory(scope)) {
            try (Stream<Path> packages = Files.list(scope)) {
                for (Path pkg : (Iterable<Path>) packages.sorted()::iterator) {
                    if (!pkg.getFileName().toString().startsWith("codex-")) {
                        continue;
                    }
                    Path vendor = pkg.resolve("vendor");
                    if (!Files.isDirectory(vendor)) {
                        continue;
                    }
                    try (Stream<Path> triples = Files.list(vendor)) {
                        for (Path triple : (Iterable<Path>) triples.sorted()::iterator) {
                            // vendor/<triple>/bin/codex since 0.16x; vendor/<triple>/codex/codex before
                            for (Path candidate : List.of(triple.resolve("bin").resolve(exe), triple.resolve("codex").resolve(exe))) {
                                if (isExecutable(candidate)) {
                                    return Optional.of(candidate);
                                }
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // unreadable install: fall through to the launcher
            }
        }
        Path launcher = installDir.resolve("node_modules").resolve(".bin").resolve(isWindows() ? "codex.cmd" : "codex");
        return isExecutable(launcher) ? Optional.of(launcher) : Optional.empty();
    }

    private Optional<Path> searchPath(String name) {
        String path = env.apply("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(dir, name);
            if (isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean isExecutable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }
}
