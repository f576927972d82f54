package dev.codexbridge.process;

import dev.codexbridge.internal.UntrustedText;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Installs a pinned {@code @openai/codex} from the npm registry into a project-local folder
 * (default {@code .codex-cli/}) when it is not already there, and optionally generates the
 * protocol JSON Schema from it. The build runs {@link #main} before the tests; the CLI's
 * {@code install-codex} and {@code demo} use {@link #ensureInstalled}.
 *
 * <p>Installs are serialized by a file lock, so parallel builds cannot interleave two npm runs
 * in one folder.
 */
public final class CodexInstaller {
    public static final String NPM_PACKAGE = "@openai/codex";
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SCHEMA_TIMEOUT = Duration.ofMinutes(2);
    private static final String SCHEMA_STAMP = ".codex-version";

    private CodexInstaller() {
    }

    /** The binary of {@code version} in {@code dir}, installing it first if missing or different. */
    public static Path ensureInstalled(Path dir, CodexVersion version, PrintStream log) {
        Path existing = installed(dir, version);
        if (existing != null) {
            return existing;
        }
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(dir.resolve(".install.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                existing = installed(dir, version);
                if (existing != null) {
                    return existing;
                }
                log.println("installing " + NPM_PACKAGE + "@" + version + " into " + dir + " ...");
                Files.writeString(dir.resolve("package.json"), "{\n"
                        + "  \"name\": \"codex-bridge-codex-cli\",\n"
                        + "  \"private\": true,\n"
                        + "  \"description\": \"The codex CLI pinned by codex-bridge; installed by the build.\",\n"
                        + "  \"dependencies\": { \"" + NPM_PACKAGE + "\": \"" + version + "\" }\n"
                        + "}\n");
                runNpm(dir);
            }
        } catch (IOException e) {
            throw new CodexProcessException("cannot install codex into " + dir + ": " + e.getMessage(), e);
        }
        Path binary = installed(dir, version);
        if (binary == null) {
            throw new CodexProcessException("npm finished but " + dir + " holds no codex " + version
                    + " (is the platform package for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + " published?)");
        }
        log.println("installed codex " + version + " at " + binary);
        return binary;
    }

    /** The binary in {@code dir} if it reports exactly {@code version}, else null. */
    public static @Nullable Path installed(Path dir, CodexVersion version) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        Path binary = CodexLocator.findInInstall(dir).orElse(null);
        if (binary == null) {
            return null;
        }
        try {
            return version.equals(CodexVersionProbe.probe(binary, CodexVersionProbe.DEFAULT_TIMEOUT)) ? binary : null;
        } catch (CodexProcessException e) {
            return null;
        }
    }

    /**
     * Writes the app-server JSON Schema of {@code binary} into {@code out} (stable surface) and
     * {@code out/experimental} (with the experimental methods and fields), unless it already holds
     * the schema of the same version.
     */
    public static void generateSchema(Path binary, CodexVersion version, Path out, PrintStream log) {
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
            // two builds (or two modules of a parallel build) provisioning at once: one writes, the other finds it written
            try (FileChannel ch = FileChannel.open(out.resolveSibling(out.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                generateSchemaLocked(binary, version, out, log);
            }
        } catch (IOException e) {
            throw new CodexProcessException("cannot generate the codex schema into " + out + ": " + e.getMessage(), e);
        }
    }

    private static void generateSchemaLocked(Path binary, CodexVersion version, Path out, PrintStream log) {
        try {
            Path stamp = out.resolve(SCHEMA_STAMP);
            if (Files.isRegularFile(stamp) && Files.readString(stamp).strip().equals(version.toString())
                    && Files.isRegularFile(out.resolve("ClientRequest.json"))
                    && Files.isRegularFile(out.resolve("experimental").resolve("ClientRequest.json"))) {
                return;
            }
            deleteTree(out);
            Files.createDirectories(out);
            run(List.of(binary.toString(), "app-server", "generate-json-schema", "--out", out.toString()),
                    null, SCHEMA_TIMEOUT, "generate-json-schema");
            Path experimental = out.resolve("experimental");
            run(List.of(binary.toString(), "app-server", "generate-json-schema", "--experimental",
                    "--out", experimental.toString()), null, SCHEMA_TIMEOUT, "generate-json-schema --experimental");
            Files.writeString(stamp, version + "\n");
            log.println("generated the codex " + version + " protocol schema in " + out);
        } catch (IOException e) {
            throw new CodexProcessException("cannot generate the codex schema into " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code --dir DIR --version X.Y.Z [--schema-out DIR]}: what the build runs before the tests.
     * Exits 1 with a one-line reason on failure.
     */
    public static void main(String[] args) {
        Path dir = Paths.get(CodexLocator.LOCAL_DIR_NAME);
        CodexVersion version = CodexVersion.PINNED;
        Path schemaOut = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--dir" -> dir = Paths.get(require(value, "--dir"));
                case "--version" -> version = CodexVersion.parse(require(value, "--version"))
                        .orElseThrow(() -> new IllegalArgumentException("bad --version " + value));
                case "--schema-out" -> schemaOut = Paths.get(require(value, "--schema-out"));
                default -> {
                    System.err.println("usage: CodexInstaller --dir DIR --version X.Y.Z [--schema-out DIR]");
                    System.exit(2);
                }
            }
            i++;
        }
        try {
            Path binary = ensureInstalled(dir.toAbsolutePath(), version, System.out);
            if (schemaOut != null) {
                generateSchema(binary, version, schemaOut.toAbsolutePath(), System.out);
            }
        } catch (RuntimeException e) {
            System.err.println("codex provisioning failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String require(String value, String flag) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }

    private static void runNpm(Path dir) {
        String npm = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows") ? "npm.cmd" : "npm";
        List<String> cmd = new ArrayList<>(List.of(npm, "install", "--no-audit", "--no-fund",
                "--no-update-notifier", "--loglevel=error", "--no-package-lock"));
        try {
            run(cmd, dir, NPM_TIMEOUT, "npm install");
        } catch (CodexProcessException e) {
            if (e.getCause() instanceof IOException) {
                throw new CodexProcessException("npm is needed to install the codex CLI but could not be run ("
                        + e.getCause().getMessage() + "); install Node.js and npm, or set "
                        + CodexLocator.CODEX_BIN_ENV + " to an existing codex binary", e);
            }
            throw e;
        }
    }

    private static void run(List<String> cmd, Path dir, Duration timeout, String what) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CodexProcessException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        StringBuilder output = new StringBuilder();
        Thread drain = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (output) {
                        if (output.length() < 64 * 1024) {
                            output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        }
                    }
                }
            } catch (IOException ignored) {
                // killed on timeout
            }
        }, "codex-bridge-installer-output");
        drain.setDaemon(true);
        drain.start();
        try {
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new CodexProcessException(what + " timed out after " + timeout.toSeconds() + " s");
            }
            drain.join(2000);
            if (p.exitValue() != 0) {
                String out;
                synchronized (output) {
                    out = output.toString().strip();
                }
                throw new CodexProcessException(what + " exited " + p.exitValue() + ":" + UntrustedText.indentedLines(out));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new CodexProcessException(what + " interrupted", e);
        } catch (IOException e) {
            throw new CodexProcessException(what + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
