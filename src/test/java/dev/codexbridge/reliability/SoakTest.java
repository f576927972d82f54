package dev.codexbridge.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.FakeCodex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.TurnLimits;

/**
 * 1,000 turns on one session against an in-memory codex with seeded random faults (approvals,
 * failures, foreign noise, deaths and restarts, timeouts): every turn ends as its fault says, and
 * threads, file descriptors and heap come back to where they started.
 */
class SoakTest {
    private static final long SEED = Long.getLong("codexbridge.soakSeed", 1121L);
    private static final int TURNS = Integer.getInteger("codexbridge.soakTurns", 1000);

    private enum Fault { NONE, APPROVAL, FAILED, NOISE, DEATH, TIMEOUT }

    private static final java.util.regex.Pattern JVM_WIDE_POOLS =
            java.util.regex.Pattern.compile("codex-bridge-(callback|dispatch|host|wait|timer)-\\d+");
    /**
     * The JDK's own shared threads, started on first use by whichever class in the JVM uses them and
     * kept for the JVM (or a minute idle): the common pool's workers and, since JDK 25, its delay
     * scheduler; the process reaper; the attach listener. With test classes spread over forks, this
     * class may be the first in its JVM to start them, so they are not a session's leftovers.
     */
    private static final java.util.regex.Pattern JDK_SHARED =
            java.util.regex.Pattern.compile("ForkJoinPool\\.commonPool-.*|process reaper|Attach Listener");

    private static long threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                // the JVM-wide pools (RpcThreads: bounded, idle out 30 s after their last task, longer than the wait
                // below) are not per-session threads; a reader, stderr drain or anything else a session left is counted
                .filter(t -> !JVM_WIDE_POOLS.matcher(t.getName()).matches() && !JDK_SHARED.matcher(t.getName()).matches()).count();
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void thousandTurnsWithRandomFaultsLeaveNothingBehind() {
        FakeCodex codex = new FakeCodex();
        codex.scriptDelayMs = 0;
        warmUp();
        long threadsBefore = threads();
        long heapBefore = usedHeap();
        LeakCheck before = LeakCheck.now();
        Random rnd = new Random(SEED);
        Map<Fault, Integer> seen = new EnumMap<>(Fault.class);
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(Path.of("/work"))
                .approvals(ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build())
                .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO)).interruptGrace(Duration.ofSeconds(2)).build()) {
            for (int turn = 0; turn < TURNS; turn++) {
                Fault fault = pick(rnd);
                seen.merge(fault, 1, Integer::sum);
                codex.onTurnStart = (f, id) -> {
                    switch (fault) {
                        case APPROVAL -> {
                            f.request("item/commandExecution/requestApproval", "{\"threadId\":\"thread-1\",\"turnId\":\"" + id
                                    + "\",\"itemId\":\"c\",\"startedAtMs\":1,\"command\":\"ls\",\"cwd\":\"/\"}").join();
                            f.agentMessage(id, "approved");
                            f.completeTurn(id, "completed", null);
                        }
                        case FAILED -> f.completeTurn(id, "failed", "{\"message\":\"boom\",\"codexErrorInfo\":\"other\"}");
                        case NOISE -> {
                            for (int i = 0; i < 20; i++) {
                                f.notify("item/completed", "{\"threadId\":\"elsewhere\",\"turnId\":\"x\",\"item\":{\"type\":\"agentMessage\",\"id\":\"n\",\"text\":\"noise\"}}");
                            }
                            f.agentMessage(id, "clean");
                            f.completeTurn(id, "completed", null);
                        }
                        case DEATH -> f.die();
                        case TIMEOUT -> { }
                        default -> {
                            f.item("item/completed", id, "{\"type\":\"commandExecution\",\"id\":\"c" + id + "\",\"command\":\"ls\",\"cwd\":\"/\","
                                    + "\"status\":\"completed\",\"exitCode\":0,\"aggregatedOutput\":\"" + "x".repeat(2000) + "\",\"commandActions\":[]}");
                            f.agentMessage(id, "done");
                            f.completeTurn(id, "completed", null);
                        }
                    }
                };
                TurnResult r = fault == Fault.TIMEOUT
                        ? s.runTurn(TurnInput.text("turn " + turn), dev.codexbridge.session.TurnOptions.DEFAULTS
                                .withTimeouts(Duration.ofMillis(50), Duration.ZERO), dev.codexbridge.session.TurnListener.NONE)
                        : s.runTurn(TurnInput.text("turn " + turn));
                TurnOutcome expected = switch (fault) {
                    case FAILED, DEATH -> TurnOutcome.FAILED;
                    case TIMEOUT -> TurnOutcome.TIMED_OUT;
                    default -> TurnOutcome.COMPLETED;
                };
                assertThat(r.status()).as("turn %d with %s: %s", turn, fault, r.error()).isEqualTo(expected);
                assertThat(r.retired()).isEqualTo(fault == Fault.DEATH);
            }
        }
        codex.shutdown();
        assertThat(seen.keySet()).containsExactlyInAnyOrder(Fault.values());
        assertThat(codex.opens.get()).isEqualTo(1 + seen.get(Fault.DEATH));
        before.awaitBaseline();
        try {
            org.awaitility.Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(60)).until(() -> threads() <= threadsBefore);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("threads left: " + Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                    .map(Thread::getName).sorted().toList() + " (before: " + threadsBefore + ")", e);
        }
        long heapAfter = usedHeap();
        assertThat(heapAfter - heapBefore).as("heap growth after %d turns", TURNS).isLessThan(32L * 1024 * 1024);
    }

    /**
     * 50 sessions on one reconnecting connection, 40 rounds of concurrent turns with seeded faults
     * per session; in about one round in five the connection dies mid-round. Every turn ends as its
     * fault says, every lost turn is reported (never re-sent), every thread is resumed after each
     * death, and nothing is left behind.
     */
    @Test
    void fiftySessionsOnOneReconnectingConnectionSurviveRepeatedDeaths() throws Exception {
        FakeCodex codex = new FakeCodex();
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;
        warmUp();
        long threadsBefore = threads();
        LeakCheck before = LeakCheck.now();
        Random rnd = new Random(SEED);
        int sessions = 50;
        int rounds = Math.max(10, TURNS / 25);
        int deaths = 0;
        long turnStarts = 0;
        java.util.concurrent.ConcurrentHashMap<String, Fault> faultOf = new java.util.concurrent.ConcurrentHashMap<>();
        codex.onThreadTurnStart = (thread, id) -> {
            switch (faultOf.getOrDefault(thread, Fault.NONE)) {
                case APPROVAL -> {
                    codex.request("item/commandExecution/requestApproval", "{\"threadId\":\"" + thread + "\",\"turnId\":\"" + id
                            + "\",\"itemId\":\"c\",\"startedAtMs\":1,\"command\":\"ls\",\"cwd\":\"/\"}").join();
                    codex.completeThreadTurn(thread, id, "completed");
                }
                case FAILED -> codex.completeThreadTurn(thread, id, "failed");
                case DEATH, TIMEOUT -> { }     // left running: the connection dies under it
                default -> {
                    codex.notifyThread("item/completed", thread, id, "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"ok\"}}");
                    codex.completeThreadTurn(thread, id, "completed");
                }
            }
        };
        java.util.List<CodexSession> all = new java.util.ArrayList<>();
        try (dev.codexbridge.client.CodexClient shared = dev.codexbridge.client.CodexClient.builder().transport(codex.factory())
                .reconnect(new dev.codexbridge.client.ReconnectPolicy(5, Duration.ofMillis(5), Duration.ofMillis(50), 8)).connect()) {
            for (int i = 0; i < sessions; i++) {
                CodexSession s = CodexSession.builder().client(shared).cwd(Path.of("/work"))
                        .approvals(ApprovalPolicy.builder().handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build())
                        .limits(TurnLimits.of(Duration.ofSeconds(30), Duration.ZERO)).build();
                all.add(s);
                s.start();
            }
            for (int round = 0; round < rounds; round++) {
                boolean death = rnd.nextInt(5) == 0;
                java.util.List<Fault> faults = new java.util.ArrayList<>();
                for (CodexSession s : all) {
                    Fault f = death ? Fault.DEATH : switch (rnd.nextInt(4)) {
                        case 0 -> Fault.APPROVAL;
                        case 1 -> Fault.FAILED;
                        default -> Fault.NONE;
                    };
                    faults.add(f);
                    faultOf.put(s.threadId(), f);
                }
                java.util.List<CompletableFuture<TurnResult>> turns = new java.util.ArrayList<>();
                for (CodexSession s : all) {
                    turns.add(s.runTurnAsync(TurnInput.text("round " + round), dev.codexbridge.session.TurnOptions.DEFAULTS,
                            dev.codexbridge.session.TurnListener.NONE));
                }
                turnStarts += sessions;
                if (death) {
                    long expected = turnStarts;
                    await().atMost(Duration.ofSeconds(90)).until(() -> count(codex, "turn/start") == expected);
                    codex.die();
                    deaths++;
                }
                for (int i = 0; i < sessions; i++) {
                    TurnResult r = turns.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS);
                    TurnOutcome expected = faults.get(i) == Fault.NONE || faults.get(i) == Fault.APPROVAL ? TurnOutcome.COMPLETED : TurnOutcome.FAILED;
                    assertThat(r.status()).as("round %d session %d with %s: %s", round, i, faults.get(i), r.error()).isEqualTo(expected);
                }
                if (death) {
                    long resumed = (long) deaths * sessions;
                    await().atMost(Duration.ofSeconds(90)).until(() -> count(codex, "thread/resume") == resumed);
                }
            }
            assertThat(deaths).as("the seed kills the connection at least once").isPositive();
            assertThat(codex.opens.get()).isEqualTo(1 + deaths);
            assertThat(count(codex, "turn/start")).as("no lost turn was sent again").isEqualTo(turnStarts);
            assertThat(count(codex, "thread/start")).isEqualTo(sessions);
        } finally {
            all.forEach(CodexSession::close);
        }
        codex.shutdown();
        before.awaitBaseline();
        await().pollInSameThread().atMost(Duration.ofSeconds(60)).until(() -> threads() <= threadsBefore);
    }

    private static long count(FakeCodex codex, String method) {
        return codex.received().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }

    /**
     * One turn before the baseline, so the JVM-wide singletons (the shared timer, the JDK's
     * delay scheduler) exist already and are not counted as growth.
     */
    private static void warmUp() {
        FakeCodex warm = new FakeCodex();
        warm.onTurnStart = (f, id) -> f.completeTurn(id, "completed", null);
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(warm.factory()).options()).cwd(Path.of("/work"))
                .approvals(ApprovalPolicy.builder().deadline(Duration.ofSeconds(1))
                        .handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build()).build()) {
            s.runTurn(TurnInput.text("warm up"));
        }
        CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> { });
        warm.shutdown();
    }

    private static Fault pick(Random rnd) {
        int n = rnd.nextInt(100);
        if (n < 55) {
            return Fault.NONE;
        }
        if (n < 70) {
            return Fault.APPROVAL;
        }
        if (n < 80) {
            return Fault.FAILED;
        }
        if (n < 90) {
            return Fault.NOISE;
        }
        if (n < 95) {
            return Fault.DEATH;
        }
        return Fault.TIMEOUT;
    }
}
