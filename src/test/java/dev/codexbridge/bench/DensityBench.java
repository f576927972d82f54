package dev.codexbridge.bench;

import static dev.codexbridge.bench.ProcMemory.median;
import static dev.codexbridge.bench.ProcMemory.mib;
import static dev.codexbridge.bench.ProcMemory.percentile;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.ThreadUnsubscribeParams;
import dev.codexbridge.protocol.ThreadUnsubscribeStatus;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions per JVM against the real codex: {@code IDLE} sessions on {@code CONNECTIONS} shared
 * connections (one codex process each), then {@code RUNNING} of them run a turn at once, each turn
 * a {@code sleep} in codex so that they overlap. Measures RSS and PSS of the JVM and every process
 * below it, heap after GC, threads, and turn latency as the number of codex threads per process
 * grows; then {@code OWN} sessions with a codex process each, for the per-session cost of the
 * process-per-session way. Last, {@code RESUMED} sessions on one connection go through a
 * reconnect twice — over a WebSocket whose connection is cut while the app-server lives on, and
 * after codex is killed — each resuming every thread, and are then closed. The library's threads
 * are counted throughout, every few milliseconds, and reported by phase. Run with
 * {@code bin/bench density [IDLE] [RUNNING] [CONNECTIONS] [OWN] [SLEEP_S] [RESUMED[:ws|:crash]]}.
 */
public final class DensityBench {
    private DensityBench() {
    }

    /** Quick turns timed at each checkpoint, on the newest sessions. */
    private static final int PROBE_TURNS = 5;

    public static void main(String[] args) throws Exception {
        int idle = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int running = Math.min(idle, args.length > 1 ? Integer.parseInt(args[1]) : 100);
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int own = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        String sleep = args.length > 4 ? args[4] : "2";
        String[] reconnects = (args.length > 5 ? args[5] : "1000").split(":");
        int resumed = Integer.parseInt(reconnects[0]);
        String which = reconnects.length > 1 ? reconnects[1] : "both";
        TreeSet<Integer> checkpoints = new TreeSet<>(List.of(1, 100, 250, 500, 750, 1000, 1500, 2000));
        checkpoints.removeIf(c -> c > idle);
        checkpoints.add(idle);

        List<CodexClient> clients = new ArrayList<>();
        List<CodexSession> sessions = new ArrayList<>();
        Sampler sampler = new Sampler();
        long t0 = System.nanoTime();
        try (LiveRig rig = new LiveRig()) {
            sampler.start();
            sampler.phase("warm-up");
            // warm the page cache and the JIT once, outside the measurement
            try (CodexClient warm = rig.connect("density-warm"); CodexSession s = rig.shared(warm).build()) {
                s.start();
                s.runTurn(TurnInput.text("bench: quick"));
            }
            LiveRig.reapChildren(Duration.ofSeconds(10));
            long heapBase = ProcMemory.heapAfterGc();
            ProcMemory.Sample base = ProcMemory.sample();
            System.out.printf("density: JVM alone: RSS %.1f MiB, heap after GC %.1f MiB, %s%n",
                    mib(base.jvmRss()), heapBase / 1048576.0, ProcMemory.threads());

            sampler.phase("opening " + idle + " sessions on " + connections + " connection(s)");
            for (int c = 0; c < connections; c++) {
                clients.add(rig.connect("density-" + c));
            }
            long heap0 = ProcMemory.heapAfterGc();
            ProcMemory.Sample zero = ProcMemory.sample();
            System.out.printf("density: %d connection(s), 0 sessions: total RSS %.1f MiB (JVM %.1f, codex %.1f in %d processes), "
                            + "total PSS %.1f MiB, heap %.1f MiB, %s%n",
                    connections, mib(zero.totalRss()), mib(zero.jvmRss()), mib(zero.childRss()), zero.children(),
                    mib(zero.totalPss()), heap0 / 1048576.0, ProcMemory.threads());

            List<Double> startMs = new ArrayList<>();
            Checkpoint previous = new Checkpoint(0, zero);
            String failedAt = null;
            for (int i = 1; i <= idle; i++) {
                CodexSession s = rig.shared(clients.get((i - 1) % connections)).build();
                long st = System.nanoTime();
                try {
                    s.start();
                } catch (RuntimeException e) {
                    failedAt = "session " + i + ": " + e;
                    s.close();
                    break;
                }
                startMs.add((System.nanoTime() - st) / 1e6);
                sessions.add(s);
                if (checkpoints.contains(i)) {
                    previous = checkpoint(i, connections, zero, previous, heap0, startMs, sessions);
                    startMs.clear();
                }
            }
            if (failedAt != null) {
                System.out.printf("density: stopped opening sessions at %s%n", failedAt);
                checkpoint(sessions.size(), connections, zero, previous, heap0, startMs, sessions);
            }

            if (running > 0) {
                sampler.phase(Math.min(running, sessions.size()) + " concurrent turns");
                runConcurrent(sessions.subList(0, Math.min(running, sessions.size())), sleep, sampler);
            }

            sampler.phase("closing " + sessions.size() + " sessions on " + connections + " connection(s)");
            release(sessions);
            sessions.clear();
            for (CodexClient c : clients) {
                c.close();
            }
            clients.clear();
            int killed = LiveRig.reapChildren(Duration.ofSeconds(20));
            System.out.printf("density: shared connections closed (%d left-over processes killed)%n", killed);

            sampler.phase("sessions with a codex process each");
            processPerSession(rig, own);
            LiveRig.reapChildren(Duration.ofSeconds(20));

            if (resumed > 0 && !which.equals("crash")) {
                ReconnectPhases.afterADroppedWebSocket(rig, resumed, sampler);
                LiveRig.reapChildren(Duration.ofSeconds(20));
            }
            if (resumed > 0 && !which.equals("ws")) {
                ReconnectPhases.afterACrash(rig, resumed, sampler);
            }
        } finally {
            sessions.forEach(CodexSession::close);
            clients.forEach(CodexClient::close);
            sampler.stop();
            sampler.report();
            int killed = LiveRig.reapChildren(Duration.ofSeconds(20));
            System.out.printf("density: peak total RSS %.1f MiB, peak total PSS %.1f MiB over the run (%.0f s); "
                            + "%d processes left at the end (killed)%n",
                    mib(sampler.peakRss.get()), mib(sampler.peakPss.get()), (System.nanoTime() - t0) / 1e9, killed);
        }
    }

    /** Where the last checkpoint stood, for the cost of the sessions opened since. */
    private record Checkpoint(int sessions, ProcMemory.Sample sample) {
    }

    private static Checkpoint checkpoint(int n, int connections, ProcMemory.Sample zero, Checkpoint previous, long heap0,
                                         List<Double> startMs, List<CodexSession> sessions) {
        long heap = ProcMemory.heapAfterGc();
        ProcMemory.Sample now = ProcMemory.sample();
        int added = n - previous.sessions();
        // codex's CPU while all its threads sit idle, then per quick turn
        long idleCpu0 = ProcMemory.sample().childCpuMs();
        LiveRig.sleep(2000);
        long idleCpu1 = ProcMemory.sample().childCpuMs();
        List<Double> turnMs = new ArrayList<>();
        for (int k = 0; k < PROBE_TURNS && k < sessions.size(); k++) {
            CodexSession s = sessions.get(sessions.size() - 1 - k);
            long st = System.nanoTime();
            TurnResult r = s.runTurn(TurnInput.text("bench: quick"));
            turnMs.add((System.nanoTime() - st) / 1e6);
            if (r.status() != TurnOutcome.COMPLETED) {
                System.out.printf("density:   probe turn ended %s: %s%n", r.status(), r.error());
            }
        }
        long turnCpu = ProcMemory.sample().childCpuMs() - idleCpu1;
        System.out.printf("density: %5d sessions (%d per codex): total RSS %.1f MiB (JVM %.1f, codex %.1f), total PSS %.1f MiB; "
                        + "per session: %.2f MiB RSS (JVM %.3f, codex %.2f), %.2f MiB PSS, heap %.1f KiB; "
                        + "thread/start median %.1f ms p90 %.1f ms; quick turn median %.1f ms; codex CPU idle %.1f %%, per quick turn %.0f ms; codex OS threads %d, open files %d; %s%n",
                n, n / connections, mib(now.totalRss()), mib(now.jvmRss()), mib(now.childRss()), mib(now.totalPss()),
                mib(now.totalRss() - zero.totalRss()) / n, mib(now.jvmRss() - zero.jvmRss()) / n,
                mib(now.childRss() - zero.childRss()) / n, mib(now.totalPss() - zero.totalPss()) / n,
                (heap - heap0) / 1024.0 / n, median(startMs), percentile(startMs, 0.9), median(turnMs),
                (idleCpu1 - idleCpu0) / 20.0, turnCpu / (double) turnMs.size(), now.childThreads(), now.childFds(), ProcMemory.threads());
        if (previous.sessions() > 0 && added > 0) {
            System.out.printf("density:         the %d sessions since %d: %.2f MiB RSS each (codex %.2f), %.2f MiB PSS each%n",
                    added, previous.sessions(), mib(now.totalRss() - previous.sample().totalRss()) / added,
                    mib(now.childRss() - previous.sample().childRss()) / added,
                    mib(now.totalPss() - previous.sample().totalPss()) / added);
        }
        return new Checkpoint(n, now);
    }

    private static void runConcurrent(List<CodexSession> sessions, String sleep, Sampler sampler) {
        int n = sessions.size();
        sampler.resetThreadPeaks();
        List<CompletableFuture<TurnResult>> turns = new ArrayList<>(n);
        List<Double> latency = java.util.Collections.synchronizedList(new ArrayList<>());
        ProcMemory.Sample cpuBefore = ProcMemory.sample();
        long jvmCpuBefore = ProcMemory.jvmCpuMs();
        Map<Long, Long> libraryCpuBefore = ProcMemory.libraryCpu();
        long start = System.nanoTime();
        AtomicInteger done = new AtomicInteger();
        sampler.timeline(start, done);
        for (CodexSession s : sessions) {
            long st = System.nanoTime();
            turns.add(s.runTurnAsync(TurnInput.text("bench: sleep " + sleep), TurnOptions.DEFAULTS, TurnListener.NONE)
                    .whenComplete((r, e) -> {
                        latency.add((System.nanoTime() - st) / 1e6);
                        done.incrementAndGet();
                    }));
        }
        // mid-run: all submitted, most should be inside their sleep
        LiveRig.sleep((long) (Double.parseDouble(sleep) * 500));
        ProcMemory.Threads mid = ProcMemory.threads();
        ProcMemory.Sample midMem = ProcMemory.sample();
        Map<TurnOutcome, Integer> statuses = new EnumMap<>(TurnOutcome.class);
        int errors = 0;
        String firstError = null;
        for (CompletableFuture<TurnResult> f : turns) {
            try {
                TurnResult r = f.get(LiveRig.TURN_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
                statuses.merge(r.status(), 1, Integer::sum);
                if (r.status() != TurnOutcome.COMPLETED && firstError == null) {
                    firstError = r.status() + ": " + r.error();
                }
            } catch (Exception e) {
                errors++;
                if (firstError == null) {
                    firstError = e.toString();
                }
            }
        }
        double wall = (System.nanoTime() - start) / 1e6;
        long codexCpu = ProcMemory.sample().childCpuMs() - cpuBefore.childCpuMs();
        long jvmCpu = ProcMemory.jvmCpuMs() - jvmCpuBefore;
        double libraryCpu = ProcMemory.libraryCpuSinceMs(libraryCpuBefore);
        System.out.printf("density:   timeline (s: processes below the JVM / model requests / turns done): %s%n", sampler.stopTimeline());
        System.out.printf("density: %d concurrent turns (sleep %s s in codex): %s, %d exceptions; wall %.0f ms; "
                        + "turn latency median %.0f ms, p90 %.0f ms, max %.0f ms%n",
                n, sleep, statuses, errors, wall, median(latency), percentile(latency, 0.9), percentile(latency, 1.0));
        System.out.printf("density:   CPU per turn: codex %.0f ms (with its sleeps), this JVM %.0f ms (of which the library's "
                        + "threads %.1f ms; the rest is the model server, GC, JIT and the sampler)%n",
                codexCpu / (double) n, jvmCpu / (double) n, libraryCpu / n);
        if (firstError != null) {
            System.out.printf("density:   first failure: %s%n", firstError);
        }
        System.out.printf("density:   mid-run threads: %s; codex processes+children %d (%d OS threads), total RSS %.1f MiB%n",
                mid, midMem.children(), midMem.childThreads(), mib(midMem.totalRss()));
        System.out.printf("density:   peak threads while running: %d in the JVM, %d library (%d callback pool)%n",
                sampler.peakAll.get(), sampler.peakLibrary.get(), sampler.peakCallback.get());
    }

    /**
     * Closing a session on a shared connection leaves codex's thread loaded and subscribed; this
     * closes each and sends {@code thread/unsubscribe}, then looks at what codex gave back at once
     * (codex unloads a thread 30 minutes after its last subscriber leaves).
     */
    private static void release(List<CodexSession> sessions) {
        ProcMemory.Sample before = ProcMemory.sample();
        Map<ThreadUnsubscribeStatus, Integer> statuses = new EnumMap<>(ThreadUnsubscribeStatus.class);
        for (CodexSession s : sessions) {
            CodexClient c = s.client();
            String id = s.threadId();
            s.close();
            if (c != null && id != null) {
                statuses.merge(c.threadUnsubscribe(new ThreadUnsubscribeParams(id)).status(), 1, Integer::sum);
            }
        }
        LiveRig.sleep(2000);
        ProcMemory.Sample after = ProcMemory.sample();
        System.out.printf("density: %d sessions closed and unsubscribed %s: codex RSS %.1f -> %.1f MiB, open files %d -> %d%n",
                sessions.size(), statuses, mib(before.childRss()), mib(after.childRss()), before.childFds(), after.childFds());
    }

    /** The way before shared connections: each session starts a codex process of its own. */
    private static void processPerSession(LiveRig rig, int k) {
        if (k <= 0) {
            return;
        }
        ProcMemory.heapAfterGc();
        ProcMemory.Sample before = ProcMemory.sample();
        List<CodexSession> own = new ArrayList<>();
        List<Double> startMs = new ArrayList<>();
        try {
            for (int i = 0; i < k; i++) {
                CodexSession s = rig.ownProcess().build();
                own.add(s);
                long st = System.nanoTime();
                s.start();
                startMs.add((System.nanoTime() - st) / 1e6);
            }
            ProcMemory.heapAfterGc();
            ProcMemory.Sample after = ProcMemory.sample();
            System.out.printf("density: %d sessions with a codex process each: per session %.1f MiB RSS (JVM %.2f, codex %.1f), "
                            + "%.1f MiB PSS; codex OS threads %d (%.0f per process); start median %.0f ms%n",
                    k, mib(after.totalRss() - before.totalRss()) / k, mib(after.jvmRss() - before.jvmRss()) / k,
                    mib(after.childRss() - before.childRss()) / k, mib(after.totalPss() - before.totalPss()) / k,
                    after.childThreads(), after.childThreads() / (double) Math.max(1, after.children()), median(startMs));
            List<Double> turnMs = new ArrayList<>();
            for (CodexSession s : own) {
                long st = System.nanoTime();
                s.runTurn(TurnInput.text("bench: quick"));
                turnMs.add((System.nanoTime() - st) / 1e6);
            }
            ProcMemory.heapAfterGc();
            ProcMemory.Sample turned = ProcMemory.sample();
            System.out.printf("density: ... after one quick turn each: per session %.1f MiB RSS, %.1f MiB PSS; quick turn median %.1f ms%n",
                    mib(turned.totalRss() - before.totalRss()) / k, mib(turned.totalPss() - before.totalPss()) / k, median(turnMs));
        } finally {
            own.forEach(CodexSession::close);
        }
    }

    /**
     * Counts the library's threads every {@value #THREAD_EVERY_MS} ms and reads memory every 250 ms,
     * keeping the peaks: over the run, and the library's threads by phase, each with the number of
     * connections open at that moment (one reader each) and whether it stays within 16 + 2 per
     * connection.
     */
    static final class Sampler implements Runnable {
        private static final long THREAD_EVERY_MS = 5;
        final AtomicLong peakRss = new AtomicLong();
        final AtomicLong peakPss = new AtomicLong();
        final AtomicInteger peakAll = new AtomicInteger();
        final AtomicInteger peakLibrary = new AtomicInteger();
        final AtomicInteger peakCallback = new AtomicInteger();
        private volatile boolean stop;
        private Thread thread;
        private volatile long timelineStart;
        private volatile AtomicInteger timelineDone;
        private final StringBuilder timeline = new StringBuilder();
        private long nextMark;
        private long requestsAtStart;
        private final Map<String, PhasePeak> phases = new java.util.LinkedHashMap<>();
        private volatile PhasePeak phase;

        /** The most library threads one phase saw at one moment, what they were, and the connections then open. */
        private static final class PhasePeak {
            final String name;
            int library = -1;
            int connections;
            int worstExcess = Integer.MIN_VALUE;
            Map<String, Integer> kinds = Map.of();
            long samples;

            PhasePeak(String name) {
                this.name = name;
            }

            void see(ProcMemory.Threads t) {
                samples++;
                int open = t.byKind().getOrDefault("reader", 0);
                worstExcess = Math.max(worstExcess, t.library() - (16 + 2 * open));
                if (t.library() > library) {
                    library = t.library();
                    connections = open;
                    kinds = t.byKind();
                }
            }
        }

        /** From now on, peaks are kept under {@code name}. */
        synchronized void phase(String name) {
            PhasePeak p = new PhasePeak(name);
            phases.put(name, p);
            phase = p;
        }

        /** From now on, also note once a second how many processes run and how many turns ended. */
        synchronized void timeline(long start, AtomicInteger done) {
            timeline.setLength(0);
            nextMark = 0;
            timelineStart = start;
            timelineDone = done;
            requestsAtStart = LiveRig.MODEL_REQUESTS.get();
        }

        synchronized String stopTimeline() {
            timelineDone = null;
            return timeline.toString().trim();
        }

        private synchronized void mark(ProcMemory.Sample s) {
            AtomicInteger done = timelineDone;
            if (done == null) {
                return;
            }
            long ms = (System.nanoTime() - timelineStart) / 1_000_000;
            if (ms >= nextMark) {
                timeline.append(' ').append(ms / 1000).append("s:").append(s.children()).append('/')
                        .append(LiveRig.MODEL_REQUESTS.get() - requestsAtStart).append('/').append(done.get());
                nextMark = (ms / 1000 + 1) * 1000;
            }
        }

        void start() {
            thread = new Thread(this, "bench-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join(2000);
        }

        void resetThreadPeaks() {
            peakAll.set(0);
            peakLibrary.set(0);
            peakCallback.set(0);
        }

        /** The phases' peaks, one line each, and the run's. */
        synchronized void report() {
            int worst = Integer.MIN_VALUE;
            int most = 0;
            for (PhasePeak p : phases.values()) {
                if (p.library < 0) {
                    continue;
                }
                worst = Math.max(worst, p.worstExcess);
                most = Math.max(most, p.library);
                System.out.printf("density: library threads, %s: peak %d with %d connection(s) open %s (%d samples); %s%n",
                        p.name, p.library, p.connections, p.kinds, p.samples, within(p.worstExcess));
            }
            System.out.printf("density: library threads over the whole run: peak %d; %s%n", most, within(worst));
        }

        private static String within(int worstExcess) {
            return worstExcess <= 0 ? "within 16 + 2 per open connection at every sample (at least " + -worstExcess + " to spare)"
                    : "ABOVE 16 + 2 per open connection, by up to " + worstExcess;
        }

        @Override
        public void run() {
            long nextMemory = 0;
            while (!stop) {
                long now = System.nanoTime();
                if (now >= nextMemory) {
                    ProcMemory.Sample s = ProcMemory.sample();
                    peakRss.accumulateAndGet(s.totalRss(), Math::max);
                    peakPss.accumulateAndGet(s.totalPss(), Math::max);
                    mark(s);
                    nextMemory = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250);
                }
                ProcMemory.Threads t = ProcMemory.threads();
                peakAll.accumulateAndGet(t.all(), Math::max);
                peakLibrary.accumulateAndGet(t.library(), Math::max);
                peakCallback.accumulateAndGet(t.byKind().getOrDefault("callback", 0), Math::max);
                PhasePeak p = phase;
                if (p != null) {
                    synchronized (this) {
                        p.see(t);
                    }
                }
                LiveRig.sleep(THREAD_EVERY_MS);
            }
        }
    }
}
