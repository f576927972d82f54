package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.LiveCodex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `bin/codex-bridge demo` from a clean folder, the way a new user runs the README's first command.
 * It runs among the other classes, not after them: it only reads the jar the runnable-jar module
 * built before this module and writes the launcher's own class archives, which no other class
 * uses ({@code LauncherRebuildIT}, which rebuilds the jar, stays in the integration-test phase).
 */
class LauncherLiveTest {
    @BeforeAll
    static void liveTestsOn() {
        LiveCodex.binary();
    }

    @TempDir
    Path tmp;

    @Test
    void theDemoRunsFromAnywhereAndPrintsTheTranscript() throws IOException, InterruptedException {
        Path launcher = Paths.get("bin", "codex-bridge").toAbsolutePath();
        Path log = tmp.resolve("demo.log");
        Process p = new ProcessBuilder(launcher.toString(), "demo").directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("user> Look around and leave a greeting in hello.txt.")
                .contains("? approval: /bin/bash -c 'pwd && ls -a'")
                .contains("\"role\":\"tool\"")
                .contains("hello.txt: Hello from codex-bridge!")
                .doesNotContain("building");
        // a clean first run: codex reports no error (the scripted model's events are in a valid
        // order) and its start-up notices, which a newcomer cannot act on, stay out of the output
        assertThat(out).doesNotContain("ERROR").doesNotContain("WARN").doesNotContain("bubblewrap")
                .doesNotContain("Unknown model").doesNotContain("dev.codexbridge.codex.stderr");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("demo.log");
        }
    }

    /**
     * The launcher keeps a class data sharing archive beside the jar, and an archive the JVM
     * rejects (here: not an archive at all) costs nothing but the saving: not a byte about it on
     * stdout or stderr.
     */
    @Test
    void theLauncherKeepsAClassArchiveAndOneTheJvmRejectsIsSilent() throws IOException, InterruptedException {
        Path launcher = Paths.get("bin", "codex-bridge").toAbsolutePath();
        String[] first = runForOutput(launcher.toString(), "--version");
        assertThat(first[0]).startsWith("codex-bridge ");
        List<Path> archives;
        try (var files = Files.list(Paths.get("target", "cds"))) {
            archives = files.filter(f -> f.toString().endsWith(".jsa")).toList();
        }
        assertThat(archives).isNotEmpty();
        for (Path archive : archives) {
            archive.toFile().setWritable(true);
            Files.writeString(archive, "not a class archive");
        }
        try {
            String[] rejected = runForOutput(launcher.toString(), "--version");
            assertThat(rejected[0]).isEqualTo(first[0]);
            assertThat(rejected[1]).isEmpty();
        } finally {
            for (Path archive : archives) {
                Files.deleteIfExists(archive);   // the next launch makes a good one again
            }
        }
    }

    /**
     * A run whose environment names an OpenTelemetry exporter maps an archive trained with tracing
     * on (OpenTelemetry's classes in it); any other run one trained without them, which starts quicker.
     */
    @Test
    void aTracedRunGetsAnArchiveWithOpenTelemetryAndAnotherRunOneWithout() throws IOException, InterruptedException {
        Path launcher = Paths.get("bin", "codex-bridge").toAbsolutePath();
        runForOutput(Map.of("OTEL_TRACES_EXPORTER", "none"), launcher.toString(), "--version");
        runForOutput(Map.of("OTEL_TRACES_EXPORTER", "otlp"), launcher.toString(), "--version");
        List<Path> archives;
        try (var files = Files.list(Paths.get("target", "cds"))) {
            archives = files.filter(f -> f.toString().endsWith(".jsa")).toList();
        }
        List<Path> traced = archives.stream().filter(f -> f.getFileName().toString().endsWith("-otel.jsa")).toList();
        List<Path> plain = archives.stream().filter(f -> !traced.contains(f)).toList();
        assertThat(traced).isNotEmpty();
        assertThat(plain).isNotEmpty();
        byte[] sdkClass = "opentelemetry/sdk/trace/SdkSpan".getBytes(StandardCharsets.US_ASCII);
        for (Path archive : traced) {
            assertThat(indexOf(Files.readAllBytes(archive), sdkClass)).as(archive.toString()).isNotNegative();
        }
        for (Path archive : plain) {
            assertThat(indexOf(Files.readAllBytes(archive), sdkClass)).as(archive.toString()).isNegative();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Exit code 0 asserted; stdout and stderr. */
    private static String[] runForOutput(String... command) throws IOException, InterruptedException {
        return runForOutput(Map.of(), command);
    }

    /** The same with these variables set, and no other OTEL_* one. */
    private static String[] runForOutput(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String errText = new String(err.join(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out + errText).isZero();
        return new String[] {out, errText};
    }
}
