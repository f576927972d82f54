package dev.codexbridge.cli;

import dev.codexbridge.process.CodexInstaller;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexVersion;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "install-codex", mixinStandardHelpOptions = true,
        description = "Install the pinned codex CLI into the project-local folder (needs npm).")
final class InstallCodexCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Install folder (default: the project's .codex-cli).")
    Path dir;

    @Override
    public Integer call() {
        Path target = dir != null ? dir : Installs.defaultDir();
        Path binary = CodexInstaller.ensureInstalled(target, CodexVersion.PINNED, System.err);
        System.out.println(binary);
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
