package dev.codexbridge.bench;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.transport.CodexEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Failure paths at scale, with the library's threads counted throughout: {@code SESSIONS} sessions
 * on one shared WebSocket connection (through a proxy that can cut it) to a running app-server,
 * with reconnect. Each runs a quick turn (so codex writes its thread), then all start a turn that
 * runs a {@code sleep} in codex and the connection is cut a second later: how the turns end, how
 * long until every thread is open again, and the next turn of each. Then every session is closed
 * at once. A sampler reads the library's threads ({@code codex-bridge-*}) every millisecond; each
 * phase prints its peak, and the end what is left. Run with {@code bin/bench faults [SESSIONS]}.
 * The codex-kill case at scale is {@code bin/bench crash}.
 */
public final class FaultsBench {
    private static final int AT_ONCE = 50;

    private FaultsBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        ThreadPeak peak = new ThreadPeak();
        peak.start();
        try (LiveRig rig = new LiveRig();
             ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), rig.home, rig.work, List.of());
             FaultProxy proxy = FaultProxy.tcp(server.uri().getHost(), server.uri().getPort())) {
            System.out.printf("faults: before any connection: %d library threads%n", ProcMemory.threads().library());
            CodexEndpoint ep = CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port());
            List<CodexSession> sessions = new ArrayList<>();
            try (CodexClient shared = CodexClient.builder().endpoint(ep).requestTimeout(Duration.ofSeconds(120)).maxThreads(n + 10)
                    .reconnect(new ReconnectPolicy(8, Duration.ofMillis(50), Duration.ofSeconds(1), ReconnectPolicy.DEFAULT.concurrentResumes()))
                    .connect()) {
                for (int i = 0; i < n; i++) {
                    sessions.add(CodexSession.builder().client(shared).cwd(rig.work)
                            .limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO)).build());
                }
                peak.reset();
                long t0 = System.nanoTime();
                waves(sessions, "bench: quick");
                System.out.printf("faults: %d sessions, a quick turn each, in %.0f ms; peak %d library threads%n",
                        n, (System.nanoTime() - t0) / 1e6, peak.reset());

                List<CompletableFuture<TurnResult>> running = new ArrayList<>();
                for (CodexSession s : sessions) {
                    running.add(s.runTurnAsync(TurnInput.text("bench: sleep 5"), TurnOptions.DEFAULTS, TurnListener.NONE));
                }
                Thread.sleep(1000);
                peak.reset();
                long cut = System.nanoTime();
                // the reconnect is timed while the turns re-attach, not after they end
                CompletableFuture<Long> reconnected = CompletableFuture.supplyAsync(() -> {
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                    while (shared.generation() < 2 && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    return System.nanoTime();
                });
                proxy.cut();
                System.out.printf("faults: drop: %s, all ended %.0f ms after the cut (a turn of 5 s, cut 1 s in); peak %d library threads%n",
                        outcomes(running), (System.nanoTime() - cut) / 1e6, peak.reset());
                System.out.printf("faults: reconnected %.0f ms after the cut (connection %d)%n",
                        (reconnected.get(2, TimeUnit.MINUTES) - cut) / 1e6, shared.generation());
                long next = System.nanoTime();
                Map<TurnOutcome, Integer> after = waves(sessions, "bench: quick");
                System.out.printf("faults: next turns after the drop: %s in %.0f ms; peak %d library threads (resumes included)%n",
                        after, (System.nanoTime() - next) / 1e6, peak.reset());

                long close = System.nanoTime();
                sessions.forEach(CodexSession::close);
                System.out.printf("faults: %d sessions closed in %.0f ms; peak %d library threads%n",
                        n, (System.nanoTime() - close) / 1e6, peak.reset());
                Thread.sleep(2000);
                System.out.printf("faults: 2 s after the closes: %d library threads %s; peak meanwhile %d%n",
                        ProcMemory.threads().library(), ProcMemory.threads().byKind(), peak.reset());
            }
            Thread.sleep(2000);
            System.out.printf("faults: 2 s after the client closed: %d library threads %s%n",
                    ProcMemory.threads().library(), ProcMemory.threads().byKind());
        } finally {
            peak.stopSampling();
            System.out.printf("faults: %d processes left at the end (killed)%n", LiveRig.reapChildren(Duration.ofSeconds(10)));
        }
    }

    /** One turn per session, {@link #AT_ONCE} at a time, with the outcomes and any failures counted. */
    private static Map<TurnOutcome, Integer> waves(List<CodexSession> sessions, String prompt) throws Exception {
        List<CompletableFuture<TurnResult>> all = new ArrayList<>();
        for (int from = 0; from < sessions.size(); from += AT_ONCE) {
            List<CompletableFuture<TurnResult>> wave = new ArrayList<>();
            for (CodexSession s : sessions.subList(from, Math.min(sessions.size(), from + AT_ONCE))) {
                wave.add(s.runTurnAsync(TurnInput.text(prompt), TurnOptions.DEFAULTS, TurnListener.NONE));
            }
            for (CompletableFuture<TurnResult> t : wave) {
                t.get(10, TimeUnit.MINUTES);
            }
            all.addAll(wave);
        }
        return outcomes(all);
    }

    /** How the turns ended, counted, with each distinct failure printed once with its count. */
    private static Map<TurnOutcome, Integer> outcomes(List<CompletableFuture<TurnResult>> turns) throws Exception {
        Map<TurnOutcome, Integer> outcomes = new EnumMap<>(TurnOutcome.class);
        Map<String, Integer> failures = new TreeMap<>();
        for (CompletableFuture<TurnResult> t : turns) {
            TurnResult r = t.get(5, TimeUnit.MINUTES);
            outcomes.merge(r.status(), 1, Integer::sum);
            if (r.error() != null) {
                String m = r.error().category().wire() + ": " + r.error().message();
                failures.merge(m.length() > 200 ? m.substring(0, 200) : m, 1, Integer::sum);
            }
        }
        failures.forEach((m, count) -> System.out.printf("faults:   %d x %s%n", count, m));
        return outcomes;
    }

    /** The most library threads seen since the last {@link #reset}, sampled every millisecond. */
    private static final class ThreadPeak extends Thread {
        private final AtomicInteger peak = new AtomicInteger();
        private volatile boolean running = true;

        ThreadPeak() {
            super("bench-thread-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                peak.accumulateAndGet(ProcMemory.threads().library(), Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        int reset() {
            return peak.getAndSet(ProcMemory.threads().library());
        }

        void stopSampling() {
            running = false;
        }
    }
}
