package dev.codexbridge.cli;

import dev.codexbridge.process.CodexInstaller;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexProcessException;
import dev.codexbridge.process.CodexVersion;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "install-codex", mixinStandardHelpOptions = true,
        description = {"Install the pinned codex CLI (needs npm) and print the binary's path.",
                "Into any folder with --dir; a host then finds it with -D" + CodexLocator.INSTALL_DIR_PROPERTY + "=DIR, "
                        + CodexLocator.INSTALL_DIR_ENV + "=DIR or " + CodexLocator.CODEX_BIN_ENV + "=<the printed path>."})
final class InstallCodexCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "Install folder, created if missing (default: the project's .codex-cli).")
    Path dir;

    @Override
    public Integer call() {
        Path target = (dir != null ? dir : Installs.defaultDir()).toAbsolutePath().normalize();
        Path binary;
        try {
            binary = CodexInstaller.ensureInstalled(target, CodexVersion.PINNED, System.err);
        } catch (CodexProcessException e) {
            System.err.println("codex-bridge install-codex: " + e.getMessage());
            return 1;
        }
        // stdout is only the path, so `CODEX_BIN=$(codex-bridge install-codex --dir DIR)` works
        System.out.println(binary);
        if (dir != null) {
            System.err.println("use it with -D" + CodexLocator.INSTALL_DIR_PROPERTY + "=" + target + ", "
                    + CodexLocator.INSTALL_DIR_ENV + "=" + target + " or " + CodexLocator.CODEX_BIN_ENV + "=" + binary);
        }
        return 0;
    }

    /** Where the CLI keeps its codex: the configured or nearest {@code .codex-cli}, else one in the cwd. */
    static final class Installs {
        private Installs() {
        }

        static Path defaultDir() {
            return new CodexLocator().localInstallDir()
                    .orElse(Path.of(System.getProperty(CodexLocator.INSTALL_DIR_PROPERTY, CodexLocator.LOCAL_DIR_NAME)))
                    .toAbsolutePath();
        }
    }
}
