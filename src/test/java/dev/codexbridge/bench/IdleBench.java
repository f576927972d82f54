package dev.codexbridge.bench;

import static dev.codexbridge.bench.ProcMemory.median;
import static dev.codexbridge.bench.ProcMemory.mib;
import static dev.codexbridge.bench.ProcMemory.percentile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.IdleRestart;
import dev.codexbridge.process.Toml;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.support.ReopenWatch;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Idle conversations against the real codex (issue 42, decision 0040): {@code N} sessions on one
 * shared client, each after at least one turn, hibernating after {@code IDLE_S}; then rounds in
 * which a share of them run a turn at once. Measures, all in (this JVM, codex and every process
 * below it): memory, processes, open files and codex's loaded threads with every conversation
 * asleep and while the share is active; and the time to a turn's first event
 * ({@code onTurnStarted}) on a hibernated conversation against the same conversation right after,
 * still loaded, in one run; then codex killed while the share runs: what is resumed at once, and
 * how long until the share's next turns have completed. The same again with one stdio MCP server
 * configured, at {@code MCP_N} conversations: the test kit's echo server (a JVM of its own per
 * loaded thread), or with {@code IDLE_MCP_SERVER=node} a small Node.js one, as npm's MCP servers
 * run. With {@code IDLE_AT_ONCE=M}, M threads are then loaded at once and their sessions closed at
 * once. Run with {@code bin/bench idle [N] [ACTIVE_SHARE] [IDLE_S] [MCP_N] [LATENCY_PAIRS] [nodecay]}.
 */
public final class IdleBench {
    private IdleBench() {
    }

    /** Conversations opened (and given their first turn) at once: below maxThreads, within the idle window's turnover. */
    private static final int BATCH = 100;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        double share = args.length > 1 ? Double.parseDouble(args[1]) : 0.01;
        Duration idle = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 3);
        int mcpN = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        int pairs = args.length > 4 ? Integer.parseInt(args[4]) : 50;
        // codex's allocator returns freed memory within about a second (CodexLaunch's default);
        // "nodecay" gives codex the allocator's own defaults instead, as before that default
        boolean decay = !(args.length > 5 && args[5].equals("nodecay"));
        long t0 = System.nanoTime();
        try (LiveRig rig = new LiveRig()) {
            // warm the page cache and the JIT once, outside the measurement
            try (CodexClient warm = rig.connect("idle-warm"); CodexSession s = rig.shared(warm).build()) {
                s.runTurn(TurnInput.text("bench: quick"));
            }
            LiveRig.reapChildren(Duration.ofSeconds(10));
            if (n > 0) {       // 0: only the MCP server's run
                run("no MCP server" + (decay ? ", " + DECAY : ""), false, rig, rig.home, n, share, idle, pairs, decay);
                LiveRig.reapChildren(Duration.ofSeconds(20));
            }
            if (mcpN > 0) {
                boolean node = "node".equals(System.getenv("IDLE_MCP_SERVER"));
                Path mcpHome = IsolatedCodexHome.builder(rig.tmp.resolve("home-mcp"), rig.model.baseUrl()).sandboxMode("danger-full-access")
                        .extraToml(node ? nodeEchoServer(rig.tmp) : EchoMcpServer.configToml("echo")).write();
                run("one stdio MCP server (" + (node ? "Node.js" : "JVM") + ")" + (decay ? ", " + DECAY : ""), true, rig, mcpHome, mcpN,
                        // a few active in a small run; the given share in a large one (each active thread runs a server)
                        Math.max(share, Math.min(0.05, 3.0 / mcpN)), idle, Math.min(pairs, 20), decay);
            }
        } finally {
            int killed = LiveRig.reapChildren(Duration.ofSeconds(20));
            System.out.printf("idle: done in %.0f s; %d processes left at the end (killed)%n", (System.nanoTime() - t0) / 1e9, killed);
        }
    }

    private static void run(String variant, boolean mcp, LiveRig rig, Path home, int n, double share, Duration idle, int pairs,
                            boolean decay) throws Exception {
        System.out.printf("idle: --- %s: %d conversations, %.1f %% active at a time, hibernating after %d s ---%n",
                variant, n, share * 100, idle.toSeconds());
        List<CodexSession> sessions = new ArrayList<>();
        ReopenWatch watch = new ReopenWatch();
        try (CodexClient client = CodexClient.builder()
                .process(launch(rig, home, decay)).reconnect(ReconnectPolicy.DEFAULT).wireTap(watch)
                .threadOpens(threadOpens())
                .requestTimeout(Duration.ofSeconds(120)).maxThreads(Math.max(500, AT_ONCE + 100)).connect()) {
            // the baseline is the client at rest, collected, in every run: with IDLE_FORCED_GC=off only later samples differ
            long heap0 = ProcMemory.heapAfterGc();
            ProcMemory.Sample zero = ProcMemory.sample();
            report("0 conversations", zero, zero, heap0, heap0, 1, client);
            ProcMemory.nativeBaseline();        // with -XX:NativeMemoryTracking=summary in IDLE_JVM_OPTS: where the JVM grows

            // open every conversation and give it its first turn, a batch at a time
            long opening = System.nanoTime();
            Map<TurnOutcome, Integer> firstTurns = new EnumMap<>(TurnOutcome.class);
            for (int from = 0; from < n; from += BATCH) {
                List<CompletableFuture<TurnResult>> batch = new ArrayList<>();
                for (int i = from; i < Math.min(n, from + BATCH); i++) {
                    CodexSession s = CodexSession.builder().client(client).cwd(rig.work)
                            .limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO)).hibernateAfter(idle).build();
                    sessions.add(s);
                    batch.add(s.runTurnAsync(TurnInput.text("bench: quick"), TurnOptions.DEFAULTS, TurnListener.NONE));
                }
                for (CompletableFuture<TurnResult> f : batch) {
                    firstTurns.merge(f.get(LiveRig.TURN_TIMEOUT.toSeconds(), TimeUnit.SECONDS).status(), 1, Integer::sum);
                }
                // the connection's maxThreads (500) counts loaded threads: let earlier batches fall asleep first; with an
                // MCP server each loaded thread runs a process of its own (40-100 MiB), so fewer stay loaded at once
                int loadedAtMost = mcp ? BATCH : client.maxThreads() - 2 * BATCH;
                waitFor(() -> client.reservedThreads() <= loadedAtMost, idle.plusSeconds(60));
                if ((from + BATCH) % 10_000 == 0 && from + BATCH < n) {      // a long run's progress
                    System.out.printf("idle:   %d opened after %.0f s%n", from + BATCH, (System.nanoTime() - opening) / 1e9);
                }
            }
            System.out.printf("idle: %d conversations opened with one turn each in %.1f s: %s%n", n, (System.nanoTime() - opening) / 1e9,
                    firstTurns);

            awaitAsleep(sessions, idle);
            // IDLE_POLL_S: a host asking codex for its loaded threads that often, as a dashboard would, until the late sample
            java.util.concurrent.ScheduledExecutorService poller = polling(client);
            LiveRig.sleep(2_000);
            ProcMemory.Sample asleep = ProcMemory.sample();
            long heapAsleep = heap();
            report("all " + n + " asleep, 2 s later", asleep, zero, heapAsleep, heap0, n, client);
            LiveRig.sleep(20_000);      // codex's allocator gives memory back 10-25 s after unloading (issue 42)
            report("all " + n + " asleep, 22 s later", ProcMemory.sample(), zero, heap(), heap0, n, client);
            // IDLE_LATE_S: one more sample that long after they fell asleep (the 300 s)
            long late = Long.parseLong(System.getenv().getOrDefault("IDLE_LATE_S", "0"));
            if (late > 22) {
                LiveRig.sleep((late - 22) * 1_000);
                report("all " + n + " asleep, " + late + " s later", ProcMemory.sample(), zero, heap(), heap0, n, client);
            }
            if (poller != null) {
                poller.shutdownNow();
                System.out.printf("idle: the host asked for the loaded threads %d times meanwhile; codex started again %d times%n",
                        POLLS.get(), client.generation() - 1);
            }

            // a share of them active at once, from hibernation
            int active = Math.max(1, (int) Math.round(n * share));
            Random rnd = new Random(42);
            List<CodexSession> shuffled = new ArrayList<>(sessions);
            Collections.shuffle(shuffled, rnd);
            List<CodexSession> chosen = shuffled.subList(0, active);
            List<CompletableFuture<TurnResult>> running = new ArrayList<>();
            List<Double> startedMs = Collections.synchronizedList(new ArrayList<>());
            long woke = System.nanoTime();
            TurnListener started = new TurnListener() {
                @Override
                public void onTurnStarted(String key, String turnId) {
                    startedMs.add((System.nanoTime() - woke) / 1e6);
                }
            };
            for (CodexSession s : chosen) {
                running.add(s.runTurnAsync(TurnInput.text("bench: sleep 3"), TurnOptions.DEFAULTS, started));
            }
            LiveRig.sleep(2_000);
            ProcMemory.Sample busy = ProcMemory.sample();
            int loadedBusy = loaded(client);
            Map<TurnOutcome, Integer> activeTurns = new EnumMap<>(TurnOutcome.class);
            for (CompletableFuture<TurnResult> f : running) {
                activeTurns.merge(f.get(LiveRig.TURN_TIMEOUT.toSeconds(), TimeUnit.SECONDS).status(), 1, Integer::sum);
            }
            List<Double> wakes = new ArrayList<>(startedMs);
            System.out.printf("idle: %d active (turns of 3 s, woken from hibernation at once): %s; mid-turn: total RSS %.1f MiB (JVM %.1f, "
                            + "children %.1f in %d processes), children's open files %d, codex's loaded threads %d; turns started "
                            + "(the wake storm): median %.0f ms, p90 %.0f, last %.0f ms after asking%n",
                    active, activeTurns, mib(busy.totalRss()), mib(busy.jvmRss()), mib(busy.childRss()), busy.children(), busy.childFds(),
                    loadedBusy, median(wakes), percentile(wakes, 0.9), percentile(wakes, 1.0));

            // first event on a hibernated conversation, then on the same one still loaded
            awaitAsleep(sessions, idle);
            List<Double> asleepMs = new ArrayList<>();
            List<Double> loadedMs = new ArrayList<>();
            for (int i = 0; i < Math.min(pairs, n); i++) {
                CodexSession s = shuffled.get(shuffled.size() - 1 - i);
                if (!s.isHibernated()) {
                    continue;
                }
                asleepMs.add(firstEventMs(s));
                loadedMs.add(firstEventMs(s));
            }
            System.out.printf("idle: first event of a quick turn (%d pairs, one after another): hibernated median %.1f ms, p90 %.1f, "
                            + "p99 %.1f, max %.1f; loaded median %.1f ms, p90 %.1f, p99 %.1f, max %.1f%n",
                    asleepMs.size(), median(asleepMs), percentile(asleepMs, 0.9), percentile(asleepMs, 0.99), percentile(asleepMs, 1.0),
                    median(loadedMs), percentile(loadedMs, 0.9), percentile(loadedMs, 0.99), percentile(loadedMs, 1.0));

            // codex's first start over a home holding the fresh rollouts costs it CPU of its own: seen here, nothing running
            restartIdle(client, watch, sessions, idle);
            restartIdle(client, watch, sessions, idle);
            killCodexWhileActive(client, watch, sessions, chosen, idle);
            killCodexWhileActive(client, watch, sessions, chosen, idle);

            // closing every other conversation at once leaves nothing loaded but the active ones' threads
            List<CodexSession> others = new ArrayList<>(sessions);
            others.removeAll(chosen);
            long closing = System.nanoTime();
            others.forEach(CodexSession::close);
            int kept = (int) chosen.stream().filter(s -> !s.isHibernated()).count();
            boolean settled = waitFor(() -> loaded(client) <= kept, Duration.ofSeconds(60));
            System.out.printf("idle: %d conversations closed at once: codex's loaded threads %d after %.1f s (%d of the open ones awake)%s; "
                            + "library threads %d%n", others.size(), loaded(client), (System.nanoTime() - closing) / 1e9, kept,
                    settled ? "" : " (not down within 60 s)", ProcMemory.threads().library());

            // the same kill with only the active ones open: recovery should not depend on how many sleep
            if (!others.isEmpty()) {
                killCodexWhileActive(client, watch, chosen, chosen, idle);
                killCodexWhileActive(client, watch, chosen, chosen, idle);
            }
            chosen.forEach(CodexSession::close);
            waitFor(() -> loaded(client) == 0, Duration.ofSeconds(60));
            if (AT_ONCE > 0 && !mcp) {
                loadedAtOnceThenClosed(client, watch, sessions, rig, home);
            }
            System.out.printf("idle: all closed: codex's loaded threads %d; library threads %d%n", loaded(client),
                    ProcMemory.threads().library());
            sessions.clear();
        } finally {
            sessions.forEach(CodexSession::close);
        }
    }

    /**
     * Codex killed (SIGKILL) while the active share runs a turn: the turns end, the client starts
     * codex again, and only sessions with a turn resume at once (issue 42); the hibernated ones
     * come back on demand. Recovery is the time from the kill until every active session's next
     * turn has completed, to compare with a run where all open conversations are active.
     */
    private static void killCodexWhileActive(CodexClient client, ReopenWatch watch, List<CodexSession> sessions,
                                             List<CodexSession> active, Duration idle) throws Exception {
        awaitAsleep(sessions, idle);
        List<CompletableFuture<TurnResult>> cut = new ArrayList<>();
        for (CodexSession s : active) {
            cut.add(s.runTurnAsync(TurnInput.text("bench: sleep 240"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }
        waitFor(() -> loaded(client) >= active.size(), Duration.ofSeconds(180));      // a wake storm with MCP servers is slow
        LiveRig.sleep(1_000);
        long pid = codexProcess().pid();
        long killed = System.nanoTime();
        int resumesBefore = watch.resumesSent();
        watch.killedAt(killed);
        long jvmCpu = ProcMemory.jvmCpuMs();
        long gc = gcMs();
        Map<Long, Long> libraryCpu = ProcMemory.libraryCpu();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        // the library's threads while it recovers: sampled until the share's next turns are done
        AtomicInteger peakThreads = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peakThreads.accumulateAndGet(ProcMemory.threads().library(), Math::max);
                LiveRig.sleep(10);
            }
        }, "idle-bench-thread-sampler");
        sampler.setDaemon(true);
        sampler.start();
        Map<TurnOutcome, Integer> lost = new EnumMap<>(TurnOutcome.class);
        for (CompletableFuture<TurnResult> f : cut) {
            lost.merge(f.get(5, TimeUnit.MINUTES).status(), 1, Integer::sum);
        }
        double endedMs = (System.nanoTime() - killed) / 1e6;
        List<CompletableFuture<TurnResult>> next = new ArrayList<>();
        for (CodexSession s : active) {
            next.add(s.runTurnAsync(TurnInput.text("bench: quick"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }
        Map<TurnOutcome, Integer> again = new EnumMap<>(TurnOutcome.class);
        for (CompletableFuture<TurnResult> f : next) {
            again.merge(f.get(5, TimeUnit.MINUTES).status(), 1, Integer::sum);
        }
        double recoveredMs = (System.nanoTime() - killed) / 1e6;
        // where the recovery's time went: this JVM (GC, the library's threads) and the new codex (started after the kill)
        long jvmCpuUsed = ProcMemory.jvmCpuMs() - jvmCpu;
        long gcUsed = gcMs() - gc;
        double libraryCpuUsed = ProcMemory.libraryCpuSinceMs(libraryCpu);
        long codexCpu = ProcMemory.sample().childCpuMs();
        List<Double> resumeMs = watch.resumeAnswerMs();
        sampling.set(false);
        sampler.join();
        long awake = sessions.stream().filter(s -> !s.isHibernated()).count();
        System.out.printf("idle: codex killed with %d open, %d running a turn: those turns ended %s %.0f ms after the kill; new codex "
                        + "answered initialize after %.0f ms; %d resumes sent; next turns on the %d: %s, all done %.0f ms after the kill; "
                        + "%d sessions awake, codex's loaded threads %d; library threads: peak %d while recovering, %d now%n",
                sessions.size(), active.size(), lost, endedMs, watch.reconnectedMs(), watch.resumesSent() - resumesBefore, active.size(), again, recoveredMs,
                awake, loaded(client), peakThreads.get(), ProcMemory.threads().library());
        System.out.printf("idle:   during that recovery: CPU %d ms in this JVM (GC %d ms, library threads %.0f ms), %d ms in the new codex "
                        + "and below; requests sent %s; codex answered the %d resumes in median %.0f ms, p90 %.0f, max %.0f%n",
                jvmCpuUsed, gcUsed, libraryCpuUsed, codexCpu, watch.sentSinceKill(), resumeMs.size(), median(resumeMs),
                percentile(resumeMs, 0.9), percentile(resumeMs, 1.0));
    }

    private static long gcMs() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    /** {@code IDLE_AT_ONCE=M}: M of the conversations loaded together, then closed together (needs an open-file limit above 2 M + 64). */
    private static final AtomicInteger POLLS = new AtomicInteger();

    /** With IDLE_POLL_S set, asks {@code client} for its loaded threads that often on a thread of its own; else null. */
    private static java.util.concurrent.ScheduledExecutorService polling(CodexClient client) {
        long every = Long.parseLong(System.getenv().getOrDefault("IDLE_POLL_S", "0"));
        if (every <= 0) {
            return null;
        }
        java.util.concurrent.ScheduledExecutorService poller = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        poller.scheduleAtFixedRate(() -> {
            try {
                client.threadLoadedList(new dev.codexbridge.protocol.ThreadLoadedListParams(null, null));
                POLLS.incrementAndGet();
            } catch (RuntimeException e) {
                System.out.printf("idle: a poll failed: %s%n", e);
            }
        }, 0, every, TimeUnit.SECONDS);
        return poller;
    }

    /** The library's window for thread loads; IDLE_OPENS_AT_ONCE=N lets N through at once in place of the default 16. */
    private static dev.codexbridge.client.ThreadOpens threadOpens() {
        dev.codexbridge.client.ThreadOpens d = dev.codexbridge.client.ThreadOpens.DEFAULT;
        String atOnce = System.getenv("IDLE_OPENS_AT_ONCE");
        return atOnce == null ? d : new dev.codexbridge.client.ThreadOpens(Integer.parseInt(atOnce), d.queue(), d.maxWait());
    }

    private static final int AT_ONCE = Integer.parseInt(System.getenv().getOrDefault("IDLE_AT_ONCE", "0"));

    /**
     * M of the conversations' threads loaded at once (new sessions on their thread ids, each with a
     * quick turn, an idle window longer than the phase so none lets go by itself), then every one
     * closed at once: how long until codex lists none of them, and how many unsubscribes that took.
     */
    private static void loadedAtOnceThenClosed(CodexClient client, ReopenWatch watch, List<CodexSession> closedOnes, LiveRig rig, Path home)
            throws Exception {
        List<String> ids = closedOnes.stream().map(CodexSession::threadId).limit(AT_ONCE).toList();
        List<CodexSession> woken = new ArrayList<>();
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>();
        long t0 = System.nanoTime();
        for (String id : ids) {
            CodexSession s = CodexSession.builder().client(client).cwd(rig.work).resumeThread(id)
                    .limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO)).hibernateAfter(Duration.ofHours(1)).build();
            woken.add(s);
            turns.add(s.runTurnAsync(TurnInput.text("bench: quick"), TurnOptions.DEFAULTS, TurnListener.NONE));
        }
        // by outcome, a failure by its category: CAPACITY is a refusal of the connection's window (decision 0055)
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (CompletableFuture<TurnResult> f : turns) {
            TurnResult r = f.get(30, TimeUnit.MINUTES);
            outcomes.merge(r.status() + (r.error() == null ? "" : "/" + r.error().category()), 1, Integer::sum);
        }
        double wokenS = (System.nanoTime() - t0) / 1e9;
        ProcMemory.Sample all = ProcMemory.sample();
        int loadedAll = loaded(client);
        long closing = System.nanoTime();
        watch.killedAt(closing);        // its request counts start here
        woken.forEach(CodexSession::close);
        double closedMs = (System.nanoTime() - closing) / 1e6;
        boolean none = waitFor(() -> loaded(client) == 0, Duration.ofMinutes(10));
        double unloadedS = (System.nanoTime() - closing) / 1e9;
        LiveRig.sleep(20_000);
        ProcMemory.Sample after = ProcMemory.sample();
        System.out.printf("idle: %d threads loaded at once (a quick turn each, all done in %.1f s: %s): codex's loaded threads %d, total RSS "
                        + "%.1f MiB (children %.1f), children's open files %d; all closed at once (close() calls took %.0f ms): codex's "
                        + "loaded threads %d after %.1f s%s, %d thread/unsubscribe sent; 20 s later total RSS %.1f MiB (children %.1f), "
                        + "open files %d; library threads %d%n",
                ids.size(), wokenS, outcomes, loadedAll, mib(all.totalRss()), mib(all.childRss()), all.childFds(), closedMs, loaded(client),
                unloadedS, none ? "" : " (not down within 10 minutes)", watch.sentSinceKill().getOrDefault("thread/unsubscribe", 0),
                mib(after.totalRss()),
                mib(after.childRss()), after.childFds(), ProcMemory.threads().library());
        System.out.printf("idle:   the same storm as wakes per second: %.1f completed, %.1f refused, %.1f timed out (%.1f s)%n",
                per(outcomes, "COMPLETED", wokenS), per(outcomes, "CAPACITY", wokenS), per(outcomes, "TIMEOUT", wokenS), wokenS);
        resumesAlone(client, ids);
        // the yardstick, in the same run: the same threads, asleep again, resumed on a codex of their own with nothing between
        for (int concurrency : new int[] {16, 64}) {
            System.out.printf("idle:   %s%n", RawReopen.resumeRate(rig.binary, home, rig.work, ids, concurrency));
        }
        // and of the same work as the library's storm: a resume and a quick turn each (IDLE_WAKE_YARDSTICK=off leaves it out)
        if (!"off".equals(System.getenv("IDLE_WAKE_YARDSTICK"))) {
            System.out.printf("idle:   %s%n", RawReopen.wakeRate(rig.binary, home, rig.work, ids, 16));
        }
    }

    /**
     * The same threads, asleep again, resumed through the library's window alone, all asked at once as the host's own
     * {@code thread/resume} (no session, no turn), then let go: the window's pace with nothing else asked of codex.
     */
    private static void resumesAlone(CodexClient client, List<String> ids) {
        waitFor(() -> loaded(client) == 0, Duration.ofMinutes(2));
        long t0 = System.nanoTime();
        List<CompletableFuture<JsonNode>> resumes = new ArrayList<>();
        for (String id : ids) {
            resumes.add(client.requestAsync("thread/resume", Json.object().put("threadId", id).put("excludeTurns", true), JsonNode.class,
                    Duration.ofMinutes(5)));
        }
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (CompletableFuture<JsonNode> f : resumes) {
            String outcome;
            try {
                f.join();
                outcome = "COMPLETED";
            } catch (java.util.concurrent.CompletionException e) {
                outcome = e.getCause() instanceof dev.codexbridge.client.ThreadOpenCapacityException ? "CAPACITY" : e.getCause().getClass().getSimpleName();
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("idle:   the same threads resumed through the library's window alone, all asked at once: %s in %.1f s, "
                + "%.1f completed/s%n", outcomes, s, outcomes.getOrDefault("COMPLETED", 0) / s);
        // let go 16 at a time: thousands of unsubscribes at once fill codex's outbound queue, and it drops answers then
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(16);
        for (int i = 0; i < ids.size(); i++) {
            if (resumes.get(i).isCompletedExceptionally()) {
                continue;
            }
            inFlight.acquireUninterruptibly();
            client.requestAsync("thread/unsubscribe", Json.object().put("threadId", ids.get(i)), JsonNode.class, Duration.ofMinutes(2))
                    .whenComplete((r, e) -> inFlight.release());
        }
        waitFor(() -> loaded(client) == 0, Duration.ofMinutes(2));
    }

    /** How many of {@code outcomes} whose key contains {@code what} there were per second of {@code seconds}. */
    private static double per(Map<String, Integer> outcomes, String what, double seconds) {
        return outcomes.entrySet().stream().filter(e -> e.getKey().contains(what)).mapToInt(Map.Entry::getValue).sum() / seconds;
    }

    /**
     * Codex killed with every session asleep: nothing is resumed; the new codex's CPU in its first
     * seconds, asked nothing but the handshake, is what starting over this home costs it.
     */
    private static void restartIdle(CodexClient client, ReopenWatch watch, List<CodexSession> sessions, Duration idle) {
        awaitAsleep(sessions, idle);
        long killed = System.nanoTime();
        watch.killedAt(killed);
        codexProcess().destroyForcibly();
        waitFor(() -> watch.reconnectedMs() > 0, Duration.ofSeconds(60));
        double initializeMs = watch.reconnectedMs();
        // sampled each second until it has used no CPU for 3 s (at most 5 minutes)
        long first = ProcMemory.sample().childCpuMs();
        long cpu = first;
        long busyUntil = System.nanoTime();
        int still = 0;
        for (int i = 0; i < 300 && still < 3; i++) {
            LiveRig.sleep(1_000);
            long now = ProcMemory.sample().childCpuMs();
            if (now > cpu + 20) {           // 20 ms: the tick of a quiet process's own timers
                busyUntil = System.nanoTime();
                still = 0;
            } else {
                still++;
            }
            cpu = now;
        }
        System.out.printf("idle: codex killed with %d open, none running: new codex answered initialize after %.0f ms (CPU %d ms); "
                        + "asked nothing more, it used %d ms of CPU in all, busy until %.1f s after the kill; requests sent %s%n",
                sessions.size(), initializeMs, first, cpu, (busyUntil - killed) / 1e9, watch.sentSinceKill());
    }

    private static ProcessHandle codexProcess() {
        return ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains("app-server"))
                .findFirst().orElseThrow();
    }

    /** A {@code [mcp_servers.echo]} table for a small Node.js stdio MCP server with one tool, written under {@code dir}. */
    private static String nodeEchoServer(Path dir) throws IOException {
        Path script = dir.resolve("echo-mcp-server.js");
        Files.writeString(script, """
                const rl = require('node:readline').createInterface({ input: process.stdin });
                const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
                rl.on('line', (line) => {
                  let m;
                  try { m = JSON.parse(line); } catch { return; }
                  if (m.id === undefined || typeof m.method !== 'string') return;
                  const ok = (result) => send({ jsonrpc: '2.0', id: m.id, result });
                  switch (m.method) {
                    case 'initialize':
                      return ok({ protocolVersion: (m.params && m.params.protocolVersion) || '2025-06-18',
                                  capabilities: { tools: {} }, serverInfo: { name: 'echo', version: '1.0.0' } });
                    case 'tools/list':
                      return ok({ tools: [{ name: 'echo', description: 'Echoes its text.',
                                            inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] });
                    case 'tools/call':
                      return ok({ content: [{ type: 'text', text: String((m.params.arguments || {}).text || '') }] });
                    case 'ping':
                      return ok({});
                    default:
                      return send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'no such method' } });
                  }
                });
                """);
        return "[mcp_servers.echo]\n"
                + "command = \"node\"\n"
                + "args = " + Toml.value(List.of(script.toString())) + "\n"
                + "default_tools_approval_mode = \"approve\"\n"
                + "startup_timeout_sec = 30.0\n"
                + "required = true\n";
    }

    private static final String DECAY = CodexLaunch.ALLOCATOR_VARIABLE + "=" + CodexLaunch.RETURN_FREED_MEMORY;

    private static CodexLaunch launch(LiveRig rig, Path home, boolean decay) {
        CodexLaunch.Builder b = CodexLaunch.appServer(rig.binary).codexHome(home).workingDirectory(rig.work).name("idle-bench")
                .detachFromTerminal(true)
                // IDLE_RESTART=off: codex is never started again to give back memory (the library's default does)
                .idleRestart("off".equals(System.getenv("IDLE_RESTART")) ? IdleRestart.OFF : IdleRestart.DEFAULT);
        if (!decay) {
            b.environment(CodexLaunch.ALLOCATOR_VARIABLE, "");
        }
        return b.build();
    }

    /**
     * Used heap in bytes: after forced collections, or, with IDLE_FORCED_GC=off, as it is, so that the JVM's memory at
     * every sample after the baseline is what the JVM chose alone (a host collects nothing by hand). Memory is sampled
     * first.
     */
    private static long heap() {
        return "off".equals(System.getenv("IDLE_FORCED_GC"))
                ? ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()
                : ProcMemory.heapAfterGc();
    }

    private static double firstEventMs(CodexSession s) {
        long st = System.nanoTime();
        CompletableFuture<Double> first = new CompletableFuture<>();
        TurnListener timing = new TurnListener() {
            @Override
            public void onTurnStarted(String key, String turnId) {
                first.complete((System.nanoTime() - st) / 1e6);
            }
        };
        TurnResult r = s.runTurn(TurnInput.text("bench: quick"), TurnOptions.DEFAULTS, timing);
        if (r.status() != TurnOutcome.COMPLETED) {
            System.out.printf("idle:   probe turn ended %s: %s%n", r.status(), r.error());
        }
        return first.getNow(Double.NaN);
    }

    private static void awaitAsleep(List<CodexSession> sessions, Duration idle) {
        long st = System.nanoTime();
        boolean all = waitFor(() -> sessions.stream().allMatch(CodexSession::isHibernated), idle.plusSeconds(120));
        long awake = sessions.stream().filter(s -> !s.isHibernated()).count();
        System.out.printf("idle: waited %.1f s for hibernation (%d still awake%s)%n", (System.nanoTime() - st) / 1e9, awake,
                all ? "" : ", gave up");
    }

    private static boolean waitFor(BooleanSupplier condition, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LiveRig.sleep(200);
        }
        return true;
    }

    private static int loaded(CodexClient c) {
        List<String> data = c.threadLoadedList(new ThreadLoadedListParams(null, null)).data();
        return data == null ? 0 : data.size();
    }

    private static void report(String what, ProcMemory.Sample now, ProcMemory.Sample zero, long heap, long heap0, int per, CodexClient c) {
        System.out.printf("idle: %s: total RSS %.1f MiB (JVM %.1f, children %.1f in %d processes), total PSS %.1f MiB, heap %.1f MiB, "
                        + "children's open files %d, codex's loaded threads %d; per conversation over 0: %.1f KiB RSS (JVM %.1f, "
                        + "children %.1f), %.1f KiB PSS, heap %.2f KiB; connection %d%n",
                what, mib(now.totalRss()), mib(now.jvmRss()), mib(now.childRss()), now.children(), mib(now.totalPss()), heap / 1048576.0,
                now.childFds(), loaded(c), (now.totalRss() - zero.totalRss()) / (double) per,
                (now.jvmRss() - zero.jvmRss()) / (double) per, (now.childRss() - zero.childRss()) / (double) per,
                (now.totalPss() - zero.totalPss()) / (double) per, (heap - heap0) / 1024.0 / per, c.generation());
        String growth = ProcMemory.nativeGrowth();
        if (!growth.isEmpty()) {
            System.out.printf("idle:   the JVM's committed memory since 0 conversations (NMT): %s%n", growth);
        }
    }
}
