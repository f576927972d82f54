package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.support.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodexLocatorTest {
    @TempDir
    Path tmp;
    private Path project;
    private Path nested;
    private Path pathDir;
    private Path localNative;

    @BeforeEach
    void layout() throws Exception {
        // the search upward from the test's folders must find only what the test lays out: a codex installed above them
        // (a runnable jar once run with /tmp as its working folder installs one in /tmp/.codex-cli) is named, not met as a wrong answer
        for (Path above = tmp.toAbsolutePath().getParent(); above != null; above = above.getParent()) {
            assertThat(above.resolve(".codex-cli")).as("a codex install above the test's temporary folders, which the locator "
                    + "would find before the PATH this test sets up: remove it (or set java.io.tmpdir elsewhere)").doesNotExist();
        }
        project = tmp.resolve("project");
        nested = Files.createDirectories(project.resolve("sub/dir"));
        Path vendorBin = project.resolve(".codex-cli/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin");
        localNative = Scripts.write(vendorBin, "codex", "echo codex-cli 0.169.0");
        Scripts.write(project.resolve(".codex-cli/node_modules/.bin"), "codex", "echo launcher");
        pathDir = tmp.resolve("path-bin");
        Scripts.write(pathDir, "codex", "echo on-path");
    }

    private CodexLocator locator(Map<String, String> env, Path cwd) {
        return new CodexLocator(env::get, k -> null, cwd);
    }

    @Test
    void explicitPathWinsAndMustBeExecutable() {
        Path explicit = Scripts.write(tmp.resolve("x"), "my-codex", "true");
        CodexLocator.Located l = locator(Map.of("CODEX_BIN", "/nope"), nested).locate(explicit);
        assertThat(l.binary()).isEqualTo(explicit);
        assertThat(l.source()).isEqualTo(CodexLocator.Source.EXPLICIT);
        assertThatThrownBy(() -> locator(Map.of(), nested).locate(tmp.resolve("absent")))
                .isInstanceOf(CodexNotFoundException.class);
    }

    @Test
    void codexBinEnvironmentComesNextAndABadValueIsAnError() {
        Path envBin = Scripts.write(tmp.resolve("env"), "codex-env", "true");
        assertThat(locator(Map.of("CODEX_BIN", envBin.toString()), nested).locate(null).source())
                .isEqualTo(CodexLocator.Source.ENVIRONMENT);
        assertThatThrownBy(() -> locator(Map.of("CODEX_BIN", "/does/not/exist"), nested).locate(null))
                .isInstanceOf(CodexNotFoundException.class).hasMessageContaining("CODEX_BIN=/does/not/exist");
    }

    @Test
    void projectLocalInstallIsFoundFromSubfoldersAndPrefersTheNativeBinary() {
        Map<String, String> env = new HashMap<>(Map.of("PATH", pathDir.toString()));
        CodexLocator.Located l = locator(env, nested).locate(null);
        assertThat(l.binary()).isEqualTo(localNative);
        assertThat(l.source()).isEqualTo(CodexLocator.Source.PROJECT_LOCAL);
    }

    @Test
    void pathIsTheLastResort() {
        CodexLocator.Located l = locator(Map.of("PATH", "/nonexistent:" + pathDir), tmp).locate(null);
        assertThat(l.binary()).isEqualTo(pathDir.resolve("codex"));
        assertThat(l.source()).isEqualTo(CodexLocator.Source.PATH);
    }

    @Test
    void nothingFoundListsEveryPlaceLookedAtInOrderAndEveryWayToProvideCodex() {
        assertThatThrownBy(() -> locator(Map.of("PATH", "/nonexistent:/also-not"), tmp).locate(null))
                .isInstanceOf(CodexNotFoundException.class)
                .hasMessageStartingWith("codex CLI not found. Looked, in this order, at:\n"
                        + "  1. an explicit binary (CodexLaunch.appServer(...), --codex-bin): none given\n"
                        + "  2. CODEX_BIN: not set\n"
                        + "  3. the install folder -Dcodexbridge.codexDir / CODEX_BRIDGE_CODEX_DIR: not set\n"
                        + "  4. .codex-cli/ in " + tmp + " or a parent folder: none\n"
                        + "  5. PATH (/nonexistent:/also-not): no executable codex\n"
                        + "Fix it with one of:\n")
                .hasMessageContaining("npm install -g @openai/codex@" + CodexVersion.PINNED)
                .hasMessageContaining("install-codex --dir DIR, then -Dcodexbridge.codexDir=DIR or CODEX_BRIDGE_CODEX_DIR=DIR")
                .hasMessageContaining("CODEX_BIN=/path/to/codex")
                .hasMessageContaining("CodexLaunch.appServer(path)")
                .hasMessageContaining("--codex-bin");
    }

    @Test
    void aConfiguredInstallFolderReplacesTheSearchUpwardAndIsNamedWhenItHoldsNoCodex() {
        Path empty = tmp.resolve("empty-install");
        Function<String, String> props = Map.of("codexbridge.codexDir", empty.toString())::get;
        // .codex-cli above `nested` holds a codex, but the configured folder is the only one looked at
        assertThatThrownBy(() -> new CodexLocator(Map.of("PATH", "/nonexistent")::get, props, nested).locate(null))
                .isInstanceOf(CodexNotFoundException.class)
                .hasMessageContaining("  3. the install folder -Dcodexbridge.codexDir / CODEX_BRIDGE_CODEX_DIR = " + empty + ": no such folder\n"
                        + "  4. PATH (/nonexistent): no executable codex\n");
        Path installed = tmp.resolve("chosen");
        Path bin = Scripts.write(installed.resolve("node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin"),
                "codex", "echo codex-cli 0.169.0");
        CodexLocator.Located l = new CodexLocator(Map.of(CodexLocator.INSTALL_DIR_ENV, installed.toString())::get, k -> null, nested)
                .locate(null);
        assertThat(l.binary()).isEqualTo(bin);
        assertThat(l.source()).isEqualTo(CodexLocator.Source.PROJECT_LOCAL);
        assertThatThrownBy(() -> new CodexLocator(Map.of(CodexLocator.INSTALL_DIR_ENV, pathDir.toString())::get, k -> null, nested)
                .locate(null)).hasMessageContaining("= " + pathDir + ": no codex inside");
    }

    @Test
    void aBadExplicitBinaryOrCodexBinSaysHowToFixIt() {
        assertThatThrownBy(() -> locator(Map.of(), nested).locate(tmp.resolve("absent")))
                .hasMessageStartingWith("codex binary " + tmp.resolve("absent") + " (given explicitly) does not exist or is not executable.\n")
                .hasMessageContaining("Fix it with one of:");
        assertThatThrownBy(() -> locator(Map.of("CODEX_BIN", "no-such-codex", "PATH", pathDir.toString()), nested).locate(null))
                .hasMessageStartingWith("CODEX_BIN=no-such-codex does not name an executable file (nor one on PATH).\n");
    }
}
