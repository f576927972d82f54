package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.support.FaultSchedule;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A compound-fault run: the real codex ({@code --listen ws://}) on an isolated home with the
 * scripted model ({@link ChaosModel}), a {@link FaultProxy} in front of it, and the host
 * ({@link ChaosHost}) in a child JVM. For the run's length, on schedules drawn from the seed:
 * proxy faults (reset, clean close or stall), codex killed with SIGKILL and started again on the
 * same home, the host JVM killed with SIGKILL and started again. Then the host is stopped, every
 * thread it opened is read from codex ({@code thread/read} with turns) on a fresh client, each
 * session runs one more turn, and what the host was told is compared with codex's record
 * ({@link ChaosVerdict}).
 */
public final class ChaosRun {
    /** The schedule; {@link #of} gives the one of issue 33. */
    public record Settings(int sessions, Duration length, long seed,
                           Duration faultGapMin, Duration faultGapMax, Duration faultMin, Duration faultMax,
                           Duration codexKillMin, Duration codexKillMax, Duration hostKillMin, Duration hostKillMax,
                           Duration turnTimeout, Duration hang, Enough enough, PrintStream out) {

        public Settings {
            if (sessions < 1 || length.isNegative() || length.isZero()) {
                throw new IllegalArgumentException("a chaos run needs at least one session and a positive length, got "
                        + sessions + " sessions for " + length);
            }
        }

        /** Runs for {@code length} exactly (the bench's shape: a rate over a fixed time). */
        public Settings(int sessions, Duration length, long seed,
                        Duration faultGapMin, Duration faultGapMax, Duration faultMin, Duration faultMax,
                        Duration codexKillMin, Duration codexKillMax, Duration hostKillMin, Duration hostKillMax,
                        Duration turnTimeout, Duration hang, PrintStream out) {
            this(sessions, length, seed, faultGapMin, faultGapMax, faultMin, faultMax, codexKillMin, codexKillMax, hostKillMin,
                    hostKillMax, turnTimeout, hang, Enough.AFTER_LENGTH, out);
        }

        /** Faults every 5–20 s for 0.2–3 s, codex killed every 40–90 s, the host every 60–120 s. */
        public static Settings of(int sessions, Duration length, long seed, PrintStream out) {
            return new Settings(sessions, length, seed, Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofMillis(200),
                    Duration.ofSeconds(3), Duration.ofSeconds(40), Duration.ofSeconds(90), Duration.ofSeconds(60), Duration.ofSeconds(120),
                    Duration.ofSeconds(120), Duration.ofSeconds(150), out);
        }
    }

    /**
     * The work a run must have done under its faults before they stop: at least {@code turnsStarted}
     * turns begun and each kind of fault (a proxy fault, a codex kill, a host kill) at least
     * {@code eachFault} times. The run goes on past its length until then, however long that takes
     * on a slow machine, but not past {@code bound}: a run that ends there says so
     * ({@code "enough": false} in its summary), so a test can tell too little work from a divergence.
     */
    public record Enough(int turnsStarted, int eachFault, Duration bound) {
        /** No goal: the faults stop at the run's length. */
        public static final Enough AFTER_LENGTH = new Enough(0, 0, Duration.ZERO);
    }

    /** How a run went: its divergences, and what was done to it. */
    public record Outcome(Map<String, Integer> divergences, int total, int started, ObjectNode json, List<String> lines) {
    }

    private final Settings settings;
    private final Path dir;
    private final Path binary;
    private final Path home;
    private final Path work;
    private final ChaosLog timeline;
    private volatile ListeningAppServer codex;
    private ChaosHostProcess host;
    private int codexStarts;

    private ChaosRun(Settings settings, Path dir, Path home) {
        this.settings = settings;
        this.dir = dir;
        this.binary = new CodexLocator().locate(null).binary();
        this.home = home;
        this.work = dir.resolve("work");
        this.timeline = new ChaosLog(dir.resolve("faults.log"));
    }

    /** Runs the schedule and judges it; the run's folder is removed unless the run diverged. */
    public static Outcome run(Settings settings) throws Exception {
        Path dir = Files.createTempDirectory("codex-bridge-chaos-");
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(ChaosModel::reply)) {
            Path home = IsolatedCodexHome.builder(dir.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
            ChaosRun run = new ChaosRun(settings, dir, home);
            Files.createDirectories(run.work);
            Outcome o = run.go();
            if (o.total() == 0) {
                deleteTree(dir);
            } else {
                settings.out().println("chaos: the run's logs are kept in " + dir);
            }
            return o;
        }
    }

    private Outcome go() throws Exception {
        PrintStream out = settings.out();
        long seed = settings.seed();
        codex = ListeningAppServer.websocket(binary, home, work, List.of());
        codexStarts = 1;
        int proxyFaults;
        boolean enough;
        try (FaultProxy proxy = FaultProxy.tcp(codex.uri().getHost(), codex.uri().getPort())) {
            host = new ChaosHostProcess(settings, dir, work, List.of("endpoint=ws://127.0.0.1:" + proxy.port()), Map.of(), timeline);
            host.start();
            long t0 = System.nanoTime();
            try (FaultSchedule faults = FaultSchedule.proxyFaults(proxy, new Random(seed), settings.faultGapMin(), settings.faultGapMax(),
                         settings.faultMin(), settings.faultMax(), f -> timeline.write(ChaosLog.event("proxy").put("fault", f)));
                 FaultSchedule kills = FaultSchedule.every("chaos-codex-kill", new Random(seed + 1), settings.codexKillMin(),
                         settings.codexKillMax(), r -> restartCodex(proxy));
                 FaultSchedule restarts = FaultSchedule.every("chaos-host-kill", new Random(seed + 2), settings.hostKillMin(),
                         settings.hostKillMax(), r -> host.restart())) {
                Thread.sleep(settings.length().toMillis());
                enough = untilEnough(t0, faults, kills, restarts);
                out.printf("chaos: %d s of faults: %d proxy faults, %d codex kills, %d host restarts%n",
                        (System.nanoTime() - t0) / 1_000_000_000L, faults.fired(), kills.fired(), restarts.fired());
                proxyFaults = faults.fired();
            }
            proxy.restore();
            host.stop();
        }
        Map<String, JsonNode> threads = new TreeMap<>();
        Map<Integer, String> unusable = new TreeMap<>();
        List<JsonNode> events = ChaosLog.read(dir.resolve("host.log"));
        try (CodexClient fresh = CodexClient.builder().endpoint(codex.endpoint()).maxThreads(settings.sessions() * 2 + 16)
                .requestTimeout(Duration.ofSeconds(120)).connect()) {
            for (JsonNode e : events) {
                for (String field : List.of("thread", "sessionThread")) {
                    String id = e.path(field).asText(null);
                    if (id != null && !threads.containsKey(id)) {
                        threads.put(id, read(fresh, id));
                    }
                }
            }
            probe(fresh, unusable);
        } finally {
            codex.close();
        }
        Files.writeString(dir.resolve("threads.json"), Json.write(threads));     // codex's record, kept with the logs
        ChaosVerdict v = ChaosVerdict.judge(events, threads, unusable, schemaErrors(dir.resolve("wire.log")));
        List<String> lines = v.lines(5);
        lines.forEach(l -> out.println("chaos: " + l));
        ObjectNode json = v.json();
        json.put("sessions", settings.sessions()).put("seconds", settings.length().toSeconds()).put("seed", seed)
                .put("proxyFaults", proxyFaults).put("codexStarts", codexStarts).put("hostStarts", host.starts()).put("threadsRead", threads.size())
                .put("enough", enough);
        Map<String, Integer> counts = new LinkedHashMap<>();
        v.counts().forEach((k, n) -> counts.put(k.name(), n));
        return new Outcome(counts, v.total(), v.started(), json, lines);
    }

    /**
     * Keeps the faults coming until the run's {@link Enough} work is done or its bound is reached;
     * true when the work was done. Turns begun are counted from the host's own log, as the verdict counts them.
     */
    private boolean untilEnough(long t0, FaultSchedule faults, FaultSchedule kills, FaultSchedule restarts) throws InterruptedException {
        Enough goal = settings.enough();
        long bound = t0 + goal.bound().toNanos();
        while (true) {
            int turns = turnsBegun();
            boolean done = turns >= goal.turnsStarted() && faults.fired() >= goal.eachFault() && kills.fired() >= goal.eachFault()
                    && restarts.fired() >= goal.eachFault();
            if (done) {
                return true;
            }
            if (System.nanoTime() - bound > 0) {
                settings.out().printf("chaos: the bound of %d s came before the work asked for (%d of %d turns begun; "
                                + "faults %d, codex kills %d, host kills %d, of %d each)%n", goal.bound().toSeconds(), turns,
                        goal.turnsStarted(), faults.fired(), kills.fired(), restarts.fired(), goal.eachFault());
                return false;
            }
            Thread.sleep(500);
        }
    }

    /** The turns the host has begun so far, by their keys in its log. */
    private int turnsBegun() {
        Set<String> keys = new HashSet<>();
        for (JsonNode e : ChaosLog.read(dir.resolve("host.log"))) {
            if ("start".equals(e.path("ev").asText())) {
                keys.add(e.path("key").asText());
            }
        }
        return keys.size();
    }

    /** What codex's schema says against each request and notification the host's library sent. */
    static List<String> schemaErrors(Path wireLog) throws IOException {
        List<String> errors = new ArrayList<>();
        if (!Files.exists(wireLog)) {
            return errors;
        }
        for (String line : Files.readAllLines(wireLog)) {
            JsonNode m;
            try {
                m = Json.mapper().readTree(line);
            } catch (IOException partial) {
                continue;       // the host was killed mid-line
            }
            if (m.has("method")) {
                WireSchema.pinned().validateOutgoing(m).forEach(e -> errors.add(m.path("method").asText() + ": " + e));
            }
        }
        return errors;
    }

    /** Codex's record of a thread, turns included; none (and said so) for a thread codex has no record of. */
    private JsonNode read(CodexClient fresh, String threadId) {
        try {
            return fresh.request("thread/read", Map.of("threadId", threadId, "includeTurns", true), JsonNode.class).path("thread");
        } catch (RuntimeException e) {
            settings.out().println("chaos: codex could not read thread " + threadId + ": " + e.getMessage());
            return Json.object();
        }
    }

    /** One plain turn on each slot's last thread: a session that cannot run it is unusable. */
    private void probe(CodexClient fresh, Map<Integer, String> unusable) {
        Map<Integer, ChaosState.Slot> slots = ChaosState.load(dir.resolve("state.json")).all();
        Map<Integer, CompletableFuture<TurnResult>> turns = new TreeMap<>();
        List<CodexSession> sessions = new ArrayList<>();
        for (int i = 0; i < settings.sessions(); i++) {
            ChaosState.Slot s = slots.get(i);
            if (s == null || s.threadId() == null) {
                unusable.put(i, "never opened a thread");
                continue;
            }
            CodexSession session = CodexSession.builder().client(fresh).cwd(work).resumeThread(s.threadId())
                    .limits(TurnLimits.of(settings.turnTimeout(), Duration.ZERO)).build();
            sessions.add(session);
            turns.put(i, session.runTurnAsync(TurnInput.text(ChaosModel.prompt("plain", "probe" + i)), TurnOptions.DEFAULTS, TurnListener.NONE));
        }
        turns.forEach((i, f) -> {
            try {
                TurnResult r = f.get(settings.hang().toSeconds(), TimeUnit.SECONDS);
                if (!r.completed() || !("answer probe" + i).equals(r.finalText())) {
                    unusable.put(i, r.status() + " " + (r.error() == null ? r.finalText() : r.error().message()));
                }
            } catch (Exception e) {
                unusable.put(i, "the probe turn: " + e);
            }
        });
        sessions.forEach(CodexSession::close);
    }

    private synchronized void restartCodex(FaultProxy proxy) {
        codex.kill();
        timeline.write(ChaosLog.event("codex-killed"));
        codex = ListeningAppServer.websocket(binary, home, work, List.of());
        codexStarts++;
        proxy.retarget(codex.uri().getHost(), codex.uri().getPort());
        timeline.write(ChaosLog.event("codex-started").put("uri", codex.uri().toString()));
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind
        }
    }

    /** Writes the run's JSON summary to {@code file}. */
    public static void writeReport(Outcome o, Path file) throws IOException {
        Files.writeString(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(o.json()) + "\n");
    }
}
