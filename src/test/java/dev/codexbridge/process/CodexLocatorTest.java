package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.support.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
    void nothingFoundSaysWhatWasTriedAndHowToInstall() {
        assertThatThrownBy(() -> locator(Map.of("PATH", "/nonexistent"), tmp).locate(null))
                .isInstanceOf(CodexNotFoundException.class)
                .hasMessageContaining("codex CLI not found")
                .hasMessageContaining(".codex-cli")
                .hasMessageContaining("@openai/codex@" + CodexVersion.PINNED);
    }
}
