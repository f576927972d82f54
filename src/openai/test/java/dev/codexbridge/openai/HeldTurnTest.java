package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.tool.DynamicTool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A turn held open for the caller, driven by hand: what the caller is handed, how its answers reach codex, the bound, the close. */
class HeldTurnTest {
    private final ExecutorService codex = Executors.newCachedThreadPool();
    private final AtomicInteger interrupts = new AtomicInteger();

    @AfterEach
    void stop() throws InterruptedException {
        codex.shutdownNow();
        assertThat(codex.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private HeldTurn held(Duration bound) {
        return new HeldTurn(bound, interrupts::incrementAndGet);
    }

    /** Codex calling {@code tool} on a thread of its own, as the library's host pool does. */
    private CompletableFuture<DynamicTool.Result> call(HeldTurn h, String arguments) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return h.tools().call(new DynamicTool.Call("c-1", "weather", "thread", "turn"), arguments);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, codex);
    }

    private static CallerAnswer output(String id, String text) {
        return CallerAnswer.output(id, text);
    }

    /** A turn whose codex called the caller's tool, the call handed to the request following it. */
    private record Asking(HeldTurn held, CompletableFuture<DynamicTool.Result> result, HeldTurn.Call call) {
    }

    private Asking asking(String arguments) throws Exception {
        HeldTurn h = held(Duration.ofSeconds(60));
        h.admit(true, false);
        CompletableFuture<HeldTurn.Step> step = h.follow(new TurnListener() { });
        CompletableFuture<DynamicTool.Result> result = call(h, arguments);
        HeldTurn.Step.Asked asked = (HeldTurn.Step.Asked) step.get(60, TimeUnit.SECONDS);
        return new Asking(h, result, (HeldTurn.Call) asked.questions().get(0));
    }

    @Test
    void theConversationIsFreedBeforeTheRequestFollowingTheTurnHearsItsEnd() throws Exception {
        HeldTurn h = held(Duration.ofSeconds(60));
        h.admit(false, false);
        CompletableFuture<HeldTurn.Step> step = h.follow(new TurnListener() { });
        AtomicBoolean answeredWhenFreed = new AtomicBoolean(true);

        h.ended(null, null, () -> answeredWhenFreed.set(step.isDone()));

        assertThat(answeredWhenFreed).as("the caller's next request, sent once it has the answer, finds the conversation free").isFalse();
        assertThat(step.get(60, TimeUnit.SECONDS)).isInstanceOf(HeldTurn.Step.Ended.class);
    }

    @Test
    void aCallIsHandedToTheRequestFollowingTheTurnAndItsOutputGoesBackToCodex() throws Exception {
        Asking a = asking("{\"city\":\"Oslo\"}");
        HeldTurn h = a.held();
        CompletableFuture<DynamicTool.Result> result = a.result();
        HeldTurn.Call c = a.call();
        assertThat(c.name()).isEqualTo("weather");
        assertThat(c.arguments()).isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(c.id()).startsWith("call_").hasSizeGreaterThan(40);
        assertThat(h.awaits(c.id())).isTrue();

        assertThatThrownBy(() -> h.answer(Map.of("call_other", output("call_other", "x")), "input")).isInstanceOf(OpenAiError.class)
                .satisfies(e -> assertThat(((OpenAiError) e).param).isEqualTo("input"));
        h.answer(Map.of(c.id(), output(c.id(), "sunny")), "input");
        assertThat(result.get(60, TimeUnit.SECONDS).texts()).containsExactly("sunny");
        assertThat(h.holding()).isFalse();
    }

    @Test
    void toolChoiceNoneAnswersTheCallWithoutAskingTheCaller() throws Exception {
        HeldTurn h = held(Duration.ofSeconds(60));
        h.admit(false, false);
        DynamicTool.Result r = call(h, "{}").get(60, TimeUnit.SECONDS);
        assertThat(r.success()).isFalse();
        assertThat(h.holding()).isFalse();
    }

    @Test
    void aCallNotAnsweredWithinTheBoundFailsAndTheTurnIsInterrupted() throws Exception {
        HeldTurn h = held(Duration.ofMillis(200));
        h.admit(true, false);
        h.follow(new TurnListener() { });
        DynamicTool.Result r = call(h, "{}").get(60, TimeUnit.SECONDS);
        assertThat(r.success()).isFalse();
        assertThat(r.texts().get(0)).contains("did not send the output");
        assertThat(interrupts.get()).isEqualTo(1);
        assertThat(h.awaited()).isEmpty();
    }

    @Test
    void approvalsReachOnlyACallerThatDeclaredItAnswersThem() throws Exception {
        HeldTurn h = held(Duration.ofSeconds(60));
        ApprovalRequest request = new ApprovalRequest(ApprovalKind.COMMAND, "item/commandExecution/requestApproval", "thread", "turn",
                "item", "touch x", "Codex requests exec", "touch x", "/work", null, null, null, List.of(), null);
        h.admit(true, false);
        assertThat(h.approvals().decide(request).toCompletableFuture().get(60, TimeUnit.SECONDS).choice()).isEqualTo(ApprovalChoice.DENY);
        assertThat(h.holding()).isFalse();

        h.admit(true, true);
        CompletableFuture<HeldTurn.Step> step = h.follow(new TurnListener() { });
        CompletableFuture<ApprovalDecision> decided = h.approvals().decide(request).toCompletableFuture();
        HeldTurn.Approval asked = (HeldTurn.Approval) ((HeldTurn.Step.Asked) step.get(60, TimeUnit.SECONDS)).questions().get(0);
        h.answer(Map.of(asked.id(), CallerAnswer.approval(asked.id(), true, null)), "input");
        assertThat(decided.get(60, TimeUnit.SECONDS).choice()).isEqualTo(ApprovalChoice.ONCE);
    }

    @Test
    void closingAnswersWhatWaitsAndEndsTheRequestFollowing() throws Exception {
        Asking a = asking("{}");
        HeldTurn h = a.held();
        CompletableFuture<DynamicTool.Result> result = a.result();
        CompletableFuture<HeldTurn.Step> next = h.follow(new TurnListener() { });
        h.close();
        assertThat(result.get(60, TimeUnit.SECONDS).success()).isFalse();
        HeldTurn.Step.Ended ended = (HeldTurn.Step.Ended) next.get(60, TimeUnit.SECONDS);
        assertThat(ended.error()).isNotNull();
        assertThat(h.holding()).isFalse();
    }
}
