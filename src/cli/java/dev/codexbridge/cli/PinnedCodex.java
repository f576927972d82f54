package dev.codexbridge.cli;

import dev.codexbridge.process.CodexInstaller;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexNotFoundException;
import dev.codexbridge.process.CodexVersion;
import java.io.PrintStream;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The codex a command starts: {@code --codex-bin} when given (it must exist), else the one the
 * locator finds, else the pinned version installed first into the default install folder — so
 * every command that starts codex works on a fresh checkout as {@code demo} always did.
 */
final class PinnedCodex {
    private PinnedCodex() {
    }

    static Path locateOrInstall(@Nullable Path codexBin, PrintStream log) {
        if (codexBin != null) {
            return new CodexLocator().locate(codexBin).binary();   // an explicit binary that is missing is a mistake to report
        }
        try {
            return new CodexLocator().locate(null).binary();
        } catch (CodexNotFoundException e) {
            log.println("codex not found; installing the pinned " + CodexVersion.PINNED + " first");
            return CodexInstaller.ensureInstalled(InstallCodexCommand.Installs.defaultDir(), CodexVersion.PINNED, log);
        }
    }
}
