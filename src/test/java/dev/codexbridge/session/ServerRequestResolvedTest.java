package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.internal.inbox.TurnRequests;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request codex settles without this session's answer (another client on the thread answered
 * it, or codex withdrew it as the turn ended), against an in-memory codex that sends what codex
 * 0.169 sends in each case ({@code ServerRequestResolvedLiveTest} checks that on the binary): the
 * host's prompt is withdrawn, nothing is written after, and the transcript says how the call ended.
 */
class ServerRequestResolvedTest {
    private static final String APPROVAL = "{\"threadId\":\"thread-1\",\"turnId\":\"%s\",\"itemId\":\"call-1\",\"startedAtMs\":1,"
            + "\"command\":\"ls\",\"cwd\":\"/w\"}";
    private static final String COMMAND = "{\"type\":\"commandExecution\",\"id\":\"call-1\",\"command\":\"ls\",\"cwd\":\"/w\","
            + "\"commandActions\":[],\"status\":\"inProgress\"}";
    private static final String COMMAND_RAN = "{\"type\":\"commandExecution\",\"id\":\"call-1\",\"command\":\"ls\",\"cwd\":\"/w\","
            + "\"commandActions\":[],\"status\":\"completed\",\"exitCode\":0,\"aggregatedOutput\":\"ran for the other client\"}";
    private static final String TOOL_CALL = "{\"threadId\":\"thread-1\",\"turnId\":\"%s\",\"callId\":\"call-d\",\"namespace\":null,"
            + "\"tool\":\"lookup\",\"arguments\":{}}";
    private static final String TOOL_ITEM = "{\"type\":\"dynamicToolCall\",\"id\":\"call-d\",\"namespace\":null,\"tool\":\"lookup\","
            + "\"arguments\":{},\"status\":\"inProgress\",\"contentItems\":null,\"success\":null}";
    private static final String TOOL_ANSWERED_ELSEWHERE = "{\"type\":\"dynamicToolCall\",\"id\":\"call-d\",\"namespace\":null,"
            + "\"tool\":\"lookup\",\"arguments\":{},\"status\":\"completed\",\"success\":true,"
            + "\"contentItems\":[{\"type\":\"inputText\",\"text\":\"from the other client\"}]}";
    /** The fake's peer numbers its requests from 1: the first request a test sends. */
    private static final String FIRST_RESOLVED = "{\"threadId\":\"thread-1\",\"requestId\":1}";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinnedExperimental().closing(() -> this.session);
    private final FakeCodex codex = fake.codex();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch asked = new CountDownLatch(1);
    private final CompletableFuture<ApprovalDecision> prompt = new CompletableFuture<>();
    private CodexSession session;

    private CodexSession.Builder builder() {
        return CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options())
                .cwd(Path.of("/work"))
                .limits(TurnLimits.of(Duration.ofSeconds(10), Duration.ZERO)).interruptGrace(Duration.ofSeconds(2));
    }

    /** The host keeps its prompt open: the stage it returns completes only when the test says. */
    private ApprovalPolicy promptingHost() {
        return ApprovalPolicy.builder().handler(r -> {
            asked.countDown();
            return prompt;
        }).build();
    }

    private final TurnListener listener = new TurnListener() {
        @Override
        public void onApprovalRequested(ApprovalRequest request) {
            events.add("asked " + request.title());
        }

        @Override
        public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
            events.add("answered " + decision.choice());
        }

        @Override
        public void onApprovalWithdrawn(ApprovalRequest request) {
            events.add("withdrawn " + request.title());
        }
    };

    /** Every answer the session wrote to codex's requests (its own requests carry a method). */
    private List<JsonNode> answersWritten() {
        FakeCodex.sleep(200);   // an answer under way would be on the wire by now
        return codex.received().stream().filter(m -> !m.has("method")).toList();
    }

    private static TranscriptMessage toolResult(TurnResult r) {
        return r.messages().stream().filter(m -> m.role() == TranscriptMessage.Role.TOOL).findFirst().orElseThrow();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(60, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void anApprovalAnotherClientAnsweredFirstIsWithdrawnFromTheHostAndNeverAnswered() {
        session = builder().approvals(promptingHost()).build();
        codex.onTurnStart = (f, turn) -> {
            f.item("item/started", turn, COMMAND);
            f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn));
            await(asked);
            // another client on the thread answered: codex says so, then runs the command for it
            f.notify("serverRequest/resolved", FIRST_RESOLVED);
            FakeCodex.sleep(200);
            prompt.complete(ApprovalDecision.deny("decided after the request was resolved"));
            FakeCodex.sleep(200);
            f.item("item/completed", turn, COMMAND_RAN);
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, listener);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        // cancelled on the host pool (the host's continuations of its prompt are host code)
        assertThatThrownBy(() -> prompt.get(60, TimeUnit.SECONDS)).as("the host's prompt is withdrawn").isInstanceOf(CancellationException.class);
        assertThat(answersWritten()).as("nothing is written after codex resolved the request").isEmpty();
        assertThat(events).containsExactly("asked ls", "withdrawn ls");
        assertThat(toolResult(r).content()).startsWith(TurnRequests.RESOLVED_ELSEWHERE + "\n").contains("ran for the other client");
    }

    @Test
    void anApprovalPendingWhenTheTurnIsInterruptedIsWithdrawnAndTheTranscriptSaysSo() throws Exception {
        session = builder().approvals(promptingHost()).build();
        codex.onTurnStart = (f, turn) -> {
            f.item("item/started", turn, COMMAND);
            f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn));
        };
        // codex's order: the turn ends, then the request it waited on is resolved; the item never completes
        codex.onInterrupt = (f, turn) -> {
            f.completeTurn(turn, "interrupted", null);
            f.notify("serverRequest/resolved", FIRST_RESOLVED);
        };
        CompletableFuture<TurnResult> run = session.runTurnAsync(TurnInput.text("go"), TurnOptions.DEFAULTS, listener);
        await(asked);
        session.interrupt();
        TurnResult r = run.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
        assertThatThrownBy(() -> prompt.get(60, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        assertThat(prompt.complete(ApprovalDecision.once())).isFalse();
        assertThat(answersWritten()).isEmpty();
        assertThat(events).containsExactly("asked ls", "withdrawn ls");
        TranscriptMessage tool = toolResult(r);
        assertThat(tool.content()).startsWith(TurnRequests.WITHDRAWN_BY_INTERRUPT + "\n[incomplete");
        assertThat(tool.incomplete()).isTrue();
    }

    @Test
    void aDynamicToolCallAnsweredElsewhereInterruptsTheToolAndEndsWithTheResultCodexTook() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> howItEnded = new CompletableFuture<>();
        DynamicTool lookup = new DynamicTool("lookup", "Look up", null, args -> {
            started.countDown();
            try {
                Thread.sleep(30_000);
                howItEnded.complete("ran to its end");
            } catch (InterruptedException e) {
                howItEnded.complete("interrupted");
            }
            return DynamicTool.Result.text("from this session");
        });
        session = builder().dynamicTool(lookup).build();
        codex.onTurnStart = (f, turn) -> {
            f.item("item/started", turn, TOOL_ITEM);
            f.request("item/tool/call", String.format(TOOL_CALL, turn));
            await(started);
            // codex 0.169 sends every subscriber the call and takes the first answer; then only the item completes
            f.item("item/completed", turn, TOOL_ANSWERED_ELSEWHERE);
            f.agentMessage(turn, "done");
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, listener);
        assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(howItEnded.get(60, TimeUnit.SECONDS)).isEqualTo("interrupted");
        assertThat(answersWritten()).isEmpty();
        assertThat(toolResult(r).content()).isEqualTo(TurnRequests.RESOLVED_ELSEWHERE + "\nfrom the other client");
        assertThat(events).as("a tool call is no approval").isEmpty();
    }

    @Test
    void aRequestResolvedBetweenTurnsIsWithdrawnFromTheHost() {
        session = builder().approvals(promptingHost()).build();
        session.start();
        // a turn another client started on the thread asks every subscriber, this session too
        codex.request("item/commandExecution/requestApproval", String.format(APPROVAL, "their-turn"));
        await(asked);
        codex.notify("serverRequest/resolved", FIRST_RESOLVED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!prompt.isDone() && System.nanoTime() < deadline) {
            FakeCodex.sleep(10);
        }
        assertThat(prompt).isCancelled();
        assertThat(answersWritten()).isEmpty();
    }

    @Test
    void theResolutionThatFollowsTheSessionsOwnAnswerChangesNothing() {
        session = builder().approvals(ApprovalPolicy.builder().handler(r ->
                CompletableFuture.completedFuture(ApprovalDecision.once())).build()).build();
        codex.onTurnStart = (f, turn) -> {
            f.item("item/started", turn, COMMAND);
            f.request("item/commandExecution/requestApproval", String.format(APPROVAL, turn)).join();
            f.notify("serverRequest/resolved", FIRST_RESOLVED);
            f.item("item/completed", turn, COMMAND_RAN.replace("ran for the other client", "ran"));
            f.completeTurn(turn, "completed", null);
        };
        TurnResult r = session.runTurn(TurnInput.text("go"), TurnOptions.DEFAULTS, listener);
        assertThat(events).containsExactly("asked ls", "answered ONCE");
        assertThat(answersWritten()).singleElement().satisfies(a ->
                assertThat(a.path("result").path("decision").asText()).isEqualTo("accept"));
        assertThat(toolResult(r).content()).doesNotContain("[resolved elsewhere").doesNotContain("[withdrawn");
    }
}
