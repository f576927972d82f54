package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When {@code bin/codex-bridge} rebuilds its jar: only for a source or build file newer than it,
 * never for what a build writes ({@code modules/*}{@code /target}, {@code target/}) or a hidden
 * file (an attach's {@code .attach_pid<pid>} in a module's folder, seen on a fresh clone); and on a
 * non-terminal it prints nothing but the CLI's own output, Maven's included.
 */
class LauncherRebuildIT {
    private static final String VERSION_LINE = "codex-bridge [^ ]+ \\(pinned codex "
            + java.util.regex.Pattern.quote(dev.codexbridge.BuildInfo.pinnedCodexVersion()) + "\\)\n";

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private Run run(Path launcher, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--version").directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8));
    }

    /** The repository as the build left it, its outputs newer than the jar: the launcher runs the jar as it is. */
    @Test
    void afterABuildTheLauncherRunsTheJarWithoutRebuilding() throws Exception {
        Path root = Paths.get("").toAbsolutePath();
        Path jar = root.resolve("target/codex-bridge.jar");
        FileTime built = Files.getLastModifiedTime(jar);
        Instant later = built.toInstant().plusSeconds(5);
        List<Path> outputs = List.of(root.resolve("target/launcher-rebuild-it.out"),
                root.resolve("modules/library/target/launcher-rebuild-it.out"));
        try {
            for (Path o : outputs) {
                Files.createDirectories(o.getParent());
                Files.writeString(o, "a build output");
                Files.setLastModifiedTime(o, FileTime.from(later));
            }
            Run r = run(root.resolve("bin/codex-bridge"), Map.of());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).matches(VERSION_LINE);
            assertThat(r.err()).isEmpty();
            assertThat(Files.getLastModifiedTime(jar)).as("the jar was not rebuilt").isEqualTo(built);
        } finally {
            for (Path o : outputs) {
                Files.deleteIfExists(o);
            }
        }
    }

    /**
     * A copy of the launcher in a small tree with a stand-in {@code mvn} that records its calls and
     * prints what a quiet Maven run does (colour resets): a touched source rebuilds once, build
     * outputs do not, and a failed build shows Maven's output on stderr without escape sequences.
     */
    @Test
    void aChangedSourceRebuildsOnceAndMavensOutputStaysOutOfTheClis() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        Path launcher = Files.createDirectories(root.resolve("bin")).resolve("codex-bridge");
        Files.copy(Paths.get("bin/codex-bridge"), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.createDirectories(root.resolve("target")).resolve("codex-bridge.jar");
        Files.copy(Paths.get("target/codex-bridge.jar"), jar);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Path source = write(root.resolve("src/main/java/A.java"), "class A {}", now.minusSeconds(3600));
        write(root.resolve("pom.xml"), "<project/>", now.minusSeconds(3600));
        write(root.resolve("modules/library/pom.xml"), "<project/>", now.minusSeconds(3600));
        Files.setLastModifiedTime(jar, FileTime.from(now.minusSeconds(1800)));
        // what a build writes, newer than the jar
        write(root.resolve("modules/library/target/classes/A.class"), "x", now);
        write(root.resolve("target/tests-main-classes/B.class"), "x", now);
        // and what a JVM a build's tests attach to leaves in its working directory for a moment
        write(root.resolve("modules/library/.attach_pid4242"), "", now);

        Path calls = tmp.resolve("mvn-calls");
        Path fakeBin = Files.createDirectories(tmp.resolve("fake-bin"));
        Path mvn = fakeBin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\n"
                + "echo \"$*\" >> '" + calls + "'\n"
                + "printf '\\033[0m\\033[0m'\n"
                + "printf '\\033[0m' >&2\n"
                + "if [ -n \"$FAKE_MVN_FAIL\" ]; then printf '\\033[1;31m[ERROR]\\033[0m the build broke\\n'; exit 1; fi\n"
                + "touch target/codex-bridge.jar\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = Map.of("PATH", fakeBin + ":" + System.getenv("PATH"), "CODEX_BRIDGE_CDS", "0");

        Run first = run(launcher, env);
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).matches(VERSION_LINE);
        assertThat(first.err()).isEmpty();
        assertThat(calls).as("build outputs are not sources").doesNotExist();

        Files.setLastModifiedTime(source, FileTime.from(now.minusSeconds(600)));
        Run rebuilt = run(launcher, env);
        assertThat(rebuilt.exit()).as(rebuilt.err()).isZero();
        assertThat(rebuilt.out()).matches(VERSION_LINE);
        assertThat(rebuilt.err()).as("nothing of Maven on a non-terminal").isEmpty();
        assertThat(Files.readAllLines(calls)).singleElement().asString()
                .contains("-B").contains("-Dstyle.color=never").contains("-pl modules/runnable-jar -am package");

        assertThat(run(launcher, env).out()).matches(VERSION_LINE);
        assertThat(Files.readAllLines(calls)).as("built once").hasSize(1);

        Files.setLastModifiedTime(source, FileTime.from(Instant.now().plusSeconds(60)));
        Map<String, String> failing = new java.util.HashMap<>(env);
        failing.put("FAKE_MVN_FAIL", "1");
        Run failed = run(launcher, failing);
        assertThat(failed.exit()).isNotZero();
        assertThat(failed.out()).isEmpty();
        assertThat(failed.err()).contains("building " + jar + " failed:").contains("[ERROR] the build broke")
                .doesNotContain("\u001b");
    }

    private static Path write(Path file, String text, Instant mtime) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(mtime));
        return file;
    }
}
