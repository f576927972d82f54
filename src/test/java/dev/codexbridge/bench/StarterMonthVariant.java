package dev.codexbridge.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code starter[:store|:pg]} of {@code bin/bench month}: a Spring Boot web application on the Spring Boot 4
 * starter ({@code dev.codexbridge.spring.MonthStarterApplication}, on the class path {@code bin/bench} gives
 * as {@code -Dmonth.starter.classpath}) in a JVM of its own, on the pinned codex and a fresh home pointed at this
 * JVM's scripted model; {@code codex-bridge.session.hibernate-after=1s}; with a store,
 * {@code codex-bridge.store.type=disk} (or {@code postgresql}); {@code :keepK}, {@code codex-bridge.store.keep-slept-copy=Ks}. Each conversation is one {@code POST /turn}: a
 * session opened from the starter's {@code CodexSessions}, one turn, closed by the application once asleep.
 */
final class StarterMonthVariant implements MonthBench.Serving {
    private final Process app;
    private final URI turn;
    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * {@code store}: null, a folder, or a JDBC URL; {@code recycleAfter}: {@code codex-bridge.process.recycle-after} (0:
     * none); {@code keepSleptCopy}: {@code codex-bridge.store.keep-slept-copy} in seconds (null: its default).
     */
    StarterMonthVariant(Path dir, LiveRig rig, String store, long recycleAfter, String keepSleptCopy, List<String> jvm) throws Exception {
        String classPath = System.getProperty("month.starter.classpath");
        if (classPath == null) {
            throw new IllegalStateException("the starter's class path: run through bin/bench month (-Dmonth.starter.classpath)");
        }
        int port = CliDoorMemoryVariant.freePort();
        // a home of its own, so each variant's bytes are its own
        Path home = dev.codexbridge.testkit.IsolatedCodexHome.builder(dir.resolve("home"), rig.model.baseUrl())
                .sandboxMode("danger-full-access").write();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", classPath, "dev.codexbridge.spring.MonthStarterApplication", "--server.port=" + port,
                "--server.address=127.0.0.1", "--codex-bridge.process.binary=" + rig.binary, "--codex-bridge.process.codex-home=" + home,
                "--codex-bridge.session.cwd=" + rig.work, "--codex-bridge.session.hibernate-after=1s",
                "--codex-bridge.session.turn-timeout=120s", "--spring.main.banner-mode=off", "--logging.level.root=warn",
                "--management.otlp.metrics.export.enabled=false"));
        if (recycleAfter > 0) {
            cmd.add("--codex-bridge.process.recycle-after=" + recycleAfter);
        }
        if (keepSleptCopy != null) {
            cmd.add("--codex-bridge.store.keep-slept-copy=" + keepSleptCopy + "s");
        }
        if (store != null && store.startsWith("jdbc:")) {
            cmd.addAll(List.of("--codex-bridge.store.type=postgresql", "--codex-bridge.store.postgresql.url=" + store));
        } else if (store != null) {
            cmd.addAll(List.of("--codex-bridge.store.type=disk", "--codex-bridge.store.disk.path=" + store));
        }
        app = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("app.log").toFile()).start();
        turn = URI.create("http://127.0.0.1:" + port + "/turn");
        CliDoorMemoryVariant.awaitReady(http, turn, app, "the starter's application");
    }

    @Override
    public void conversation() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(turn).timeout(Duration.ofSeconds(150))
                .POST(HttpRequest.BodyPublishers.ofString("bench: quick")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("starter turn: " + r.statusCode() + " " + r.body());
        }
    }

    /** What the application says of the sessions it holds. */
    @Override
    public String note() throws Exception {
        return "the application: " + http.send(HttpRequest.newBuilder(turn).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public boolean settle() {
        LiveRig.sleep(3_000);
        return true;
    }

    @Override
    public long codexPid() {
        return CodexMemoryBench.newestCodex();
    }

    @Override
    public Process process() {
        return app;
    }

    @Override
    public void close() throws Exception {
        CliDoorMemoryVariant.stop(app);
    }
}
