package dev.codexbridge.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.FakeCodex;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * OpenTelemetry is an artifact of its own (codex-bridge-opentelemetry): a host without it, or
 * without OpenTelemetry's API, on its class path runs sessions as before. Each check runs a session in a JVM of its own (the library's thread pools are static, so
 * a second copy of it in this JVM would outlive the test and be counted by others).
 */
class WithoutOpenTelemetryTest {

    @Test
    void aSessionRunsATurnWithNoOpenTelemetryOnTheClassPath() throws Exception {
        List<String> out = runChild(classPathWithoutOpenTelemetry(), List.of());
        assertThat(out).contains("no OpenTelemetry on the class path", "completed: hello");
    }

    @Test
    void withOpenTelemetryOnTheClassPathButTelemetryOffNoneOfItsClassesIsLoaded() throws Exception {
        List<URL> urls = new ArrayList<>(classPathWithoutOpenTelemetry());
        List<URL> otel = openTelemetryJars();
        assertThat(otel).isNotEmpty();
        urls.addAll(otel);
        List<String> out = runChild(urls, List.of("-Xlog:class+load=info:stdout"));
        assertThat(out).contains("completed: hello");
        assertThat(out).anyMatch(l -> l.contains(" dev.codexbridge.session.CodexSession "));
        for (String name : List.of("io.opentelemetry.", "dev.codexbridge.telemetry.CodexTelemetry ",
                "dev.codexbridge.telemetry.OtelHooks ")) {
            assertThat(out).as("%s loaded with telemetry off", name).noneMatch(l -> l.contains("[class,load] " + name));
        }
    }

    /** Runs {@link Run} in a new JVM on {@code urls}; its standard output, line by line. */
    private static List<String> runChild(List<URL> urls, List<String> jvmOptions) throws Exception {
        assertThat(urls).isNotEmpty();
        List<String> paths = new ArrayList<>();
        for (URL u : urls) {
            paths.add(Path.of(u.toURI()).toString());
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", String.join(File.pathSeparator, paths), Run.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            lines = r.lines().collect(Collectors.toList());
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("the child JVM's exit; its output:%n%s", String.join("\n", lines)).isZero();
        return lines;
    }

    /** Runs in the child JVM: a session on an in-memory codex, one turn. */
    public static final class Run {
        private Run() {
        }

        public static void main(String[] args) {
            // looked up as a resource: loading the class, even uninitialised, would count as loading it
            if (Run.class.getClassLoader().getResource("io/opentelemetry/api/OpenTelemetry.class") == null) {
                System.out.println("no OpenTelemetry on the class path");
            }
            System.out.println(turn());
            System.exit(0);
        }

        public static String turn() {
            FakeCodex codex = new FakeCodex();
            codex.onTurnStart = (f, turn) -> {
                f.item("item/completed", turn, "{\"type\":\"commandExecution\",\"id\":\"c\",\"command\":\"ls\",\"cwd\":\"/w\","
                        + "\"status\":\"completed\",\"exitCode\":0,\"aggregatedOutput\":\"a.txt\",\"commandActions\":[]}");
                f.agentMessage(turn, "hello");
                f.completeTurn(turn, "completed", null);
            };
            try (CodexSession session = CodexSession.builder()
                    .connection(CodexClient.builder().transport(codex.factory()).options())
                    .cwd(Path.of("/work"))
                    .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO)).build()) {
                var result = session.runTurn(TurnInput.text("hi"));
                return result.status().wire() + ": " + result.finalText();
            } finally {
                codex.shutdown();
            }
        }
    }

    private static List<URL> classPathWithoutOpenTelemetry() throws IOException {
        return classPath(false);
    }

    private static List<URL> openTelemetryJars() throws IOException {
        return classPath(true);
    }

    /** The test's class path (surefire may hand it over as a manifest-only jar): OpenTelemetry's jars, or all but them. */
    private static List<URL> classPath(boolean openTelemetry) throws IOException {
        List<String> entries = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        if (entries.size() == 1 && entries.get(0).endsWith(".jar")) {
            try (JarFile jar = new JarFile(entries.get(0))) {
                Manifest manifest = jar.getManifest();
                String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                if (classPath != null) {
                    entries.clear();
                    for (String e : classPath.trim().split("\\s+")) {
                        entries.add(Path.of(URI.create(e)).toString());
                    }
                }
            }
        }
        List<URL> urls = new ArrayList<>();
        for (String e : entries) {
            if (e.isBlank() || e.contains("opentelemetry") != openTelemetry) {
                continue;
            }
            try {
                urls.add(Path.of(e).toUri().toURL());
            } catch (MalformedURLException ex) {
                throw new IOException(ex);
            }
        }
        return urls;
    }
}
