package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.support.OtelCapture;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.transcript.TranscriptMessage;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import dev.codexbridge.client.CodexClient;

/** The session's turn loop against an in-memory codex: the reference's defects and every edge. */
class CodexSessionTest {
    private static final String APPROVAL = "{\"threadId\":\"thread-1\",\"turnId\":\"%s\",\"itemId\":\"call-1\",\"startedAtMs\":1,"
            + "\"command\":\"ls\",\"cwd\":\"/w\"}";
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.session);
    private final FakeCodex codex = fake.codex();
    private CodexSession session;

    private CodexSession.Builder builder() {
        return CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(java.nio.file.Path.of("/work"))
                .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO)).interruptGrace(Duration.ofSeconds(2));
    }

    @Test
    void startIsIdempotentAndLazy() {
        session = builder().build();
        assertThat(session.threadId()).isNull();
        assertThat(session.start()).isEqualTo("thread-1");
        assertThat(session.start()).isEqualTo("thread-1");
        assertThat(codex.received()).filteredOn(m -> m.path("method").asText().equals("thread/start")).hasSize(1);
        assertThat(codex.received().get(0).path("params").path("clientInfo").path("name").asText()).isEqualTo("codex_bridge");
    }

    @Test
    void turnCompletedRightAfterAnApprovalRequestEndsTheTurnAtOnce() {
        // The reference's first defect: its approval pre-drain swallowed turn/completed and the turn ran to its deadline.
        CompletableFuture<ApprovalDecision> never = new CompletableFuture<>();
        // a limit far past what a slow machine needs: a turn run to it cannot pass for one that completed
        session = builder().limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ZERO))
                .approvals(ApprovalPolicy.builder().handler(r -> never).build()).build();
        codex.onTurnStart = (f, turn) -> {
            f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn));
            f.agentMessage(turn, "done anyway");
            f.completeTurn(turn, "completed", null);
        };
        long start = System.nanoTime();
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not at the turn's limit").isLessThan(Duration.ofSeconds(60));
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("done anyway");
    }

    @Test
    void notificationsBeforeTheTurnStartAnswerAreBufferedAndForeignOnesIgnored() {
        session = builder().build();
        codex.onTurnStart = (f, turn) -> {
            f.notify("item/completed", "{\"threadId\":\"other-thread\",\"turnId\":\"" + turn + "\",\"item\":{\"type\":\"agentMessage\",\"id\":\"x\",\"text\":\"foreign thread\"}}");
            f.notify("item/completed", "{\"threadId\":\"thread-1\",\"turnId\":\"turn-999\",\"item\":{\"type\":\"agentMessage\",\"id\":\"y\",\"text\":\"foreign turn\"}}");
            f.agentMessage(turn, "mine");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.finalText()).isEqualTo("mine");
        assertThat(r.messages()).extracting(m -> m.content()).doesNotContain("foreign thread", "foreign turn");
    }

    @Test
    void aStreamedTranscriptGoesToTheListenerInFullAndTheResultKeepsNone() {
        session = builder().build();
        codex.onTurnStart = (f, turn) -> {
            f.item("item/completed", turn, "{\"type\":\"commandExecution\",\"id\":\"c\",\"command\":\"ls\",\"cwd\":\"/w\","
                    + "\"status\":\"completed\",\"exitCode\":0,\"aggregatedOutput\":\"a.txt\",\"commandActions\":[]}");
            f.agentMessage(turn, "first");
            // started, never completed: projected as incomplete when the turn ends
            f.item("item/started", turn, "{\"type\":\"agentMessage\",\"id\":\"late\",\"text\":\"\"}");
            f.notify("item/agentMessage/delta", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn
                    + "\",\"itemId\":\"late\",\"delta\":\"cut sh\"}");
            f.completeTurn(turn, "completed", null);
        };
        java.util.List<TranscriptMessage> kept = session.runTurn(TurnInput.text("go")).messages();
        java.util.List<TranscriptMessage> streamed = new java.util.concurrent.CopyOnWriteArrayList<>();
        TurnResult r = session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS.withStreamedTranscript(true), new TurnListener() {
            @Override
            public void onTranscript(java.util.List<TranscriptMessage> messages) {
                streamed.addAll(messages);
            }
        });
        assertThat(r.completed()).isTrue();
        assertThat(r.messages()).isEmpty();
        assertThat(kept).extracting(TranscriptMessage::content).contains("first", "cut sh");
        assertThat(streamed).isEqualTo(kept);
    }

    @Test
    void anEarlierTurnsEndArrivingBeforeTheTurnStartAnswerDoesNotEndThisTurn() {
        session = builder().build();
        codex.beforeTurnStartAnswer = (f, turn) -> {
            // say, the last words of a turn interrupted as the thread was resumed
            f.item("item/completed", "turn-old", "{\"type\":\"agentMessage\",\"id\":\"o\",\"text\":\"old turn\"}");
            f.completeTurn("turn-old", "interrupted", null);
        };
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "mine");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(r.finalText()).isEqualTo("mine");
        assertThat(r.messages()).extracting(m -> m.content()).doesNotContain("old turn");
    }

    @Test
    void aDecisionMadeAfterTheTurnEndedIsWrittenWithoutWaitingForAnotherTurn() throws Exception {
        CompletableFuture<ApprovalDecision> later = new CompletableFuture<>();
        CompletableFuture<JsonNode> answered = new CompletableFuture<>();
        session = builder().approvals(ApprovalPolicy.builder().handler(r -> later).build()).build();
        codex.onTurnStart = (f, turn) -> {
            f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn)).whenComplete((a, e) -> {
                if (e != null) {
                    answered.completeExceptionally(e);
                } else {
                    answered.complete(a);
                }
            });
            f.completeTurn(turn, "completed", null);
        };
        assertThat(session.runTurn(TurnInput.text("go")).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(answered).isNotDone();
        later.complete(ApprovalDecision.once());
        assertThat(answered.get(60, TimeUnit.SECONDS).path("decision").asText()).isEqualTo("accept");
    }

    @Test
    void earlyNotificationsForTheTurnAreKeptInOrder() {
        session = builder().build();
        codex.answerTurnStart = true;
        codex.onTurnStart = (f, turn) -> {
            f.item("item/completed", turn, "{\"type\":\"agentMessage\",\"id\":\"a\",\"text\":\"first\"}");
            f.item("item/completed", turn, "{\"type\":\"agentMessage\",\"id\":\"b\",\"text\":\"second\"}");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.messages()).extracting(m -> m.content()).containsSubsequence("first", "second");
    }

    @Test
    void interruptBeforeTurnStartAnswersStillInterrupts() throws Exception {
        session = builder().build();
        session.start();
        CountDownLatch asked = new CountDownLatch(1);
        codex.answerTurnStart = false;
        CompletableFuture<TurnResult> run = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        FakeCodex.sleep(200);
        session.interrupt();
        // turn/start never answers: there is no turn id to interrupt, so the grace period ends the turn and
        // the session gives up on this unresponsive codex.
        TurnResult r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(r.retired()).isTrue();
        asked.countDown();
    }

    @Test
    void anInterruptBeforeTurnStartAnswersIsSentOnceTheTurnIdArrives() throws Exception {
        session = builder().build();
        session.start();
        codex.onTurnStart = (f, turn) -> { };
        CompletableFuture<TurnResult> run = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        session.interrupt();
        TurnResult r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(r.retired()).isFalse();
    }

    @Test
    void interruptDuringAPendingApprovalSendsTurnInterrupt() throws Exception {
        CountDownLatch approvalSeen = new CountDownLatch(1);
        session = builder().approvals(ApprovalPolicy.builder().handler(r -> {
            approvalSeen.countDown();
            return new CompletableFuture<>();
        }).build()).build();
        codex.onTurnStart = (f, turn) -> f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn));
        CompletableFuture<TurnResult> run = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        assertThat(approvalSeen.await(60, TimeUnit.SECONDS)).isTrue();
        session.interrupt();
        TurnResult r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(r.stopReason()).isEqualTo(StopReason.INTERRUPT);
        assertThat(codex.received()).anySatisfy(m -> assertThat(m.path("method").asText()).isEqualTo("turn/interrupt"));
    }

    @Test
    void anInterruptRequestedBetweenTurnsStopsTheNextTurnBeforeItStarts() {
        session = builder().build();
        session.interrupt();
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(codex.received()).noneSatisfy(m -> assertThat(m.path("method").asText()).isEqualTo("turn/start"));
    }

    @Test
    void wallClockTimeoutInterruptsAndSaysSo() {
        session = builder().limits(TurnLimits.of(Duration.ofMillis(300), Duration.ZERO)).build();
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(r.stopReason()).isEqualTo(StopReason.TIMEOUT);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.TIMEOUT);
        assertThat(r.error().message()).contains("timed out after 300 ms");
        assertThat(r.retired()).isFalse();
    }

    @Test
    void idleTimeoutCountsOnlyThisTurnsProgress() {
        session = builder().limits(TurnLimits.of(Duration.ZERO, Duration.ofMillis(400))).build();
        codex.onTurnStart = (f, turn) -> {
            for (int i = 0; i < 10; i++) {
                f.notify("thread/status/changed", "{\"threadId\":\"other\",\"status\":{\"type\":\"idle\"}}");
                FakeCodex.sleep(100);
            }
        };
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(r.error().message()).contains("inactive").contains("task incomplete");
    }

    @Test
    void progressKeepsAnIdleLimitedTurnAlive() {
        // deltas every 150 ms against a limit with room for a loaded machine's late reads (the turn ends after 1.2 s either way)
        session = builder().limits(TurnLimits.of(Duration.ZERO, Duration.ofSeconds(1))).build();
        codex.onTurnStart = (f, turn) -> {
            for (int i = 0; i < 8; i++) {
                f.notify("item/agentMessage/delta", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn + "\",\"itemId\":\"m\",\"delta\":\"x\"}");
                FakeCodex.sleep(150);
            }
            f.completeTurn(turn, "completed", null);
        };
        assertThat(session.runTurn(TurnInput.text("go")).status()).isEqualTo(TurnOutcome.COMPLETED);
    }

    @Test
    void anInterruptCodexNeverConfirmsRetiresTheSession() {
        session = builder().limits(TurnLimits.of(Duration.ofMillis(200), Duration.ZERO)).interruptGrace(Duration.ofMillis(300)).build();
        codex.answerInterrupt = false;
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.TIMED_OUT);
        assertThat(r.retired()).isTrue();
        assertThat(session.isRetired()).isTrue();
        codex.answerInterrupt = true;
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "completed", null);
        assertThat(session.runTurn(TurnInput.text("again")).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(codex.opens.get()).isEqualTo(2);
        assertThat(codex.received()).anySatisfy(m -> {
            assertThat(m.path("method").asText()).isEqualTo("thread/resume");
            assertThat(m.path("params").path("excludeTurns").asBoolean()).isTrue();
        });
    }

    @Test
    void failedWithoutAnErrorIsStillAnErrorAndInterruptedIsInterrupted() {
        session = builder().build();
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "failed", null);
        TurnResult failed = session.runTurn(TurnInput.text("go"));
        assertThat(failed.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(failed.error()).isNotNull();
        assertThat(failed.error().message()).contains("without an error message");
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "interrupted", null);
        TurnResult interrupted = session.runTurn(TurnInput.text("go"));
        assertThat(interrupted.status()).isEqualTo(TurnOutcome.INTERRUPTED);
    }

    @Test
    void errorsAreClassifiedAndUnwrappedFromTheirJsonEnvelope() {
        session = builder().build();
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "failed",
                "{\"message\":\"{\\\"error\\\": {\\\"message\\\": \\\"The model `gpt-9` does not exist or you do not have access to it.\\\"}}\","
                        + "\"codexErrorInfo\":\"other\",\"additionalDetails\":null}");
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.error().message()).isEqualTo("The model `gpt-9` does not exist or you do not have access to it.");
        assertThat(r.error().category()).isEqualTo(ErrorCategory.MODEL_UNAVAILABLE);
        assertThat(r.error().remediation()).contains("another model");
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "failed",
                "{\"message\":\"Codex ran out of room\",\"codexErrorInfo\":\"contextWindowExceeded\"}");
        assertThat(session.runTurn(TurnInput.text("go")).error().category()).isEqualTo(ErrorCategory.CONTEXT_WINDOW);
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "failed",
                "{\"message\":\"unexpected status 401 Unauthorized: token has expired\",\"codexErrorInfo\":\"unauthorized\"}");
        TurnResult auth = session.runTurn(TurnInput.text("go"));
        assertThat(auth.error().category()).isEqualTo(ErrorCategory.AUTHENTICATION);
        assertThat(auth.error().remediation()).contains("codex login");
        assertThat(auth.retired()).isTrue();
    }

    @Test
    void retriesAndWarningsReachTheListenerInOrder() {
        session = builder().build();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        codex.onTurnStart = (f, turn) -> {
            f.notify("error", "{\"threadId\":\"thread-1\",\"turnId\":\"" + turn + "\",\"willRetry\":true,\"error\":{\"message\":\"Reconnecting... 1/2\","
                    + "\"codexErrorInfo\":{\"responseStreamDisconnected\":{\"httpStatusCode\":null}}}}");
            f.notify("warning", "{\"threadId\":\"thread-1\",\"message\":\"careful\"}");
            f.agentMessage(turn, "ok");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onRetry(TurnFailure error) {
                events.add("retry:" + error.message());
            }

            @Override
            public void onWarning(String message) {
                events.add("warning:" + message);
            }

            @Override
            public void onItemCompleted(dev.codexbridge.protocol.ThreadItem item, List<dev.codexbridge.transcript.TranscriptMessage> messages) {
                events.add("item:" + (item instanceof dev.codexbridge.protocol.ThreadItem.AgentMessage ? "agentMessage" : item.toString()));
                throw new IllegalStateException("a broken listener must not break the turn");
            }
        });
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(events).containsExactly("retry:Reconnecting... 1/2", "warning:careful", "item:agentMessage");
    }

    @Test
    void aDeadCodexIsNoticedAtOnceAndTheNextTurnRestartsAndResumes() {
        session = builder().limits(TurnLimits.of(Duration.ofMinutes(5), Duration.ZERO)).build();
        codex.onTurnStart = (f, turn) -> f.die();
        long start = System.nanoTime();
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not at the turn's limit").isLessThan(Duration.ofSeconds(60));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        assertThat(r.retired()).isTrue();
        codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "completed", null);
        assertThat(session.runTurn(TurnInput.text("again")).status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(session.threadId()).isEqualTo("thread-1");
    }

    @Test
    void theConnectionReopenedByTheNextTurnAfterACrashIsTracedUnderThatTurn() {
        try (OtelCapture otel = new OtelCapture()) {
            session = builder().telemetry(CodexTelemetry.of(otel.openTelemetry()))
                    .limits(TurnLimits.of(Duration.ofMinutes(5), Duration.ZERO)).build();
            codex.onTurnStart = (f, turn) -> f.die();
            assertThat(session.runTurn(TurnInput.text("go")).error().category()).isEqualTo(ErrorCategory.PROCESS_DIED);
            int before = codex.received().size();
            codex.onTurnStart = (f, turn) -> f.completeTurn(turn, "completed", null);
            assertThat(session.runTurn(TurnInput.text("again")).status()).isEqualTo(TurnOutcome.COMPLETED);

            List<SpanData> turns = otel.spansNamed("invoke_agent codex");
            assertThat(turns).hasSize(2);
            String secondTrace = turns.get(1).getTraceId();
            assertThat(secondTrace).isNotEqualTo(turns.get(0).getTraceId());
            // the restarted codex's handshake and resume go out from the waits pool, yet under the second turn's span
            List<JsonNode> reopened = codex.received().subList(before, codex.received().size()).stream()
                    .filter(m -> List.of("initialize", "thread/resume", "turn/start").contains(m.path("method").asText())).toList();
            assertThat(reopened).extracting(m -> m.path("method").asText()).containsExactly("initialize", "thread/resume", "turn/start");
            assertThat(reopened).allSatisfy(m -> assertThat(m.path("trace").path("traceparent").asText())
                    .as("trace of %s", m.path("method").asText()).contains(secondTrace));
        }
    }

    @Test
    void aDeadCodexDuringAnApprovalEndsTheTurnToo() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        session = builder().approvals(ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return new CompletableFuture<>();
        }).build()).build();
        codex.onTurnStart = (f, turn) -> {
            f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn));
            try {
                asked.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            f.die();
        };
        TurnResult r = session.runTurn(TurnInput.text("go"));
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(r.retired()).isTrue();
    }

    @Test
    void approvalsAskedAndAnsweredReachTheListener() {
        session = builder().approvals(ApprovalPolicy.builder().handler(r ->
                CompletableFuture.completedFuture(ApprovalDecision.session())).build()).build();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        codex.onTurnStart = (f, turn) -> {
            JsonNode answer = f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn)).join();
            events.add("codex got " + answer);
            f.completeTurn(turn, "completed", null);
        };
        session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onApprovalRequested(ApprovalRequest request) {
                events.add("asked " + request.title());
            }

            @Override
            public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
                events.add("answered " + decision.choice());
            }
        });
        // The listener and the fake codex run on different threads: only "asked" is ordered before both.
        assertThat(events).hasSize(3).first().isEqualTo("asked ls");
        assertThat(events).containsExactlyInAnyOrder("asked ls", "answered SESSION", "codex got {\"decision\":\"acceptForSession\"}");
    }

    @Test
    void closeDuringARunningTurnEndsItAndIsIdempotent() throws Exception {
        session = builder().build();
        CompletableFuture<TurnResult> run = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        FakeCodex.sleep(200);
        Thread a = new Thread(session::close);
        Thread b = new Thread(session::close);
        a.start();
        b.start();
        a.join();
        b.join();
        TurnResult r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.FAILED);
        assertThatThrownBy(() -> session.runTurn(TurnInput.text("after"))).hasMessageContaining("closed");
    }

    @Test
    void oneTurnAtATimeAndBothTimeoutsZeroIsRejected() throws Exception {
        session = builder().build();
        CompletableFuture<TurnResult> run = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, TurnListener.NONE);
        FakeCodex.sleep(200);
        assertThatThrownBy(() -> session.runTurn(TurnInput.text("second"))).isInstanceOf(IllegalStateException.class);
        session.interrupt();
        assertThat(run.get(60, TimeUnit.SECONDS).status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThatThrownBy(() -> builder().limits(TurnLimits.of(Duration.ZERO, Duration.ZERO))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> session.runTurn(TurnInput.text("x"), TurnOptions.DEFAULTS.withTimeouts(Duration.ZERO, Duration.ZERO),
                TurnListener.NONE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stepBudgetInterruptsLiveAsStepsComplete() {
        session = builder().limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO).withMaxSteps(2)).build();
        List<Integer> steps = Collections.synchronizedList(new ArrayList<>());
        codex.onTurnStart = (f, turn) -> {
            for (int i = 1; i <= 5; i++) {
                f.item("item/completed", turn, "{\"type\":\"commandExecution\",\"id\":\"c" + i + "\",\"command\":\"ls\",\"cwd\":\"/\","
                        + "\"status\":\"completed\",\"exitCode\":0,\"aggregatedOutput\":\"\",\"commandActions\":[]}");
                FakeCodex.sleep(50);
            }
        };
        TurnResult r = session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onStep(int step, dev.codexbridge.protocol.ThreadItem item) {
                steps.add(step);
            }
        });
        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThat(r.stopReason()).isEqualTo(StopReason.STEP_BUDGET);
        assertThat(steps).startsWith(1, 2);
    }

    @Test
    void turnResultJsonUsesTheDocumentedFieldNames() {
        session = builder().build();
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "hi");
            f.completeTurn(turn, "completed", null);
        };
        JsonNode json = dev.codexbridge.json.Json.parse(session.runTurn(TurnInput.text("go")).toJson());
        assertThat(json.fieldNames()).toIterable().containsExactly("threadId", "turnId", "status", "finalText", "error",
                "stopReason", "toolIterations", "stepCount", "stepEndsMs", "durationMs", "attempts", "rateLimitWaitMs", "tokenUsage", "retired",
                "messages", "key");
        assertThat(json.path("key").asText()).isNotBlank();
        assertThat(json.path("attempts").asInt()).isEqualTo(1);
        assertThat(json.path("rateLimitWaitMs").asLong()).isZero();
        assertThat(json.path("status").asText()).isEqualTo("completed");
        assertThat(json.path("stopReason").asText()).isEqualTo("natural");
        assertThat(json.path("error").isNull()).isTrue();
    }

    @Test
    void aServerRequestBetweenTurnsIsAnsweredAtOnce() throws Exception {
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        session = builder().approvals(ApprovalPolicy.builder().handler(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(ApprovalDecision.once());
        }).build()).build();
        session.start();
        JsonNode answer = codex.request("item/commandExecution/requestApproval", APPROVAL.formatted("turn-0"))
                .get(60, TimeUnit.SECONDS);
        assertThat(answer.path("decision").asText()).isEqualTo("accept");
        assertThat(asked).singleElement().extracting(ApprovalRequest::command).isEqualTo("ls");
    }

    @Test
    void sessionsSharingOneConnectionEachSeeOnlyTheirOwnTurn() throws Exception {
        codex.distinctThreads = true;
        codex.onThreadTurnStart = (thread, turn) -> {
            // both threads' messages interleave on the one connection
            codex.notifyThread("item/completed", thread, turn,
                    "{\"item\":{\"type\":\"agentMessage\",\"id\":\"m-" + turn + "\",\"text\":\"answer on " + thread + "\"}}");
            codex.completeThreadTurn(thread, turn, "completed");
        };
        try (dev.codexbridge.client.CodexClient shared = dev.codexbridge.client.CodexClient.builder().transport(codex.factory()).connect();
             CodexSession a = CodexSession.builder().client(shared).cwd(java.nio.file.Path.of("/a")).build();
             CodexSession b = CodexSession.builder().client(shared).cwd(java.nio.file.Path.of("/b")).build()) {
            assertThat(a.start()).isNotEqualTo(b.start());
            CompletableFuture<TurnResult> ra = a.runTurnAsync(TurnInput.text("a"), TurnOptions.DEFAULTS, TurnListener.NONE);
            CompletableFuture<TurnResult> rb = b.runTurnAsync(TurnInput.text("b"), TurnOptions.DEFAULTS, TurnListener.NONE);
            assertThat(ra.get(60, TimeUnit.SECONDS).finalText()).isEqualTo("answer on " + a.threadId());
            assertThat(rb.get(60, TimeUnit.SECONDS).finalText()).isEqualTo("answer on " + b.threadId());
            assertThat(codex.opens.get()).isEqualTo(1);
            a.close();
            assertThat(shared.isOpen()).as("closing a session leaves a shared connection open").isTrue();
            assertThat(b.runTurn(TurnInput.text("again")).status()).isEqualTo(TurnOutcome.COMPLETED);
        }
    }

    private static final String COMMAND_ITEM = "{\"type\":\"commandExecution\",\"id\":\"%s\",\"command\":\"ls\",\"cwd\":\"/w\","
            + "\"status\":\"completed\",\"exitCode\":0,\"aggregatedOutput\":\"\",\"commandActions\":[]}";

    @Test
    void aTurnThatOnlyAnswersIsOneStepAndActionsAreStepsOfTheirOwn() {
        session = builder().build();
        codex.onTurnStart = (f, turn) -> {
            f.agentMessage(turn, "just an answer");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult answerOnly = session.runTurn(TurnInput.text("go"));
        assertThat(answerOnly.stepCount()).isEqualTo(1);
        assertThat(answerOnly.stepEndsMs()).hasSize(1);
        assertThat(answerOnly.durationMs()).isGreaterThanOrEqualTo(answerOnly.stepEndsMs().get(0));

        // the second action is sent 30 ms after the session counted the first: its step ends that much later, however
        // late either is read
        CountDownLatch firstCounted = new CountDownLatch(1);
        codex.onTurnStart = (f, turn) -> {
            f.item("item/completed", turn, COMMAND_ITEM.formatted("c1"));
            try {
                assertThat(firstCounted.await(60, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            FakeCodex.sleep(30);
            f.item("item/completed", turn, COMMAND_ITEM.formatted("c2"));
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult withActions = session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onStep(int step, dev.codexbridge.protocol.ThreadItem item) {
                if (step == 1) {
                    firstCounted.countDown();
                }
            }
        });
        assertThat(withActions.stepCount()).isEqualTo(3);
        assertThat(withActions.stepEndsMs()).hasSize(3).isSorted();
        assertThat(withActions.stepEndsMs().get(1) - withActions.stepEndsMs().get(0)).isGreaterThanOrEqualTo(25);
    }

    @Test
    void structuredOutputIsCheckedAgainstTheSchemaAndAMissingAnswerFails() {
        JsonNode schema = dev.codexbridge.json.Json.parse("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},"
                + "\"required\":[\"n\"],\"additionalProperties\":false}");
        TurnOptions structured = TurnOptions.DEFAULTS.withOutputSchema(schema);
        session = builder().build();
        List<String> answers = new ArrayList<>(List.of("{\"n\": 7}", "{\"n\": \"seven\"}", "seven"));
        codex.onTurnStart = (f, turn) -> {
            if (!answers.isEmpty()) {
                f.agentMessage(turn, answers.remove(0));
            }
            f.completeTurn(turn, "completed", null);
        };
        TurnResult ok = session.runTurn(TurnInput.text("go"), structured, TurnListener.NONE);
        assertThat(ok.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(ok.error()).isNull();

        TurnResult wrongType = session.runTurn(TurnInput.text("go"), structured, TurnListener.NONE);
        assertThat(wrongType.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(wrongType.error().category()).isEqualTo(ErrorCategory.STRUCTURED_OUTPUT);
        assertThat(wrongType.error().message()).startsWith("structured output failed validation").contains("n");
        assertThat(wrongType.finalText()).isEqualTo("{\"n\": \"seven\"}");

        TurnResult notJson = session.runTurn(TurnInput.text("go"), structured, TurnListener.NONE);
        assertThat(notJson.error().message()).contains("not JSON");

        TurnResult noAnswer = session.runTurn(TurnInput.text("go"), structured, TurnListener.NONE);
        assertThat(noAnswer.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(noAnswer.error().category()).isEqualTo(ErrorCategory.STRUCTURED_OUTPUT);
        assertThat(noAnswer.error().message()).contains("without an agent message");

        TurnResult unchecked = session.runTurn(TurnInput.text("go"));
        assertThat(unchecked.status()).as("without a schema a turn with no answer still completes").isEqualTo(TurnOutcome.COMPLETED);
    }
}
