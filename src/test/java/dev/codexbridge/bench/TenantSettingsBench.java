package dev.codexbridge.bench;

import static dev.codexbridge.bench.ProcMemory.median;
import static dev.codexbridge.bench.ProcMemory.mib;
import static dev.codexbridge.bench.ProcMemory.percentile;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What codex's settings cost a host that starts many threads on one app-server: for each variant
 * of {@code config.toml} (codex's defaults for the shell snapshot, plugins and apps; each turned
 * off alone; all three off; all three off plus one MCP server) a fresh {@code CODEX_HOME} and a
 * fresh codex process: the process's start (spawn to {@code initialize} answered), its memory
 * before its first thread, then {@code THREADS} sessions started one after another
 * ({@code thread/start} each; the first ten and the last ten timed apart, since the snapshot's
 * cost grew with the number of threads), the memory and processes after, and three quick turns.
 * Variants alternate over {@code ROUNDS}. Run with
 * {@code bin/bench tenant-settings [THREADS] [ROUNDS] [MCP_THREADS]}.
 */
public final class TenantSettingsBench {
    private TenantSettingsBench() {
    }

    /** One {@code config.toml} variant: which of codex's defaults it turns off, and whether it adds an MCP server. */
    private record Variant(String name, boolean snapshotOff, boolean pluginsOff, boolean appsOff, int mcp) {
        String toml(IsolatedCodexHome.Builder base) {
            String t = base.configToml();
            // the test kit turns all three off; a variant keeps codex's default by dropping the line
            if (!snapshotOff) {
                t = t.replace("shell_snapshot = false\n", "");
            }
            if (!pluginsOff) {
                t = t.replace("plugins = false\n", "");
            }
            if (!appsOff) {
                t = t.replace("apps = false\n", "");
            }
            return switch (mcp) {
                case 1 -> t + "\n" + EchoMcpServer.configToml("echo");
                case 2 -> t + "\n" + EchoMcpServer.configToml("echo", Duration.ZERO);
                default -> t;
            };
        }
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant("codex defaults (snapshot, plugins, apps on)", false, false, false, 0),
            new Variant("shell snapshot off", true, false, false, 0),
            new Variant("plugins off", false, true, false, 0),
            new Variant("apps off", false, false, true, 0),
            new Variant("recommended: all three off", true, true, true, 0),
            new Variant("recommended + one required stdio MCP server", true, true, true, 1),
            new Variant("recommended + one stdio MCP server, not required", true, true, true, 2));

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int mcpThreads = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        try (LiveRig rig = new LiveRig()) {
            // warm the page cache once, outside the measurement
            try (CodexClient warm = rig.connect("settings-warm"); CodexSession s = rig.shared(warm).build()) {
                s.start();
            }
            LiveRig.reapChildren(Duration.ofSeconds(10));
            for (int r = 0; r < rounds; r++) {
                List<Variant> order = new ArrayList<>(VARIANTS);
                if (r % 2 == 1) {
                    Collections.reverse(order);
                }
                for (Variant v : order) {
                    run(rig, v, r, v.mcp() > 0 ? mcpThreads : threads);
                    int killed = LiveRig.reapChildren(Duration.ofSeconds(20));
                    if (killed > 0) {
                        System.out.printf("settings:   %d left-over processes killed%n", killed);
                    }
                }
            }
        }
    }

    private static void run(LiveRig rig, Variant v, int round, int threads) throws Exception {
        Path home = rig.tmp.resolve("home-" + round + "-" + VARIANTS.indexOf(v));
        Files.createDirectories(home);
        IsolatedCodexHome.Builder base = IsolatedCodexHome.builder(home, rig.model.baseUrl()).sandboxMode("danger-full-access");
        Files.writeString(home.resolve("config.toml"), v.toml(base));
        ProcMemory.Sample before = ProcMemory.sample();
        long t0 = System.nanoTime();
        CodexClient client = CodexClient.builder()
                .process(CodexLaunch.appServer(rig.binary).codexHome(home).workingDirectory(rig.work).name("settings")
                        .detachFromTerminal(true).build())
                .requestTimeout(Duration.ofSeconds(120))
                .connect();
        double startMs = (System.nanoTime() - t0) / 1e6;
        List<CodexSession> sessions = new ArrayList<>();
        try {
            LiveRig.sleep(1000); // codex's own start-up work after initialize (plugin sync, etc.)
            ProcMemory.Sample idle = ProcMemory.sample();
            List<Double> starts = new ArrayList<>();
            String failed = null;
            for (int i = 0; i < threads; i++) {
                CodexSession s = CodexSession.builder().client(client).cwd(rig.work)
                        .limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO)).build();
                long st = System.nanoTime();
                try {
                    s.start();
                } catch (RuntimeException e) {
                    failed = "thread " + (i + 1) + ": " + e;
                    s.close();
                    break;
                }
                starts.add((System.nanoTime() - st) / 1e6);
                sessions.add(s);
            }
            ProcMemory.Sample loaded = ProcMemory.sample();
            Map<String, Integer> kinds = kinds();
            LiveRig.sleep(5000); // do the snapshot's shells end by themselves?
            ProcMemory.Sample later = ProcMemory.sample();
            List<Double> turns = new ArrayList<>();
            for (int k = 0; k < 3 && k < sessions.size(); k++) {
                long st = System.nanoTime();
                TurnResult res = sessions.get(sessions.size() - 1 - k).runTurn(TurnInput.text("bench: quick"));
                turns.add((System.nanoTime() - st) / 1e6);
                if (res.status() != TurnOutcome.COMPLETED) {
                    System.out.printf("settings:   quick turn ended %s: %s%n", res.status(), res.error());
                }
            }
            int n = starts.size();
            List<Double> first = starts.subList(0, Math.min(10, n));
            List<Double> last = starts.subList(Math.max(0, n - 10), n);
            System.out.printf("settings: round %d, %-44s process start %.0f ms; before its first thread: codex RSS %.1f MiB, PSS %.1f MiB, "
                            + "%d processes; %d threads: thread/start first 10 median %.1f ms, last 10 median %.1f ms, all median %.1f p90 %.1f max %.1f ms; "
                            + "then codex tree RSS %.1f MiB, PSS %.1f MiB, %d processes (%.2f MiB PSS per thread); quick turn median %.0f ms; "
                            + "processes by name %s; 5 s later %d processes, PSS %.1f MiB%s%n",
                    round, v.name() + ":", startMs, mib(idle.childRss() - before.childRss()), mib(idle.childPss() - before.childPss()),
                    idle.children() - before.children(), n, median(first), median(last), median(starts), percentile(starts, 0.9),
                    starts.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN),
                    mib(loaded.childRss() - before.childRss()), mib(loaded.childPss() - before.childPss()),
                    loaded.children() - before.children(), n == 0 ? Double.NaN : mib(loaded.childPss() - idle.childPss()) / n,
                    median(turns), kinds, later.children() - before.children(), mib(later.childPss() - before.childPss()), failed == null ? "" : "; STOPPED at " + failed);
        } finally {
            sessions.forEach(CodexSession::close);
            client.close();
        }
    }

    /** Processes below this JVM by executable name, with one command line as an example of each. */
    private static Map<String, Integer> kinds() {
        Map<String, Integer> kinds = new TreeMap<>();
        for (ProcessHandle p : LiveRig.children()) {
            String cmd = p.info().command().orElse("?");
            String name = cmd.substring(cmd.lastIndexOf('/') + 1);
            if (kinds.merge(name, 1, Integer::sum) == 1 && !name.equals("codex")) {
                System.out.printf("settings:   e.g. %s (parent %s)%n", p.info().commandLine().orElse(cmd),
                        p.parent().flatMap(q -> q.info().command()).orElse("?"));
            }
        }
        return kinds;
    }
}
