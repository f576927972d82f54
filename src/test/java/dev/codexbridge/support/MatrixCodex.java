package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One codex release of the compatibility matrix, installed beside the pinned one by the build
 * (docs/compatibility.md): the releases before the pin that the matrix keeps — the previous pin
 * ({@code -Dcodexbridge.previousVersion}/{@code previousDir}, the pom's {@code codex.previous.*})
 * and the compatibility version ({@code -Dcodexbridge.compatVersion}/{@code compatDir}, the pom's
 * {@code codex.compat.*}, 0.130.0). A survey ({@code -Dcodexbridge.compatSurvey}, bin/codex-release)
 * is of the compatibility version alone, the release it names.
 */
public record MatrixCodex(String version, Path dir) {
    /** The releases the matrix checks, newest first. */
    public static List<MatrixCodex> all() {
        MatrixCodex compat = new MatrixCodex(System.getProperty("codexbridge.compatVersion", "0.130.0"),
                Paths.get(System.getProperty("codexbridge.compatDir", ".codex-cli-" + System.getProperty("codexbridge.compatVersion", "0.130.0"))));
        List<MatrixCodex> all = new ArrayList<>();
        String previous = System.getProperty("codexbridge.previousVersion", "0.169.0");
        if (System.getProperty("codexbridge.compatSurvey") == null && !previous.equals(compat.version())) {
            all.add(new MatrixCodex(previous, Paths.get(System.getProperty("codexbridge.previousDir", ".codex-cli-" + previous))));
        }
        all.add(compat);
        return List.copyOf(all);
    }

    /** This release's binary, checked to report its version. */
    public Path binary() {
        LiveCodex.binary();
        Path codex = CodexLocator.findInInstall(dir).orElseThrow(() -> new AssertionError("codex " + version + " not installed in " + dir));
        assertThat(CodexVersionProbe.probe(codex, Duration.ofSeconds(20))).isEqualTo(CodexVersion.parse(version).orElseThrow());
        return codex;
    }

    @Override
    public String toString() {
        return "codex " + version;
    }
}
