package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.codexbridge.session.TurnLimits;

/**
 * Many sessions on one real codex process: codex is killed while 50 turns wait for approvals; every
 * turn ends, the client starts a new codex, every thread is resumed there and can run a turn.
 */
class SharedConnectionLiveTest {
    private static final int SESSIONS = 50;

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

    @Test
    void codexKilledUnderFiftyRunningTurnsEndsThemAllAndEveryThreadResumesOnTheNewProcess() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        CodexLaunch launch = CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).workingDirectory(work)
                .name("codex-shared").detachFromTerminal(true).build();
        Set<String> asked = ConcurrentHashMap.newKeySet();
        // the host never answers: every turn stays mid-way, waiting for its approval
        ApprovalPolicy neverAnswers = ApprovalPolicy.builder().handler(r -> {
            asked.add(r.threadId());
            return new CompletableFuture<>();
        }).build();
        for (int i = 0; i < SESSIONS; i++) {
            model.enqueue(ModelReply.builder().execCommandEscalated("call-" + i, "echo never", "Needs approval").build());
        }
        dev.codexbridge.reliability.LeakCheck baseline = dev.codexbridge.reliability.LeakCheck.now();
        List<CodexSession> sessions = new ArrayList<>();
        try (CodexClient shared = CodexClient.builder().process(launch).wireTap(wire)
                .reconnect(new ReconnectPolicy(5, Duration.ofMillis(50), Duration.ofSeconds(1), 8)).connect()) {
            long codexPid = codexChild();
            for (int i = 0; i < SESSIONS; i++) {
                sessions.add(CodexSession.builder().client(shared).cwd(work).approvals(neverAnswers)
                        .limits(TurnLimits.of(Duration.ofMinutes(2), Duration.ZERO)).build());
            }
            CompletableFuture.allOf(sessions.stream().map(CodexSession::startAsync).toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
            List<CompletableFuture<TurnResult>> turns = sessions.stream()
                    .map(s -> s.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, TurnListener.NONE)).collect(Collectors.toList());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (asked.size() < SESSIONS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(asked).as("every turn is waiting for its approval").hasSize(SESSIONS);

            ProcessHandle.of(codexPid).orElseThrow().destroyForcibly();
            long killed = System.nanoTime();
            for (CompletableFuture<TurnResult> t : turns) {
                TurnResult r = t.get(30, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
                assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
            }
            long ended = System.nanoTime();
            System.out.printf("shared connection: %d turns ended %.0f ms after codex was killed%n", SESSIONS, (ended - killed) / 1e6);

            // every thread resumes on the new codex without a turn asking for it
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (resumes() < SESSIONS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(resumes()).isEqualTo(SESSIONS);
            System.out.printf("shared connection: %d threads resumed %.0f ms after codex was killed%n", SESSIONS,
                    (System.nanoTime() - killed) / 1e6);
            assertThat(shared.generation()).isEqualTo(2);
            assertThat(codexChild()).isNotEqualTo(codexPid);

            model.discardRemaining();
            model.enqueue(ModelReply.message("back again"));
            TurnResult again = sessions.get(SESSIONS - 1).runTurn(TurnInput.text("still there?"));
            assertThat(again.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(again.finalText()).isEqualTo("back again");
            assertThat(resumes()).as("no thread was resumed twice").isEqualTo(SESSIONS);

            // codex's own record: the finished turn reads back as it ran; the killed one never completed
            TurnResult recovered = sessions.get(SESSIONS - 1).recoverTurn(again.turnId()).orElseThrow();
            assertThat(recovered.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(recovered.finalText()).isEqualTo("back again");
            assertThat(recovered.messages()).isEqualTo(again.messages());
            String lostTurn = turns.get(0).get().turnId();
            assertThat(lostTurn).as("the lost turn's id was known").isNotNull();
            TurnOutcome lostStatus = sessions.get(0).recoverTurn(lostTurn).map(TurnResult::status).orElse(null);
            System.out.println("shared connection: the killed turn reads back as " + lostStatus);
            assertThat(lostStatus).isNotEqualTo(TurnOutcome.COMPLETED);
        } finally {
            sessions.forEach(CodexSession::close);
        }
        assertThat(ProcessHandle.current().children().filter(SharedConnectionLiveTest::isCodex).count())
                .as("no codex left running").isZero();
        baseline.awaitBaseline();     // no reader, stderr drain, descriptor or child left behind
    }

    private long resumes() {
        return wire.sent().stream().filter(m -> m.path("method").asText().equals("thread/resume")).count();
    }

    private static long codexChild() {
        List<ProcessHandle> codex = ProcessHandle.current().children().filter(SharedConnectionLiveTest::isCodex).collect(Collectors.toList());
        assertThat(codex).hasSize(1);
        return codex.get(0).pid();
    }

    private static boolean isCodex(ProcessHandle p) {
        return p.isAlive() && p.info().commandLine().map(c -> c.contains("app-server")).orElse(false);
    }
}
