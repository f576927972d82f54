package dev.codexbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.support.CliRun;
import dev.codexbridge.support.LiveCodex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code install-codex --dir DIR}: the pinned codex in a folder the host chooses, its path on stdout. */
class InstallCodexCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderThatAlreadyHoldsThePinnedCodexIsUsedAsIsAndItsBinaryPrinted() throws Exception {
        LiveCodex.binary();
        // the build's own install stands in for a finished npm install, so no network is needed
        Path dir = Files.createDirectories(tmp.resolve("host/codex"));
        Files.createSymbolicLink(dir.resolve("node_modules"),
                Paths.get(System.getProperty(CodexLocator.INSTALL_DIR_PROPERTY)).toAbsolutePath().resolve("node_modules"));
        String[] r = CliRun.run("install-codex", "--dir", dir.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        Path binary = Paths.get(r[1].strip());
        assertThat(binary).startsWithRaw(dir).isExecutable();
        assertThat(CodexLocator.findInInstall(dir)).contains(binary);
        assertThat(r[2]).doesNotContain("installing")
                .contains("use it with -Dcodexbridge.codexDir=" + dir + ", CODEX_BRIDGE_CODEX_DIR=" + dir + " or CODEX_BIN=" + binary);
    }

    @Test
    void aFolderThatCannotBeCreatedIsAOneLineErrorAndExitOne() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "");
        String[] r = CliRun.run("install-codex", "--dir", file.resolve("codex").toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).isEmpty();
        // contains, not startsWith: in the full suite the fuzzing agent may log to stderr first
        assertThat(r[2]).contains("codex-bridge install-codex: cannot install codex into " + file.resolve("codex"))
                .doesNotContain("\tat ");
    }
}
