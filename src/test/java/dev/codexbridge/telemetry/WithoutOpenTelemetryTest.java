package dev.codexbridge.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.FakeCodex;
import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * OpenTelemetry is an optional dependency: a host without it on its class path runs sessions as
 * before. The session here runs in a class loader that has everything of the test's class path
 * except OpenTelemetry's jars, so any OpenTelemetry class the library touched would fail it.
 */
class WithoutOpenTelemetryTest {

    @Test
    void aSessionRunsATurnWithNoOpenTelemetryOnTheClassPath() throws Exception {
        List<URL> urls = classPathWithoutOpenTelemetry();
        assertThat(urls).isNotEmpty();
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("io.opentelemetry.api.OpenTelemetry", false, loader))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> run = Class.forName(Run.class.getName(), true, loader);
            assertThat(run.getClassLoader()).isSameAs(loader);
            Object answer = run.getMethod("turn").invoke(null);
            assertThat(answer).isEqualTo("completed: hello");
        }
    }

    @Test
    void withOpenTelemetryOnTheClassPathButTelemetryOffNoneOfItsClassesIsLoaded() throws Exception {
        List<URL> urls = new ArrayList<>(classPathWithoutOpenTelemetry());
        List<URL> otel = openTelemetryJars();
        assertThat(otel).isNotEmpty();
        urls.addAll(otel);
        try (WatchedLoader loader = new WatchedLoader(urls.toArray(URL[]::new))) {
            Object answer = Class.forName(Run.class.getName(), true, loader).getMethod("turn").invoke(null);
            assertThat(answer).isEqualTo("completed: hello");
            assertThat(loader.loaded("dev.codexbridge.session.CodexSession")).isTrue();
            for (String name : List.of("io.opentelemetry.api.OpenTelemetry", "io.opentelemetry.context.Context",
                    "io.opentelemetry.api.trace.Span", "dev.codexbridge.telemetry.CodexTelemetry",
                    "dev.codexbridge.telemetry.OtelHooks")) {
                assertThat(loader.loaded(name)).as("%s loaded with telemetry off", name).isFalse();
            }
        }
    }

    /** A class loader that says which classes it has loaded. */
    private static final class WatchedLoader extends URLClassLoader {
        WatchedLoader(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }

    /** Runs in the class loader without OpenTelemetry: a session on an in-memory codex, one turn. */
    public static final class Run {
        private Run() {
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
                    .thread(ThreadOptions.in(Path.of("/work")))
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
