package dev.codexbridge.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misbehaving codex, spawned as a real child process, for the faults of its process and of a
 * turn's life the library must survive (death at each step, closed output, limits, interrupts
 * ignored, approvals, foreign threads): each ends with a clear result within the configured
 * limits, not at a limit it should not need, and leaves no process, connection thread or file descriptor behind.
 * The faults on the wire itself are {@link WireFaultInjectionTest}'s.
 */
class FaultInjectionTest {
    /** A turn's limit far past {@link #HANG}: an end noticed only at the limit cannot pass for one noticed at once. */
    private static final TurnLimits LONG_LIMIT = TurnLimits.of(Duration.ofMinutes(10), Duration.ZERO);
    /** Far more than a slow machine needs for a run, far less than a wait for a limit: only a hang takes longer. */
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    private FaultyCodexRuns runs;

    @BeforeEach
    void baseline() {
        runs = new FaultyCodexRuns(tmp);
    }

    private static String text(TurnResult r) {
        return String.join("\n", r.messages().stream().map(TranscriptMessage::content).filter(c -> c != null).toList());
    }

    @Test
    void exitBeforeInitialize() {
        FaultyCodexRuns.Run run = runs.run("exit-before-initialize", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.FAILED);
        // a config.toml codex cannot read is the host's to fix: the next turn starts codex again, which reads it again
        assertThat(run.result().error().category()).isEqualTo(ErrorCategory.SETTINGS_REJECTED);
        assertThat(run.result().retired()).isFalse();
        assertThat(run.result().error().message()).contains("exited with code 1 before answering initialize")
                .contains("Error: config.toml: unknown variant `untrusted`");
    }

    @Test
    void killedMidTurnIsNoticedAtOnce() {
        FaultyCodexRuns.Run run = runs.run("kill-mid-turn", b -> b.limits(LONG_LIMIT));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(run.result().error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(run.result().error().message()).contains("exited with code 137");
        assertThat(run.result().retired()).isTrue();
        assertThat(run.took()).as("not at the turn's limit").isLessThan(HANG);
    }

    @Test
    void killedMidApprovalWhileTheHandlerNeverAnswers() {
        FaultyCodexRuns.Run run = runs.run("kill-mid-approval", b -> b.limits(LONG_LIMIT)
                .approvals(ApprovalPolicy.builder().handler(r -> new CompletableFuture<>()).build()));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(run.result().retired()).isTrue();
        assertThat(run.took()).as("not at the turn's limit nor the approval's deadline").isLessThan(HANG);
    }

    @Test
    void killedMidThreadStart() {
        FaultyCodexRuns.Run run = runs.run("kill-mid-thread-start", b -> b);
        // turn/start was never sent: codex cannot have run it (decision 0032)
        assertThat(run.result().status()).isEqualTo(TurnOutcome.NOT_RECEIVED);
        assertThat(run.result().status().safeToSendAgain()).isTrue();
        assertThat(run.result().error().message()).contains("137");
    }

    @Test
    void stdoutClosedWhileTheProcessLivesOn() {
        FaultyCodexRuns.Run run = runs.run("stdout-closed", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.NOT_RECEIVED);      // before turn/start was sent
        assertThat(run.result().retired()).isTrue();
    }

    @Test
    void aTurnThatNeverCompletesTimesOut() {
        FaultyCodexRuns.Run run = runs.run("never-completes", b -> b.limits(TurnLimits.of(Duration.ofSeconds(1), Duration.ZERO)));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(run.result().retired()).isFalse();
        assertThat(run.took()).as("ended by the limit, not left running").isLessThan(HANG);
    }

    @Test
    void aCodexThatIgnoresTheInterruptIsRetired() {
        FaultyCodexRuns.Run run = runs.run("ignores-interrupt", b -> b.limits(TurnLimits.of(Duration.ofSeconds(1), Duration.ZERO)));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(run.result().retired()).isTrue();
        assertThat(run.took()).as("retired, not waited on for the interrupt's answer").isLessThan(HANG);
    }

    @Test
    void turnCompletedWhileADecisionIsPending() {
        FaultyCodexRuns.Run run = runs.run("completed-during-approval", b -> b.limits(LONG_LIMIT)
                .approvals(ApprovalPolicy.builder().handler(r -> new CompletableFuture<>()).build()));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.took()).as("not at the turn's limit nor the approval's deadline").isLessThan(HANG);
    }

    @Test
    void notificationsForAnotherThreadAreIgnored() {
        FaultyCodexRuns.Run run = runs.run("foreign-thread", b -> b);
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
            FaultyCodexRuns.Run run = runs.run("approval", b -> b.approvals(ApprovalPolicy.builder().handler(h).deadline(Duration.ofMillis(500)).build()));
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
