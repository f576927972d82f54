package dev.codexbridge.chaos;

import dev.codexbridge.support.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The host's JVM ({@link ChaosHost}) as a run drives it: started with the run's arguments and the
 * mode's own ({@code endpoint=…}, or the pool's), killed with SIGKILL and started again as the next
 * generation, and stopped through the stop file, waited for up to the hang bound.
 */
final class ChaosHostProcess {
    private final ChaosRun.Settings settings;
    private final Path dir;
    private final Path work;
    private final List<String> modeArgs;
    private final Map<String, String> environment;
    private final ChaosLog timeline;
    private Process host;
    private int generation;

    ChaosHostProcess(ChaosRun.Settings settings, Path dir, Path work, List<String> modeArgs, Map<String, String> environment,
                     ChaosLog timeline) {
        this.settings = settings;
        this.dir = dir;
        this.work = work;
        this.modeArgs = List.copyOf(modeArgs);
        this.environment = Map.copyOf(environment);
        this.timeline = timeline;
    }

    /** How many times the host was started. */
    synchronized int starts() {
        return generation + 1;
    }

    synchronized void start() {
        List<String> cmd = ChildJvm.command();
        cmd.addAll(List.of("-Xmx512m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", ChildJvm.classPath(), ChaosHost.class.getName(),
                "work=" + work, "state=" + dir.resolve("state.json"), "log=" + dir.resolve("host.log"), "wire=" + dir.resolve("wire.log"),
                "stop=" + dir.resolve("stop"), "sessions=" + settings.sessions(), "seed=" + settings.seed(), "generation=" + generation,
                "turnTimeoutSeconds=" + settings.turnTimeout().toSeconds(), "hangSeconds=" + settings.hang().toSeconds()));
        cmd.addAll(modeArgs);
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("host-" + generation + ".out").toFile());
            pb.environment().putAll(environment);
            host = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the chaos host JVM: " + e.getMessage(), e);
        }
    }

    /** SIGKILL: nothing closed, nothing saved beyond what the host had written; then the next generation. */
    synchronized void restart() {
        host.destroyForcibly();
        waitFor(host);
        timeline.write(ChaosLog.event("host-killed").put("generation", generation));
        generation++;
        start();
    }

    /** The stop file: the host lets its turns end within the hang bound and exits; killed if it does not. */
    synchronized void stop() throws IOException {
        Files.writeString(dir.resolve("stop"), "stop\n");
        try {
            if (!host.waitFor(settings.hang().toSeconds() + 60, TimeUnit.SECONDS)) {
                settings.out().println("chaos: the host did not stop within the hang bound; killed");
                host.destroyForcibly();
                waitFor(host);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitFor(Process p) {
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
