package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.ReopenWatch;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Codex killed (SIGKILL) once 400 sessions on one connection each have a turn codex started,
 * beside sessions codex had not written down yet (a thread without a turn, a turn started as codex
 * died). Every session works again: a thread codex kept is resumed, one it never wrote is replaced
 * by a fresh thread and reported as such; no message says codex could not be started, and no
 * failure is taken for another (every lost turn is {@code processDied}).
 */
class CodexCrashLiveTest {
    private static final int SESSIONS = 400;
    /** Sessions whose thread is open but has had no turn yet: codex never writes such a thread down. */
    private static final int IDLE = 10;
    /** Sessions whose turn starts as codex is killed: codex cannot have written them down yet. */
    private static final int LATE = 10;
    /** Sessions started, and next turns run, at most this many at a time. */
    private static final int AT_ONCE = 100;

    @TempDir
    Path tmp;
    private ScriptedModelServer model;

    @BeforeEach
    void setUp() {
        LiveCodex.binary();
        model = ScriptedModelServer.start().recording(false);
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
    }

    @Test
    void codexKilledUnderFourHundredWaitingTurnsLeavesEverySessionUsable() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        CodexLaunch launch = CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work)
                .name("codex-crash").detachFromTerminal(true).build();
        // every turn stops at an approval the host never gives, so each is still running when codex dies
        ApprovalPolicy neverAnswers = ApprovalPolicy.builder().handler(r -> new CompletableFuture<>()).build();
        model.respondWhenEmpty(r -> ModelReply.builder().execCommandEscalated("call-1", "echo never", "Needs approval").build());
        ReopenWatch wire = new ReopenWatch();
        Map<CodexSession, ThreadReplacement> told = new ConcurrentHashMap<>();
        List<CodexSession> sessions = new ArrayList<>();
        try (CodexClient shared = CodexClient.builder().process(launch).wireTap(wire)
                .reconnect(new ReconnectPolicy(5, Duration.ofMillis(50), Duration.ofSeconds(1), 16)).connect()) {
            long codexPid = codexChild();
            for (int i = 0; i < SESSIONS + IDLE + LATE; i++) {
                CodexSession[] self = new CodexSession[1];
                self[0] = CodexSession.builder().client(shared).cwd(work).approvals(neverAnswers)
                        .limits(TurnLimits.of(Duration.ofMinutes(2), Duration.ZERO))
                        .onThreadReplaced(r -> told.put(self[0], r)).build();
                sessions.add(self[0]);
            }
            // at most AT_ONCE at a time: codex answers a burst of hundreds of thread/starts partly with "overloaded" and drops a few
            atMostAtOnce(sessions, CodexSession::startAsync);
            Map<CodexSession, String> before = new HashMap<>();
            sessions.forEach(s -> before.put(s, s.threadId()));
            List<CodexSession> running = sessions.subList(0, SESSIONS);
            List<CodexSession> idle = sessions.subList(SESSIONS, SESSIONS + IDLE);
            List<CodexSession> late = sessions.subList(SESSIONS + IDLE, sessions.size());

            Map<CodexSession, CompletableFuture<TurnResult>> lost = new HashMap<>();
            List<Long> ended = new CopyOnWriteArrayList<>();
            Set<CodexSession> startedInCodex = ConcurrentHashMap.newKeySet();
            for (CodexSession s : running) {
                TurnListener started = new TurnListener() {
                    @Override
                    public void onTurnStarted(String key, String turnId) {
                        startedInCodex.add(s);
                    }
                };
                lost.put(s, s.runTurnAsync(TurnInput.text("turn on " + before.get(s)), TurnOptions.DEFAULTS, started));
                lost.get(s).whenComplete((r, e) -> ended.add(System.nanoTime()));
            }
            // most running turns started by codex before it is stopped. On a loaded machine codex answers some turn/starts
            // only after many seconds (in CI runs 33 of 400 were still unanswered after 90 s, and one passed the client's
            // 30 s request timeout), so this waits at most 5 s: a turn codex has not answered by then is lost with it too
            long startedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (startedInCodex.size() < running.size() && System.nanoTime() < startedBy) {
                Thread.sleep(20);
            }
            Thread.sleep(500);          // and working on them
            // a few turns start as codex dies: codex is stopped first (SIGSTOP), so their turn/start waits unread in its
            // input and it never writes their threads down (without the stop, a fast codex sometimes stored them all)
            signal("STOP", codexPid);
            Set<CodexSession> answered = Set.copyOf(startedInCodex);
            for (CodexSession s : late) {
                lost.put(s, s.runTurnAsync(TurnInput.text("turn on " + before.get(s)), TurnOptions.DEFAULTS, TurnListener.NONE));
            }
            Thread.sleep(500);          // their turn/start written to codex's input
            ProcessHandle.of(codexPid).orElseThrow().destroyForcibly();     // SIGKILL
            long killed = System.nanoTime();
            wire.killedAt(killed);

            List<String> messages = new ArrayList<>();
            int notReceived = 0;
            Set<CodexSession> refused = new HashSet<>();
            for (Map.Entry<CodexSession, CompletableFuture<TurnResult>> e : lost.entrySet()) {
                TurnResult r = e.getValue().get(60, TimeUnit.SECONDS);
                if (r.status() == TurnOutcome.NOT_RECEIVED) {
                    // a turn/start codex had not taken in when it died (still queued here, in the pipe, or in codex's own
                    // queue): its record holds no such turn, so nothing ran; a turn whose start codex answered cannot be that
                    assertThat(answered).as("a turn codex answered the start of is not reported as never received").doesNotContain(e.getKey());
                    notReceived++;
                    continue;
                }
                assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
                if (r.error().category() == ErrorCategory.CAPACITY) {
                    // on a loaded machine codex answered "overloaded" to every try of this turn/start before it was
                    // stopped: the turn was refused, so nothing ran (seen once in a fresh clone's suite)
                    assertThat(answered).as("a turn codex started is not reported as refused").doesNotContain(e.getKey());
                    assertThat(r.error().message()).contains("nothing ran");
                    refused.add(e.getKey());
                    continue;
                }
                assertThat(r.error().category()).as("%s", r.error()).isEqualTo(ErrorCategory.PROCESS_DIED);
                messages.add(r.error().message());
            }
            assertThat(answered).as("turns codex started before it was stopped").isNotEmpty();
            System.out.printf("codex crash: %d running turns ended, the last %.0f ms after codex was killed; codex had started %d, "
                            + "%d of all %d were never received, %d refused as overloaded%n", SESSIONS,
                    (ended.stream().mapToLong(Long::longValue).max().orElseThrow() - killed) / 1e6, answered.size(), notReceived,
                    SESSIONS + LATE, refused.size());

            // the client reconnects and reopens every thread on its own: resumed, or replaced by a fresh one
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (wire.reopened() < sessions.size() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(wire.reopened()).as("threads reopened after the crash").isEqualTo(sessions.size());
            assertThat(shared.generation()).isEqualTo(2);
            assertThat(codexChild()).isNotEqualTo(codexPid);
            long notStored = wire.notStoredAnswers();
            System.out.printf("codex crash: %d threads reopened %.0f ms after the kill, %.0f ms after the new codex answered initialize "
                            + "(%d resumed, %d never written by codex and replaced; %d resume requests)%n",
                    sessions.size(), wire.lastReopenedMs(), wire.lastReopenedMs() - wire.reconnectedMs(),
                    sessions.size() - notStored, notStored, wire.resumesSent());

            model.respondWhenEmpty(r -> ModelReply.message("back"));
            Map<CodexSession, TurnResult> next = atMostAtOnce(sessions,
                    s -> s.runTurnAsync(TurnInput.text("still there?"), TurnOptions.DEFAULTS, TurnListener.NONE));
            int replaced = 0;
            int replacedWithInput = 0;
            for (CodexSession s : sessions) {
                TurnResult r = next.get(s);
                assertThat(r.status()).as("next turn: %s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(r.finalText()).isEqualTo("back");
                ThreadReplacement swap = r.threadReplaced();
                if (swap == null) {
                    assertThat(r.threadId()).as("a thread codex kept goes on").isEqualTo(before.get(s));
                    assertThat(told).doesNotContainKey(s);
                    assertThat(idle).as("codex never writes a thread without a turn").doesNotContain(s);
                    continue;
                }
                replaced++;
                assertThat(swap.previousThreadId()).isEqualTo(before.get(s));
                assertThat(swap.threadId()).isEqualTo(r.threadId()).isEqualTo(s.threadId()).isNotEqualTo(before.get(s));
                assertThat(swap.reason()).contains("codex has no record of thread " + before.get(s));
                assertThat(told.get(s)).isEqualTo(swap);
                messages.add(swap.reason());
                if (idle.contains(s) || refused.contains(s)) {
                    assertThat(swap.unstoredInput()).as("no turn ran on an idle thread, nor on one whose turn codex refused").isNull();
                } else {
                    replacedWithInput++;
                    assertThat(swap.unstoredInput().toUserInputs()).isEqualTo(TurnInput.text("turn on " + before.get(s)).toUserInputs());
                }
            }
            assertThat(replaced).as("replaced exactly the threads codex said it never wrote").isEqualTo(notStored);
            assertThat(told).hasSize(replaced);
            assertThat(replacedWithInput).as("threads whose turn codex never stored were replaced, with that turn's input").isPositive();
            assertThat(messages).noneMatch(m -> m.contains("could not be started"));
            System.out.printf("codex crash: every session's next turn completed (%d on a fresh thread, %d of them with a turn codex "
                    + "never stored) %.0f ms after the kill%n", replaced, replacedWithInput, (System.nanoTime() - killed) / 1e6);
        } finally {
            sessions.forEach(CodexSession::close);
        }
        assertThat(ProcessHandle.current().children().filter(CodexCrashLiveTest::isCodex).count()).as("no codex left running").isZero();
    }

    /**
     * Calls {@code call} on every session with at most {@link #AT_ONCE} calls unanswered, the next one sent as soon as
     * one is answered (not in waves that each wait for their slowest), and returns every answer.
     */
    private static <T> Map<CodexSession, T> atMostAtOnce(List<CodexSession> sessions,
            Function<CodexSession, CompletableFuture<T>> call) throws Exception {
        Semaphore open = new Semaphore(AT_ONCE);
        Map<CodexSession, CompletableFuture<T>> sent = new HashMap<>();
        for (CodexSession s : sessions) {
            assertThat(open.tryAcquire(120, TimeUnit.SECONDS)).as("a call answered within 120 s").isTrue();
            CompletableFuture<T> answer = call.apply(s);
            answer.whenComplete((r, e) -> open.release());
            sent.put(s, answer);
        }
        Map<CodexSession, T> answers = new HashMap<>();
        for (Map.Entry<CodexSession, CompletableFuture<T>> e : sent.entrySet()) {
            answers.put(e.getKey(), e.getValue().get(120, TimeUnit.SECONDS));
        }
        return answers;
    }

    private static long codexChild() {
        List<ProcessHandle> codex = ProcessHandle.current().children().filter(CodexCrashLiveTest::isCodex).collect(Collectors.toList());
        assertThat(codex).hasSize(1);
        return codex.get(0).pid();
    }

    private static boolean isCodex(ProcessHandle p) {
        return p.isAlive() && p.info().commandLine().map(c -> c.contains("app-server")).orElse(false);
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -%s %d", name, pid).isZero();
    }
}
