package dev.codexbridge.bench;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.ReopenWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recovery from a codex crash: {@code SESSIONS} sessions on one shared connection with reconnect,
 * each starting a turn (a {@code sleep} in codex, so it is still running), codex killed with
 * SIGKILL {@code KILL_AFTER_MS} later. Measures when the lost turns ended, how long the client took
 * to reopen every thread on the new codex (resumed, or replaced when codex never wrote it), the
 * library's threads meanwhile, and when every session's next turn had completed; then the same
 * with no library ({@link RawReopen}), for what codex itself takes. Run with
 * {@code bin/bench crash [SESSIONS] [KILL_AFTER_MS] [CONCURRENT_RESUMES]}.
 */
public final class CrashBench {
    /** How many sessions start their thread at once. */
    private static final int START_AT_ONCE = 50;
    /** How many of the next turns run at once. */
    private static final int NEXT_AT_ONCE = 100;

    private CrashBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long killAfterMs = args.length > 1 ? Long.parseLong(args[1]) : 1000;
        int concurrentResumes = args.length > 2 ? Integer.parseInt(args[2]) : ReconnectPolicy.DEFAULT.concurrentResumes();
        try (LiveRig rig = new LiveRig()) {
            try {
                withTheLibrary(rig, n, killAfterMs, concurrentResumes);
            } finally {
                System.out.printf("crash: %d processes left after the library's run (killed)%n", LiveRig.reapChildren(Duration.ofSeconds(10)));
            }
            System.out.printf("crash: %s%n", RawReopen.run(rig.binary, rig.home, rig.work, n, killAfterMs, concurrentResumes));
            System.out.printf("crash: %d processes left at the end (killed)%n", LiveRig.reapChildren(Duration.ofSeconds(10)));
        }
    }

    private static void withTheLibrary(LiveRig rig, int n, long killAfterMs, int concurrentResumes) throws Exception {
        ReopenWatch watch = new ReopenWatch();
        List<CodexSession> sessions = new ArrayList<>();
        try (CodexClient shared = CodexClient.builder()
                .process(CodexLaunch.appServer(rig.binary).codexHome(rig.home).workingDirectory(rig.work).name("crash-bench")
                        .detachFromTerminal(true).build())
                .requestTimeout(Duration.ofSeconds(120)).maxThreads(n + 100).wireTap(watch)
                .reconnect(new ReconnectPolicy(8, Duration.ofMillis(50), Duration.ofSeconds(1), concurrentResumes))
                .connect()) {
            long codexPid = ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains("app-server"))
                    .findFirst().orElseThrow().pid();
            AtomicInteger replaced = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                sessions.add(CodexSession.builder().client(shared).cwd(rig.work)
                        .limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO)).onThreadReplaced(r -> replaced.incrementAndGet()).build());
            }
            long t0 = System.nanoTime();
            // in waves: codex 0.169 answers a burst of a thousand thread/starts partly with "overloaded" and leaves some unanswered
            for (int from = 0; from < n; from += START_AT_ONCE) {
                CompletableFuture.allOf(sessions.subList(from, Math.min(n, from + START_AT_ONCE)).stream().map(CodexSession::startAsync)
                        .toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            }
            System.out.printf("crash: %d threads started in %.0f ms%n", n, (System.nanoTime() - t0) / 1e6);

            List<CompletableFuture<TurnResult>> lost = new ArrayList<>();
            for (CodexSession s : sessions) {
                lost.add(s.runTurnAsync(TurnInput.text("bench: sleep 60"), TurnOptions.DEFAULTS, TurnListener.NONE));
            }
            Thread.sleep(killAfterMs);
            ProcessHandle.of(codexPid).orElseThrow().destroyForcibly();
            long killed = System.nanoTime();
            watch.killedAt(killed);
            Map<TurnOutcome, Integer> lostOutcomes = new EnumMap<>(TurnOutcome.class);
            for (CompletableFuture<TurnResult> t : lost) {
                lostOutcomes.merge(t.get(5, TimeUnit.MINUTES).status(), 1, Integer::sum);
            }
            System.out.printf("crash: %d turns ended %.0f ms after the kill: %s%n", n, (System.nanoTime() - killed) / 1e6, lostOutcomes);

            int peakLibrary = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (watch.reopened() < n && System.nanoTime() < deadline) {
                peakLibrary = Math.max(peakLibrary, ProcMemory.threads().library());
                Thread.sleep(10);
            }
            System.out.printf("crash: %d of %d threads reopened %.0f ms after the kill, %.0f ms after the new codex answered initialize "
                            + "(%d resumed, %d never written by codex and replaced, %d resume requests; %d resumes at a time); "
                            + "peak library threads meanwhile %d%n",
                    watch.reopened(), n, watch.lastReopenedMs(), watch.lastReopenedMs() - watch.reconnectedMs(),
                    watch.reopened() - watch.notStoredAnswers(), watch.notStoredAnswers(), watch.resumesSent(), concurrentResumes,
                    peakLibrary);

            // the next turns in waves, as many at once as the density benchmark runs: this measures the
            // sessions, not how many model requests one codex takes at the same moment
            long next = System.nanoTime();
            List<TurnResult> again = new ArrayList<>();
            for (int from = 0; from < n; from += NEXT_AT_ONCE) {
                List<CompletableFuture<TurnResult>> wave = new ArrayList<>();
                for (CodexSession s : sessions.subList(from, Math.min(n, from + NEXT_AT_ONCE))) {
                    wave.add(s.runTurnAsync(TurnInput.text("bench: quick"), TurnOptions.DEFAULTS, TurnListener.NONE));
                }
                for (CompletableFuture<TurnResult> t : wave) {
                    again.add(t.get(10, TimeUnit.MINUTES));
                }
            }
            Map<TurnOutcome, Integer> nextOutcomes = new EnumMap<>(TurnOutcome.class);
            Map<String, Integer> failures = new TreeMap<>();
            int reported = 0;
            for (TurnResult r : again) {
                nextOutcomes.merge(r.status(), 1, Integer::sum);
                reported += r.threadReplaced() == null ? 0 : 1;
                if (r.error() != null) {
                    String m = r.error().category().wire() + ": " + r.error().message();
                    failures.merge(m.length() > 160 ? m.substring(0, 160) : m, 1, Integer::sum);
                }
            }
            failures.forEach((m, count) -> System.out.printf("crash:   %d x %s%n", count, m));
            System.out.printf("crash: next turns, %d at a time: %s in %.0f ms (%d reported a fresh thread; %d replacement callbacks)%n",
                    NEXT_AT_ONCE,
                    nextOutcomes, (System.nanoTime() - next) / 1e6, reported, replaced.get());
        } finally {
            sessions.forEach(CodexSession::close);
        }
    }
}
