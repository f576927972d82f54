package dev.codexbridge.bench;

import static dev.codexbridge.bench.ProcMemory.mib;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadSetNameParams;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@code bin/bench density}'s last phases: N sessions on one connection with
 * {@link ReconnectPolicy#DEFAULT}, the connection lost, every thread resumed on the new one, then
 * all N sessions closed. Once over a WebSocket whose connection a proxy cuts while the app-server
 * lives on (its threads stay loaded), once over stdio with codex killed (SIGKILL) and started again.
 * Each thread is named first: codex writes a thread's rollout at its first turn or name, and
 * refuses to resume one it never wrote.
 */
final class ReconnectPhases {
    private static final Duration WAIT = Duration.ofMinutes(5);
    /** Requests in flight at once while the sessions are opened and named. */
    private static final int IN_FLIGHT = 64;

    private ReconnectPhases() {
    }

    static void afterADroppedWebSocket(LiveRig rig, int n, DensityBench.Sampler sampler) throws Exception {
        Path token = rig.tmp.resolve("ws-token");
        Files.writeString(token, "density-capability-token-7c1e\n");
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), rig.home, rig.work,
                List.of("--ws-auth", "capability-token", "--ws-token-file", token.toString()));
             FaultProxy proxy = FaultProxy.tcp(server.uri().getHost(), server.uri().getPort())) {
            CodexEndpoint endpoint = CodexEndpoint.parse("ws://127.0.0.1:" + proxy.port()).tokenFile(token);
            run(rig, "a dropped WebSocket", n, sampler, tap -> CodexClient.builder().reconnect(ReconnectPolicy.DEFAULT).wireTap(tap)
                    .maxThreads(n).requestTimeout(Duration.ofSeconds(120)).connect(endpoint), client -> proxy.cut());
        }
    }

    static void afterACrash(LiveRig rig, int n, DensityBench.Sampler sampler) throws Exception {
        Set<Long> before = pids();
        // a home of its own: codex renames slow down with the names a home already holds
        Path home = IsolatedCodexHome.builder(rig.tmp.resolve("home-crash"), rig.model.baseUrl()).sandboxMode("danger-full-access").write();
        run(rig, "codex killed", n, sampler, tap -> CodexClient.builder().wireTap(tap)
                .process(CodexLaunch.appServer(rig.binary).codexHome(home).workingDirectory(rig.work).name("density-crash")
                        .detachFromTerminal(true).build())
                .reconnect(ReconnectPolicy.DEFAULT).maxThreads(n).requestTimeout(Duration.ofSeconds(120)).connect(), client -> {
            for (ProcessHandle p : ProcessHandle.current().children().toList()) {
                if (!before.contains(p.pid())) {
                    p.destroyForcibly();    // SIGKILL: the client's codex
                }
            }
        });
    }

    private interface Loss {
        void lose(CodexClient client) throws Exception;
    }

    /** Counts the {@code thread/resume} requests a client sends. */
    private static final class Resumes implements WireTap {
        private static final byte[] METHOD = "\"method\":\"thread/resume\"".getBytes(StandardCharsets.UTF_8);
        final AtomicInteger sent = new AtomicInteger();

        @Override
        public void outgoing(byte[] message) {
            for (int i = 0; i + METHOD.length <= message.length && i < 64; i++) {
                if (Arrays.equals(message, i, i + METHOD.length, METHOD, 0, METHOD.length)) {
                    sent.incrementAndGet();
                    return;
                }
            }
        }

        @Override
        public void incoming(byte[] buffer, int length) {
        }
    }

    private static void run(LiveRig rig, String how, int n, DensityBench.Sampler sampler, Function<WireTap, CodexClient> connect,
                            Loss loss) throws Exception {
        sampler.phase("opening " + n + " sessions on one connection (" + how + " next)");
        List<CodexSession> sessions = new ArrayList<>();
        Resumes resumes = new Resumes();
        try (CodexClient client = connect.apply(resumes)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sessions.add(rig.shared(client).build());
            }
            // at most IN_FLIGHT requests at once: a burst of 1,000 over stdio makes codex answer some
            // -32001 and leave others unanswered
            await(client, inFlight(n, i -> sessions.get(i).startAsync()), "thread/start");
            double openS = (System.nanoTime() - t0) / 1e9;
            // a thread codex never wrote (no turn, no name) cannot be resumed, even on the same app-server
            // ("no rollout found"): naming each one makes codex write it
            long t1 = System.nanoTime();
            await(client, inFlight(n, i -> client.async().threadNameSet(new ThreadSetNameParams("density " + i,
                    sessions.get(i).threadId()))), "thread/name/set");
            System.out.printf("density: %s: %d sessions open on one connection in %.1f s, named in %.1f s (%d requests at a time); %s%n",
                    how, n, openS, (System.nanoTime() - t1) / 1e9, IN_FLIGHT, ProcMemory.threads());

            sampler.phase("a reconnect resuming " + n + " threads (" + how + ")");
            long lostAt = System.nanoTime();
            loss.lose(client);
            long deadline = lostAt + WAIT.toNanos();
            while (client.generation() < 2 && System.nanoTime() < deadline) {
                LiveRig.sleep(5);
            }
            double reconnectedMs = (System.nanoTime() - lostAt) / 1e6;
            // watched, not helped: the reconnect resumes every thread, concurrentResumes at a time, by itself
            while ((resumes.sent.get() < n || client.stats().pendingRequests() > 0) && System.nanoTime() < deadline) {
                LiveRig.sleep(5);
            }
            double allMs = (System.nanoTime() - lostAt) / 1e6;
            Map<String, Integer> outcomes = new TreeMap<>();
            for (CodexSession s : sessions) {
                // a session whose resume failed let go of the connection
                outcomes.merge(s.client() != null ? "resumed" : "not resumed", 1, Integer::sum);
            }
            ProcMemory.Sample mem = ProcMemory.sample();
            System.out.printf("density: %s with %d threads: reconnected %.0f ms after the loss; %d thread/resume sent and every one "
                            + "answered %.0f ms after it %s; total RSS %.1f MiB; %s; %s%n", how, n, reconnectedMs, resumes.sent.get(), allMs,
                    outcomes, mib(mem.totalRss()), client.stats(), ProcMemory.threads());

            sampler.phase("closing " + n + " sessions on one connection (after " + how + ")");
            long closing = System.nanoTime();
            sessions.forEach(CodexSession::close);
            while (client.isOpen() && client.stats().pendingRequests() > 0 && System.nanoTime() - closing < WAIT.toNanos()) {
                LiveRig.sleep(5);
            }
            System.out.printf("density: %s: %d sessions closed, every thread/unsubscribe answered (or past its deadline), in %.0f ms; "
                    + "%s; %s%n", how, n, (System.nanoTime() - closing) / 1e6, client.stats(), ProcMemory.threads());
        } finally {
            sessions.forEach(CodexSession::close);
        }
    }

    /** {@code request(i)} for every i below n, at most {@link #IN_FLIGHT} unanswered at a time. */
    private static List<CompletableFuture<?>> inFlight(int n, java.util.function.IntFunction<CompletableFuture<?>> request)
            throws InterruptedException {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slots.acquire();
            all.add(request.apply(i).whenComplete((r, e) -> slots.release()));
        }
        return all;
    }

    /** Waits for every future; past a minute, says each 10 s how far it got, and fails after {@link #WAIT} saying where things stand. */
    private static void await(CodexClient client, List<? extends CompletableFuture<?>> futures, String what) throws Exception {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        long start = System.nanoTime();
        while (true) {
            try {
                all.get(10, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.TimeoutException slow) {
                long done = futures.stream().filter(CompletableFuture::isDone).count();
                double s = (System.nanoTime() - start) / 1e9;
                if (s > 60) {
                    System.out.printf("density:   %s: %d of %d answered after %.0f s; %s%n", what, done, futures.size(), s, client.stats());
                }
                if (s > WAIT.toSeconds()) {
                    Thread.getAllStackTraces().forEach((t, stack) -> {
                        if (t.getName().startsWith("codex-bridge-") || t.getName().equals("main")) {
                            System.out.println("density:   " + t.getName() + " " + t.getState() + " at "
                                    + java.util.Arrays.stream(stack).limit(8).map(String::valueOf).toList());
                        }
                    });
                    throw slow;
                }
            }
        }
    }

    private static Set<Long> pids() {
        Set<Long> pids = new HashSet<>();
        ProcessHandle.current().children().forEach(p -> pids.add(p.pid()));
        return pids;
    }
}
