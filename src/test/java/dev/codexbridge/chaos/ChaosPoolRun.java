package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.pool.PoolException;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.support.FaultSchedule;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A compound-fault run across three app-servers with a store ({@code bin/bench chaos --pool3}):
 * three real codex processes on homes of their own ({@link ChaosFleet}), each behind its own fault
 * proxy, a PostgreSQL server for the run, and the host ({@link ChaosHost} with
 * {@link ChaosPoolHost}) in a child JVM: one {@code CodexPool} over the three with the store,
 * sessions sleeping after 1 s idle. On schedules from the seed: proxy faults on each proxy, an
 * app-server killed with its home deleted and started again empty, the host JVM killed, and an
 * endpoint drained and later undrained. Throughout, {@link ChaosWriterWatch} looks for a thread
 * loaded on two app-servers. Then the host stops, the store's record of each thread is read once
 * no lease holds it, each slot runs one more turn through a pool of the run's own (its model
 * request must carry the earlier turns), and what the host was told is compared with codex's
 * record where the thread lives then ({@link ChaosVerdict}) and with the store's
 * ({@link ChaosPoolVerdict}).
 */
public final class ChaosPoolRun {
    static final int SERVERS = 3;
    private static final Duration DRAIN_MIN = Duration.ofSeconds(20);
    private static final Duration DRAIN_MAX = Duration.ofSeconds(40);

    private final ChaosRun.Settings settings;
    private final Path dir;
    private final Path work;
    private final ChaosLog timeline;
    /** Each probe turn's key → the keys of every user message in its first model request. */
    private final Map<String, List<String>> probeRequests = new ConcurrentHashMap<>();
    private final List<String> drained = new ArrayList<>();

    private ChaosPoolRun(ChaosRun.Settings settings, Path dir) {
        this.settings = settings;
        this.dir = dir;
        this.work = dir.resolve("work");
        this.timeline = new ChaosLog(dir.resolve("faults.log"));
    }

    /** Runs the schedule and judges it; the run's folder is removed unless the run diverged. */
    public static ChaosRun.Outcome run(ChaosRun.Settings settings) throws Exception {
        Path dir = Files.createTempDirectory("codex-bridge-chaos-pool-");
        ChaosPoolRun run = new ChaosPoolRun(settings, dir);
        Files.createDirectories(run.work);
        ChaosRun.Outcome o;
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(run::reply);
             PostgresServer postgres = PostgresServer.start(false)) {
            o = run.go(model, postgres.newDatabase());
        }
        if (o.total() == 0) {
            ChaosRun.deleteTree(dir);
        } else {
            settings.out().println("chaos: the run's logs are kept in " + dir);
        }
        return o;
    }

    private ModelReply reply(RecordedRequest request) {
        for (String text : request.userTexts()) {
            for (String[] k : ChaosModel.keys(text)) {
                if (k[1].startsWith("probe")) {
                    List<String> keys = new ArrayList<>();
                    request.userTexts().forEach(t -> ChaosModel.keys(t).forEach(x -> keys.add(x[1])));
                    probeRequests.putIfAbsent(k[1], keys);
                }
            }
        }
        return ChaosModel.reply(request);
    }

    private ChaosRun.Outcome go(ScriptedModelServer model, String storeUrl) throws Exception {
        PrintStream out = settings.out();
        long seed = settings.seed();
        Path control = dir.resolve("control");
        Files.writeString(control, "");
        try (ChaosFleet fleet = new ChaosFleet(new CodexLocator().locate(null).binary(), dir, work, model.baseUrl(), SERVERS, timeline);
             PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(storeUrl).maxPoolSize(4).build()) {
            ChaosHostProcess host = new ChaosHostProcess(settings, dir, work, List.of("pool=" + fleet.hostEndpoints(), "store=" + storeUrl,
                    "control=" + control), Map.of("CHAOS_HIBERNATE_S", "1"), timeline);
            ChaosWriterWatch watch = new ChaosWriterWatch(fleet, timeline);
            host.start();
            long t0 = System.nanoTime();
            List<FaultSchedule> proxyFaults = new ArrayList<>();
            int wipes;
            int restarts;
            int drains;
            try (FaultSchedule w = FaultSchedule.every("chaos-codex-wipe", new Random(seed + 1), settings.codexKillMin(), settings.codexKillMax(),
                         r -> fleet.wipe(r.nextInt(SERVERS)));
                 FaultSchedule h = FaultSchedule.every("chaos-host-kill", new Random(seed + 2), settings.hostKillMin(), settings.hostKillMax(),
                         r -> host.restart());
                 FaultSchedule d = FaultSchedule.every("chaos-drain", new Random(seed + 3), DRAIN_MIN, DRAIN_MAX, r -> drainOrUndrain(r, control))) {
                for (int i = 0; i < SERVERS; i++) {
                    String name = ChaosPoolHost.endpointName(i);
                    proxyFaults.add(FaultSchedule.proxyFaults(fleet.proxy(i), new Random(seed + 10 + i), settings.faultGapMin(), settings.faultGapMax(),
                            settings.faultMin(), settings.faultMax(), f -> timeline.write(ChaosLog.event("proxy").put("endpoint", name).put("fault", f))));
                }
                Thread.sleep(settings.length().toMillis());
                proxyFaults.forEach(FaultSchedule::close);
                wipes = w.fired();
                restarts = h.fired();
                drains = d.fired();
            }
            int faults = proxyFaults.stream().mapToInt(FaultSchedule::fired).sum();
            out.printf("chaos: %d s of faults: %d proxy faults, %d app-servers wiped, %d host restarts, %d drains and undrains%n",
                    (System.nanoTime() - t0) / 1_000_000_000L, faults, wipes, restarts, drains);
            fleet.restoreProxies();
            host.stop();
            List<JsonNode> events = ChaosLog.read(dir.resolve("host.log"));
            Map<String, JsonNode> threads = new TreeMap<>();
            for (JsonNode e : events) {
                for (String field : List.of("thread", "sessionThread")) {
                    String id = e.path(field).asText(null);
                    if (id != null) {
                        threads.put(id, Json.object());
                    }
                }
            }
            int stillLeased = awaitLeases(store, threads.keySet());
            Map<String, ChaosPoolVerdict.StoredTurns> stored = new TreeMap<>();
            for (String t : threads.keySet()) {
                store.get(t).ifPresent(c -> stored.put(t, ChaosPoolVerdict.StoredTurns.of(c)));
            }
            Map<Integer, String> unusable = new TreeMap<>();
            Map<Integer, String> slotThreads = new TreeMap<>();
            probe(fleet, store, threads, unusable, slotThreads);
            watch.close();
            Files.writeString(dir.resolve("threads.json"), Json.write(threads));
            ChaosVerdict v = ChaosVerdict.judge(events, threads, unusable, ChaosRun.schemaErrors(dir.resolve("wire.log")));
            Map<Integer, List<String>> probeKeys = new TreeMap<>();
            slotThreads.keySet().forEach(slot -> {
                List<String> keys = probeRequests.get("probe" + slot);
                if (keys != null) {
                    probeKeys.put(slot, keys);
                }
            });
            ChaosPoolVerdict pv = ChaosPoolVerdict.judge(events, threads, stored, slotThreads, probeKeys, watch.twoWriters());
            List<String> lines = new ArrayList<>(v.lines(5));
            String last = lines.remove(lines.size() - 1);
            lines.addAll(pv.lines(5));
            int total = v.total() + pv.total();
            lines.add(String.format("wakes and moves (seen by thread/loaded/list): %s; stored conversations: %d; leased at the end: %d",
                    watch.counts(), stored.size(), stillLeased));
            Map<String, String> left = watch.leftLoaded();
            lines.add(String.format("copies left loaded by a stopped host and woken elsewhere meanwhile, never written while both were "
                    + "loaded (not a divergence; decision 0140): %d", left.size()));
            left.values().stream().limit(5).forEach(l -> lines.add("       " + l));
            lines.add(total == 0 ? "no divergence" : total + " divergences" + (v.total() == 0 ? "" : " (" + last + " of codex's record)"));
            lines.forEach(l -> out.println("chaos: " + l));
            ObjectNode json = v.json();
            pv.addTo(json);
            json.put("sessions", settings.sessions()).put("seconds", settings.length().toSeconds()).put("seed", seed).put("servers", SERVERS)
                    .put("proxyFaults", faults).put("wipes", wipes).put("hostStarts", host.starts()).put("drainsAndUndrains", drains)
                    .put("loadsSeen", watch.loads()).put("movesSeen", watch.moves()).put("leftLoaded", left.size()).put("threadsRead", threads.size())
                    .put("stored", stored.size()).put("leasedAtTheEnd", stillLeased);
            Map<String, Integer> counts = new LinkedHashMap<>();
            v.counts().forEach((k, n) -> counts.put(k.name(), n));
            pv.counts().forEach((k, n) -> counts.put(k.name(), n));
            return new ChaosRun.Outcome(counts, total, v.started(), json, lines);
        }
    }

    /** Drains a random endpoint when none is drained, else undrains the one that is: a line in the host's control file. */
    private void drainOrUndrain(Random r, Path control) {
        String line;
        if (drained.isEmpty()) {
            drained.add(ChaosPoolHost.endpointName(r.nextInt(SERVERS)));
            line = "drain " + drained.get(0);
        } else {
            line = "undrain " + drained.remove(0);
        }
        try {
            Files.writeString(control, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        timeline.write(ChaosLog.event("control").put("line", line));
    }

    /**
     * Waits until no lease holds any of {@code threads} (the host's sleeps done, a killed host's
     * leases expired), up to twice the lease time and a margin; returns how many are still held.
     */
    private static int awaitLeases(PostgresConversationStore store, Iterable<String> threads) throws InterruptedException {
        long deadline = System.nanoTime() + ChaosPoolHost.LEASE.multipliedBy(2).plusSeconds(30).toNanos();
        int held = 0;
        for (String t : threads) {
            while (true) {
                try {
                    ConversationLease lease = store.lease(t, "chaos-judge", Duration.ofSeconds(3));
                    store.release(lease);
                    break;
                } catch (ConversationStoreException leased) {
                    if (System.nanoTime() > deadline) {
                        held++;
                        break;
                    }
                    Thread.sleep(200);
                }
            }
        }
        return held;
    }

    /**
     * One plain turn on each slot's last thread through a pool of the run's own over the three
     * app-servers with the same store: a session that cannot run it is unusable. Codex's record of
     * each thread is then read where the thread lives.
     */
    private void probe(ChaosFleet fleet, PostgresConversationStore store, Map<String, JsonNode> threads, Map<Integer, String> unusable,
                       Map<Integer, String> slotThreads) throws Exception {
        Map<Integer, ChaosState.Slot> slots = ChaosState.load(dir.resolve("state.json")).all();
        CodexPool.Builder b = CodexPool.builder().storage(ConversationStorage.builder(store, "chaos-judge").leaseTime(ChaosPoolHost.LEASE).build())
                .clientConfigurer(c -> c.maxThreads(settings.sessions() + 16).requestTimeout(Duration.ofSeconds(120)));
        for (int i = 0; i < SERVERS; i++) {
            b.endpoint(ChaosPoolHost.endpointName(i), fleet.direct(i));
        }
        ExecutorService probes = Executors.newFixedThreadPool(8);
        List<CodexSession> sessions = new ArrayList<>();
        try (CodexPool pool = b.build()) {
            Map<Integer, Future<TurnResult>> turns = new TreeMap<>();
            for (int i = 0; i < settings.sessions(); i++) {
                ChaosState.Slot s = slots.get(i);
                if (s == null || s.threadId() == null) {
                    unusable.put(i, "never opened a thread");
                    continue;
                }
                int slot = i;
                slotThreads.put(i, s.threadId());
                turns.put(i, probes.submit(() -> {
                    CodexSession session = resume(pool, s.threadId());
                    synchronized (sessions) {
                        sessions.add(session);
                    }
                    return session.runTurn(TurnInput.text(ChaosModel.prompt("plain", "probe" + slot)));
                }));
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
            readRecords(fleet, pool, threads);
            synchronized (sessions) {
                sessions.forEach(CodexSession::close);
            }
        } finally {
            probes.shutdownNow();
        }
    }

    /** The slot's thread resumed; tried again while the pool's connections are still being opened (a hundred at once). */
    private CodexSession resume(CodexPool pool, String threadId) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return pool.resumeSession(threadId, sb -> sb.cwd(work).limits(TurnLimits.of(settings.turnTimeout(), Duration.ZERO)));
            } catch (PoolException e) {
                if (attempt == 5 || !String.valueOf(e.getMessage()).contains("still being opened")) {
                    throw e;
                }
                Thread.sleep(1000L * attempt);
            }
        }
    }

    /**
     * Codex's record of each thread, turns included: the copy holding the probe's turn (the
     * conversation as it went on), else the copy on the app-server the probe's pool names, else any
     * that answers. An app-server a killed host was using may still hold an older copy, even loaded
     * (seen more than two minutes after the kill): only the probe's copy is the conversation.
     */
    private void readRecords(ChaosFleet fleet, CodexPool pool, Map<String, JsonNode> threads) {
        List<CodexClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < SERVERS; i++) {
                clients.add(CodexClient.builder().endpoint(fleet.direct(i)).maxThreads(settings.sessions() * 2 + 16)
                        .requestTimeout(Duration.ofSeconds(120)).connect());
            }
            for (String t : threads.keySet()) {
                List<Integer> order = new ArrayList<>(List.of(0, 1, 2));
                pool.endpointOf(t).ifPresent(name -> {
                    Integer at = Integer.valueOf(name.substring(name.indexOf('-') + 1));
                    order.remove(at);
                    order.add(0, at);
                });
                JsonNode chosen = null;
                for (int i : order) {
                    JsonNode record;
                    try {
                        record = clients.get(i).request("thread/read", Map.of("threadId", t, "includeTurns", true), JsonNode.class).path("thread");
                    } catch (RuntimeException notThere) {
                        continue;
                    }
                    if (chosen == null || record.toString().contains(ChaosModel.prompt("plain", "probe"))) {
                        chosen = record;
                    }
                }
                if (chosen != null) {
                    threads.put(t, chosen);
                }
            }
        } finally {
            clients.forEach(CodexClient::close);
        }
    }
}
