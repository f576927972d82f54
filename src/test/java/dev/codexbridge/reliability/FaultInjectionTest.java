package dev.codexbridge.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.Scripts;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.TurnLimits;

/**
 * A misbehaving codex, spawned as a real child process, for every fault the library must survive:
 * each ends with a clear result within the configured limits plus a second, and leaves no
 * process, connection thread or file descriptor behind.
 */
class FaultInjectionTest {
    private static final Duration SLACK = Duration.ofSeconds(1);

    @TempDir
    Path tmp;
    private LeakCheck baseline;

    @BeforeEach
    void baseline() {
        baseline = LeakCheck.now();
    }

    private Path fake(String mode) {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        return Scripts.write(tmp, "codex-" + mode, "exec " + java + " -Xmx1g -cp '" + System.getProperty("java.class.path")
                + "' " + FaultyCodex.class.getName() + " " + mode);
    }

    private record Run(TurnResult result, Duration took, WireSchema.Recorder wire) {
    }

    /** Starts a session on a faulty codex, runs one turn, closes, and checks nothing leaked. */
    private Run run(String mode, UnaryOperator<CodexSession.Builder> tweak) {
        WireSchema.Recorder wire = new WireSchema.Recorder();
        CodexSession.Builder b = CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(fake(mode)).build()).wireTap(wire).requestTimeout(Duration.ofSeconds(10)).options()).cwd(tmp).limits(TurnLimits.of(Duration.ofSeconds(20), Duration.ZERO))
                .interruptGrace(Duration.ofSeconds(1));
        TurnResult r;
        Duration took;
        try (CodexSession s = tweak.apply(b).build()) {
            try {
                s.start();
            } catch (RuntimeException startFailure) {
                // reported again, as a result, by runTurn
            }
            long t0 = System.nanoTime();
            r = s.runTurn(TurnInput.text("go"));
            took = Duration.ofNanos(System.nanoTime() - t0);
        }
        baseline.awaitBaseline();
        return new Run(r, took, wire);
    }

    private static String text(TurnResult r) {
        return String.join("\n", r.messages().stream().map(TranscriptMessage::content).filter(c -> c != null).toList());
    }

    @Test
    void exitBeforeInitialize() {
        Run run = run("exit-before-initialize", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.FAILED);
        // a config.toml codex cannot read is the host's to fix: the next turn starts codex again, which reads it again
        assertThat(run.result().error().category()).isEqualTo(ErrorCategory.SETTINGS_REJECTED);
        assertThat(run.result().retired()).isFalse();
        assertThat(run.result().error().message()).contains("exited with code 1 before answering initialize")
                .contains("Error: config.toml: unknown variant `untrusted`");
    }

    @Test
    void killedMidTurnIsNoticedAtOnce() {
        Run run = run("kill-mid-turn", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(run.result().error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(run.result().error().message()).contains("exited with code 137");
        assertThat(run.result().retired()).isTrue();
        assertThat(run.took()).isLessThan(SLACK.plusSeconds(1));
    }

    @Test
    void killedMidApprovalWhileTheHandlerNeverAnswers() {
        Run run = run("kill-mid-approval", b -> b.approvals(ApprovalPolicy.builder().handler(r -> new CompletableFuture<>()).build()));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(run.result().retired()).isTrue();
        assertThat(run.took()).isLessThan(SLACK.plusSeconds(2));
    }

    @Test
    void killedMidThreadStart() {
        Run run = run("kill-mid-thread-start", b -> b);
        // turn/start was never sent: codex cannot have run it (decision 0032)
        assertThat(run.result().status()).isEqualTo(TurnOutcome.NOT_RECEIVED);
        assertThat(run.result().status().safeToSendAgain()).isTrue();
        assertThat(run.result().error().message()).contains("137");
    }

    @Test
    void stdoutClosedWhileTheProcessLivesOn() {
        Run run = run("stdout-closed", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.NOT_RECEIVED);      // before turn/start was sent
        assertThat(run.result().retired()).isTrue();
    }

    @Test
    void garbageAndPartialLinesBetweenValidOnes() {
        Run run = run("garbage", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.result().finalText()).isEqualTo("survived the garbage");
    }

    @Test
    void aLineOf100MiB() {
        // reading past 100 MiB takes seconds on a loaded 2-core host: the turn's limit is not the point here
        Run run = run("huge-line", b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.result().finalText()).isEqualTo("after the huge line");
    }

    @Test
    void fiftyMiBOfStderr() {
        Run run = run("stderr-flood", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
    }

    @Test
    void responsesWithUnknownAndDuplicatedIds() {
        Run run = run("unknown-ids", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.result().finalText()).isEqualTo("ids did not confuse it");
    }

    @Test
    void serverRequestsWithStringIdsAndIdsThatCollideWithClientIds() {
        Run run = run("colliding-ids", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        long answers = run.wire().sent().stream().filter(m -> !m.has("method") && m.has("result")).count();
        assertThat(answers).isEqualTo(2);
        assertThat(run.wire().sent()).anySatisfy(m -> assertThat(m.path("id").asText()).isEqualTo("str-1"));
        assertThat(WireSchema.pinned().validateConversation(run.wire())).isEmpty();
    }

    @Test
    void aRequestAnsweredOverloadedManyTimesInARow() {
        Run run = run("overloaded", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.NOT_RECEIVED);      // the handshake never succeeded
        assertThat(run.result().error().message()).contains("overloaded");
        // start() and then runTurn() each try once plus six bounded retries
        long attempts = run.wire().sent().stream().filter(m -> "initialize".equals(m.path("method").asText())).count();
        assertThat(attempts).isEqualTo(2 * 7);
    }

    @Test
    void aTurnThatNeverCompletesTimesOut() {
        Run run = run("never-completes", b -> b.limits(TurnLimits.of(Duration.ofSeconds(1), Duration.ZERO)));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(run.result().retired()).isFalse();
        assertThat(run.took()).isLessThan(Duration.ofSeconds(1).plus(SLACK));
    }

    @Test
    void aCodexThatIgnoresTheInterruptIsRetired() {
        Run run = run("ignores-interrupt", b -> b.limits(TurnLimits.of(Duration.ofSeconds(1), Duration.ZERO)));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(run.result().retired()).isTrue();
        assertThat(run.took()).isLessThan(Duration.ofSeconds(2).plus(SLACK));
    }

    @Test
    void turnCompletedWhileADecisionIsPending() {
        Run run = run("completed-during-approval", b -> b.approvals(ApprovalPolicy.builder().handler(r -> new CompletableFuture<>()).build()));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.took()).isLessThan(SLACK);
    }

    @Test
    void notificationsForAnotherThreadAreIgnored() {
        Run run = run("foreign-thread", b -> b);
        assertThat(run.result().finalText()).isEqualTo("mine");
        assertThat(text(run.result())).doesNotContain("not yours");
    }

    @Test
    void aHandlerThatThrowsBlocksForeverOrAnswersTwiceStillGivesOneAnswer() {
        ApprovalHandler throwing = r -> {
            throw new IllegalStateException("host bug");
        };
        ApprovalHandler blocking = r -> {
            Thread.sleep(Long.MAX_VALUE);
            return null;
        };
        AtomicReference<CompletableFuture<ApprovalDecision>> twice = new AtomicReference<>();
        ApprovalHandler answeringTwice = r -> {
            CompletableFuture<ApprovalDecision> f = new CompletableFuture<>();
            f.complete(ApprovalDecision.once());
            f.complete(ApprovalDecision.deny("second answer"));
            twice.set(f);
            return f;
        };
        for (ApprovalHandler h : new ApprovalHandler[] {throwing, blocking, answeringTwice}) {
            Run run = run("approval", b -> b.approvals(ApprovalPolicy.builder().handler(h).deadline(Duration.ofMillis(500)).build()));
            assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
            JsonNode answer = run.wire().sent().stream().filter(m -> !m.has("method") && m.path("id").asInt(-1) == 0)
                    .reduce((a, b2) -> {
                        throw new AssertionError("answered twice: " + a + " and " + b2);
                    }).orElseThrow();
            String decision = answer.path("result").path("decision").asText();
            assertThat(decision).isEqualTo(h == answeringTwice ? "accept" : "decline");
        }
    }
}
