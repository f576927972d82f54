package dev.codexbridge.bench;

import static dev.codexbridge.bench.ProcMemory.median;
import static dev.codexbridge.bench.ProcMemory.mib;
import static dev.codexbridge.bench.ProcMemory.percentile;

import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantCapacityException;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Tenants against the real codex: {@code TENANTS} tenants, {@code SESSIONS} sessions each, under a
 * cap of {@code MAX_PROCESSES} codex processes with idle eviction ({@code IDLE_MS}), once with
 * codex's own defaults and once with the recommended settings. Each tenant's first session runs
 * one turn (so its thread has history) and is timed as a cold-tenant start (home prepared, codex
 * spawned, {@code initialize}, {@code thread/start}); the others are warm-tenant starts
 * ({@code thread/start} on the tenant's running codex). {@code CONCURRENCY} tenants are served at
 * once. Afterwards every tenant's first thread is resumed, the most recent tenants first — most
 * tenants were evicted meanwhile, so their codex starts again — and its history checked (the first turn's prompt is in
 * {@code thread/read}), then a turn runs on it. Memory (JVM + every codex) and library threads are
 * sampled throughout. Last, one tenant opens {@code ONE_TENANT} sessions over as many processes as
 * it needs (500 threads each), stopping early when the machine's available memory falls under
 * {@code FLOOR_MIB} or after {@code MAX_S} seconds. Run with
 * {@code bin/bench tenants [TENANTS] [SESSIONS] [MAX_PROCESSES] [IDLE_MS] [CONCURRENCY] [VARIANTS]
 * [ONE_TENANT] [FLOOR_MIB] [MAX_S]} (VARIANTS: {@code defaults,recommended}).
 */
public final class TenantsBench {
    private TenantsBench() {
    }

    /** The recommended settings (docs/tenants.md, "Choosing codex settings"), as codex {@code -c} overrides. */
    static final Map<String, String> RECOMMENDED = Map.of(
            "features.shell_snapshot", "false", "features.plugins", "false", "features.apps", "false");

    public static void main(String[] args) throws Exception {
        int tenants = arg(args, 0, 200);
        int perTenant = arg(args, 1, 5);
        int maxProcesses = arg(args, 2, 40);
        int idleMs = arg(args, 3, 2000);
        int concurrency = arg(args, 4, 4);
        List<String> variants = List.of((args.length > 5 ? args[5] : "defaults,recommended").split(","));
        int oneTenant = arg(args, 6, 10_000);
        int floorMib = arg(args, 7, 6144);
        int maxSeconds = arg(args, 8, 240);
        try (LiveRig rig = new LiveRig()) {
            for (String v : variants) {
                if (!v.isBlank()) {
                    manyTenants(rig, v, tenants, perTenant, maxProcesses, idleMs, concurrency);
                    report("tenants", "processes left after close", LiveRig.reapChildren(Duration.ofSeconds(20)));
                }
            }
            if (oneTenant > 0) {
                oneTenant(rig, oneTenant, floorMib, maxSeconds);
            }
        } finally {
            LiveRig.reapChildren(Duration.ofSeconds(20));
        }
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i && !args[i].isBlank() ? Integer.parseInt(args[i]) : dflt;
    }

    private static void report(String what, String label, int n) {
        if (n > 0) {
            System.out.printf("%s: %s: %d (killed)%n", what, label, n);
        }
    }

    /** A tenant's config.toml: the scripted model; codex's defaults kept, or the three recommended lines. */
    private static String toml(LiveRig rig, boolean recommended) {
        String t = IsolatedCodexHome.builder(rig.tmp.resolve("unused"), rig.model.baseUrl()).sandboxMode("danger-full-access")
                .configToml();
        return recommended ? t
                : t.replace("shell_snapshot = false\n", "").replace("plugins = false\n", "").replace("apps = false\n", "");
    }

    private static CodexTenants.Builder tenants(LiveRig rig, String variant, Path root) {
        boolean recommended = variant.equals("recommended");
        return CodexTenants.builder()
                .homesRoot(root)
                .launch(CodexLaunch.appServer(rig.binary).workingDirectory(rig.work).detachFromTerminal(true).build())
                .homeSetup(TenantHomeSetup.configToml(toml(rig, recommended)))
                .codexDefaults(recommended ? RECOMMENDED : Map.of())
                .client(c -> c.requestTimeout(Duration.ofSeconds(120)));
    }

    private static void configure(CodexSession.Builder b, LiveRig rig) {
        b.limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO));   // the thread runs in the tenant's own workspace
    }

    /** Opens a session, waiting out capacity refusals as the exception advises; counts them. */
    private static CodexSession open(Supplier<CodexSession> opener, AtomicInteger refusals) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            try {
                return opener.get();
            } catch (TenantCapacityException e) {
                refusals.incrementAndGet();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LiveRig.sleep(Math.max(20, Math.min(1000, e.retryAfter().toMillis())));
            }
        }
    }

    private static void manyTenants(LiveRig rig, String variant, int n, int perTenant, int maxProcesses, int idleMs,
                                    int concurrency) throws Exception {
        Path root = TestDirs.create("bench-tenants-" + variant);   // not under /tmp: refused there
        Sampler sampler = new Sampler();
        sampler.start();
        ProcMemory.Sample base = ProcMemory.sample();
        List<Double> cold = Collections.synchronizedList(new ArrayList<>());
        List<Double> warm = Collections.synchronizedList(new ArrayList<>());
        List<Double> firstTurn = Collections.synchronizedList(new ArrayList<>());
        List<Double> resumeMs = Collections.synchronizedList(new ArrayList<>());
        List<Double> resumeRunning = Collections.synchronizedList(new ArrayList<>());
        Map<String, String> firstThread = new ConcurrentHashMap<>();
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger historyOk = new AtomicInteger();
        AtomicInteger resumedTurns = new AtomicInteger();
        AtomicInteger evictedBeforeResume = new AtomicInteger();
        long t0 = System.nanoTime();
        ProcMemory.Sample afterOpen;
        ProcMemory.Threads threadsAfterOpen;
        int processesAfterOpen;
        try (CodexTenants t = tenants(rig, variant, root)
                .maxProcesses(maxProcesses).maxProcessesPerTenant(1).maxThreadsPerProcess(500).maxThreadsPerTenant(perTenant)
                .idleTimeout(Duration.ofMillis(idleMs)).build()) {
            ExecutorService workers = Executors.newFixedThreadPool(concurrency);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String tenant = "tenant-" + i;
                    done.add(workers.submit(() -> {
                        List<CodexSession> open = new ArrayList<>();
                        try {
                            for (int k = 0; k < perTenant; k++) {
                                boolean coldStart = t.usage(tenant).processes() == 0;
                                long st = System.nanoTime();
                                CodexSession s = open(() -> t.newSession(tenant, b -> configure(b, rig)), refusals);
                                double ms = (System.nanoTime() - st) / 1e6;
                                (coldStart ? cold : warm).add(ms);
                                open.add(s);
                                if (k == 0) {
                                    long tt = System.nanoTime();
                                    TurnResult r = s.runTurn(TurnInput.text("bench: quick " + tenant));
                                    firstTurn.add((System.nanoTime() - tt) / 1e6);
                                    if (r.status() != TurnOutcome.COMPLETED) {
                                        failures.incrementAndGet();
                                        System.out.printf("tenants:   %s first turn %s: %s%n", tenant, r.status(), r.error());
                                    }
                                    firstThread.put(tenant, s.threadId());
                                }
                            }
                        } catch (RuntimeException e) {
                            failures.incrementAndGet();
                            System.out.printf("tenants:   %s failed: %s%n", tenant, e);
                        } finally {
                            open.forEach(CodexSession::close);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                afterOpen = ProcMemory.sample();
                threadsAfterOpen = ProcMemory.threads();
                processesAfterOpen = t.processes();
                long openS = (System.nanoTime() - t0) / 1_000_000_000L;
                System.out.printf("tenants: [%s] %d tenants x %d sessions, cap %d processes, idle %d ms, %d at once: %d s; "
                                + "cold-tenant start median %.0f ms p90 %.0f ms (%d); warm-tenant start median %.1f ms p90 %.1f ms (%d); "
                                + "first turn median %.0f ms; %d capacity refusals waited out, %d failures; "
                                + "now %d codex processes, total RSS %.1f MiB (JVM %.1f, codex %.1f in %d processes), total PSS %.1f MiB; %s%n",
                        variant, n, perTenant, maxProcesses, idleMs, concurrency, openS, median(cold), percentile(cold, 0.9), cold.size(),
                        median(warm), percentile(warm, 0.9), warm.size(), median(firstTurn), refusals.get(), failures.get(),
                        processesAfterOpen, mib(afterOpen.totalRss()), mib(afterOpen.jvmRss()), mib(afterOpen.childRss()),
                        afterOpen.children(), mib(afterOpen.totalPss()), threadsAfterOpen);

                // every tenant's first thread again, the most recent tenants first (those still have
                // their codex; in opening order each resume would evict the tenant needed next)
                List<Future<?>> resumed = new ArrayList<>();
                for (int i = n - 1; i >= 0; i--) {
                    String tenant = "tenant-" + i;
                    String thread = firstThread.get(tenant);
                    if (thread == null) {
                        continue;
                    }
                    resumed.add(workers.submit(() -> {
                        boolean evicted = t.usage(tenant).processes() == 0;
                        if (evicted) {
                            evictedBeforeResume.incrementAndGet();
                        }
                        long st = System.nanoTime();
                        try (CodexSession s = open(() -> t.resumeSession(tenant, thread, b -> configure(b, rig)), refusals)) {
                            (evicted ? resumeMs : resumeRunning).add((System.nanoTime() - st) / 1e6);
                            String history = Json.write(s.read(true));
                            if (history.contains("bench: quick " + tenant + "\"") || history.contains("bench: quick " + tenant + "\\")) {
                                historyOk.incrementAndGet();
                            } else {
                                System.out.printf("tenants:   %s resumed %s without its first prompt%n", tenant, thread);
                            }
                            TurnResult r = s.runTurn(TurnInput.text("bench: again " + tenant));
                            if (r.status() == TurnOutcome.COMPLETED) {
                                resumedTurns.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failures.incrementAndGet();
                            System.out.printf("tenants:   %s resume failed: %s%n", tenant, e);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : resumed) {
                    f.get();
                }
            } finally {
                workers.shutdownNow();
            }
            System.out.printf("tenants: [%s] resumed %d first threads (%d of their tenants evicted before): %d with their history, "
                            + "%d ran a turn after; resume of an evicted tenant (codex started again) median %.0f ms p90 %.0f ms, "
                            + "of a tenant still running median %.1f ms (%d); %d failures in all; "
                            + "peak over the run: total RSS %.1f MiB, total PSS %.1f MiB, %d processes below the JVM, %d codex processes, "
                            + "%d library threads; %.0f s%n",
                    variant, resumeMs.size() + resumeRunning.size(), evictedBeforeResume.get(), historyOk.get(), resumedTurns.get(),
                    median(resumeMs), percentile(resumeMs, 0.9), median(resumeRunning), resumeRunning.size(), failures.get(), mib(sampler.peakRss.get()), mib(sampler.peakPss.get()),
                    sampler.peakChildren.get(), sampler.peakCodex.get(), sampler.peakLibrary.get(), (System.nanoTime() - t0) / 1e9);
        } finally {
            sampler.stop();
        }
        System.out.printf("tenants: [%s] JVM before: RSS %.1f MiB%n", variant, mib(base.jvmRss()));
    }

    private static void oneTenant(LiveRig rig, int target, int floorMib, int maxSeconds) {
        Path root = TestDirs.create("bench-one-tenant");
        int processes = (target + 499) / 500;
        Sampler sampler = new Sampler();
        sampler.start();
        List<CodexSession> sessions = new ArrayList<>();
        List<Double> starts = new ArrayList<>();
        List<Double> processStarts = new ArrayList<>();
        AtomicInteger refusals = new AtomicInteger();
        long t0 = System.nanoTime();
        String stopped = "reached";
        try (CodexTenants t = tenants(rig, "recommended", root).maxProcesses(processes + 1).maxProcessesPerTenant(processes)
                .maxThreadsPerProcess(500).maxThreadsPerTenant(target).idleTimeout(Duration.ofMinutes(30)).build()) {
            for (int i = 1; i <= target; i++) {
                int before = t.processes();
                long st = System.nanoTime();
                CodexSession s;
                try {
                    s = open(() -> t.newSession("one", b -> configure(b, rig)), refusals);
                } catch (RuntimeException e) {
                    stopped = "stopped at session " + i + ": " + e;
                    break;
                }
                double ms = (System.nanoTime() - st) / 1e6;
                (t.processes() > before ? processStarts : starts).add(ms);
                sessions.add(s);
                if (i % 1000 == 0 || i == target || i == 100) {
                    ProcMemory.Sample m = ProcMemory.sample();
                    List<Double> recent = starts.subList(Math.max(0, starts.size() - 500), starts.size());
                    System.out.printf("tenants: one tenant, %5d sessions on %d processes: total RSS %.1f MiB (JVM %.1f, codex %.1f), "
                                    + "total PSS %.1f MiB, %.2f MiB PSS per session; thread/start last 500 median %.1f ms p90 %.1f ms; "
                                    + "machine available %d MiB; %s; %.0f s%n",
                            i, t.processes(), mib(m.totalRss()), mib(m.jvmRss()), mib(m.childRss()), mib(m.totalPss()),
                            mib(m.totalPss()) / i, median(recent), percentile(recent, 0.9), availableMib(), ProcMemory.threads(),
                            (System.nanoTime() - t0) / 1e9);
                }
                if (i % 50 == 0) {
                    long avail = availableMib();
                    if (avail < floorMib) {
                        stopped = "stopped at " + i + " sessions: the machine's available memory " + avail + " MiB fell under "
                                + floorMib + " MiB";
                        break;
                    }
                    if ((System.nanoTime() - t0) / 1e9 > maxSeconds) {
                        stopped = "stopped at " + i + " sessions: the time limit of " + maxSeconds + " s";
                        break;
                    }
                }
            }
            ProcMemory.Sample m = ProcMemory.sample();
            System.out.printf("tenants: one tenant: %s; %d sessions on %d processes; total RSS %.1f MiB, PSS %.1f MiB; "
                            + "session start median %.1f ms p90 %.1f ms, with a new process median %.0f ms (%d); %d capacity refusals; "
                            + "peak library threads %d; %s%n",
                    stopped, sessions.size(), t.processes(), mib(m.totalRss()), mib(m.totalPss()), median(starts),
                    percentile(starts, 0.9), median(processStarts), processStarts.size(), refusals.get(), sampler.peakLibrary.get(),
                    ProcMemory.threads());
            sessions.forEach(CodexSession::close);
        } finally {
            sampler.stop();
        }
    }

    /** MemAvailable of the machine, in MiB. */
    static long availableMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            // unknown: never stop for it
        }
        return Long.MAX_VALUE;
    }

    /** Peaks of memory, processes and library threads, read every 250 ms. */
    static final class Sampler implements Runnable {
        final AtomicLong peakRss = new AtomicLong();
        final AtomicLong peakPss = new AtomicLong();
        final AtomicInteger peakChildren = new AtomicInteger();
        final AtomicInteger peakCodex = new AtomicInteger();
        final AtomicInteger peakLibrary = new AtomicInteger();
        private volatile boolean stop;
        private Thread thread;

        void start() {
            thread = new Thread(this, "bench-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() {
            stop = true;
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            while (!stop) {
                ProcMemory.Sample s = ProcMemory.sample();
                peakRss.accumulateAndGet(s.totalRss(), Math::max);
                peakPss.accumulateAndGet(s.totalPss(), Math::max);
                peakChildren.accumulateAndGet(s.children(), Math::max);
                int codex = (int) ProcessHandle.current().children().count();
                peakCodex.accumulateAndGet(codex, Math::max);
                peakLibrary.accumulateAndGet(ProcMemory.threads().library(), Math::max);
                LiveRig.sleep(250);
            }
        }
    }
}
