package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ServerRequestHandler;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the pinned codex sends when a request it put to a session is settled without that
 * session's answer, and that the session then withdraws it from its host and never answers it:
 * two clients subscribed to one thread on a {@code codex app-server --listen ws://…} (codex sends
 * both every request and takes the first answer), and a turn interrupted while it waits.
 *
 * <p>Found on codex 0.169.0 and asserted here: an approval another client answered is followed by
 * {@code serverRequest/resolved} with its id at once, before the item completes; an approval
 * pending when its turn is interrupted gets {@code turn/completed} (interrupted) and then
 * {@code serverRequest/resolved}, and its item never completes; a dynamic tool call gets no
 * {@code serverRequest/resolved} at all, whether another client answered it or an interrupt
 * cancelled it, only its {@code item/completed}; after the session's own answer codex sends
 * {@code serverRequest/resolved} too. An answer to a request codex no longer holds makes it log
 * {@code could not find callback}: that never appears here.
 */
class ServerRequestResolvedLiveTest {
    private static final String LATE_ANSWER = "could not find callback";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;
    private ListeningAppServer server;
    /** What the session's client (A) sends and receives. */
    private final WireSchema.Recorder wireA = new WireSchema.Recorder();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch hostAsked = new CountDownLatch(1);
    private final CompletableFuture<ApprovalDecision> prompt = new CompletableFuture<>();

    private final TurnListener listener = new TurnListener() {
        @Override
        public void onApprovalRequested(ApprovalRequest request) {
            events.add("asked");
        }

        @Override
        public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
            events.add("answered " + decision.choice());
        }

        @Override
        public void onApprovalWithdrawn(ApprovalRequest request) {
            events.add("withdrawn");
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
        work = Files.createDirectories(tmp.resolve("work"));
        server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of());
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            assertThat(server.stderr()).as("codex got no answer to a request it no longer held")
                    .noneMatch(line -> line.contains(LATE_ANSWER));
            server.close();
        }
        if (model != null) {
            model.close();
        }
        assertThat(WireSchema.pinnedExperimental().validateConversation(wireA)).as("every message sent matches the schema").isEmpty();
    }

    /** The host keeps its prompt open until the test says. */
    private ApprovalPolicy promptingHost() {
        return ApprovalPolicy.builder().handler(r -> {
            hostAsked.countDown();
            return prompt;
        }).build();
    }

    private CodexSession.Builder session(CodexClient client) {
        return CodexSession.builder().client(client).cwd(work)
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO));
    }

    /** A first turn, so codex has written the thread and a second client can resume it. */
    private static void firstTurn(CodexSession s, ScriptedModelServer model) {
        model.enqueue(ModelReply.message("ready"));
        assertThat(s.runTurn(TurnInput.text("hello")).status()).isEqualTo(TurnOutcome.COMPLETED);
    }

    /** A second client subscribed to the session's thread, answering codex's requests with {@code handler}. */
    private CodexClient otherClient(String threadId, ServerRequestHandler handler) {
        CodexClient b = CodexClient.builder().experimentalApi(true).serverRequests(handler).connect(server.endpoint());
        b.request("thread/resume", Json.object().put("threadId", threadId), JsonNode.class);
        return b;
    }

    private static Runnable awaiting(CountDownLatch latch) {
        return () -> {
            try {
                assertThat(latch.await(120, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** The id of the request of {@code method} A received. */
    private JsonNode requestId(String method) {
        return wireA.received().stream().filter(m -> method.equals(m.path("method").asText()) && m.has("id"))
                .findFirst().orElseThrow().get("id");
    }

    /** Whether A wrote any answer to the request {@code id}. */
    private boolean answeredByA(JsonNode id) {
        return wireA.sent().stream().anyMatch(m -> !m.has("method") && id.equals(m.get("id")));
    }

    private int indexReceived(Predicate<JsonNode> which) {
        List<JsonNode> received = wireA.received();
        for (int i = 0; i < received.size(); i++) {
            if (which.test(received.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static Predicate<JsonNode> resolved(JsonNode id) {
        return m -> "serverRequest/resolved".equals(m.path("method").asText()) && id.equals(m.path("params").get("requestId"));
    }

    private static Predicate<JsonNode> itemCompleted(String itemId) {
        return m -> "item/completed".equals(m.path("method").asText()) && itemId.equals(m.path("params").path("item").path("id").asText());
    }

    private static Predicate<JsonNode> turnCompleted() {
        return m -> "turn/completed".equals(m.path("method").asText());
    }

    private static TranscriptMessage toolResult(TurnResult r) {
        return r.messages().stream().filter(m -> m.role() == TranscriptMessage.Role.TOOL).findFirst().orElseThrow();
    }

    @Test
    void anApprovalAnotherClientAnswersFirstIsWithdrawnFromThisHostAndAnsweredOnce() {
        try (CodexClient a = CodexClient.builder().wireTap(wireA).connect(server.endpoint());
             CodexSession s = session(a).approvals(promptingHost()).build()) {
            firstTurn(s, model);
            // B accepts once A's host has been asked, so A's host surely had the prompt open
            CodexClient b = otherClient(s.threadId(), r -> CompletableFuture.runAsync(awaiting(hostAsked))
                    .thenApply(x -> Json.object().put("decision", "accept")));
            try {
                model.enqueue(ModelReply.builder().execCommandEscalated("call-c", "echo ran-for-b", "Need to run it").build(),
                        ModelReply.message("done"));
                TurnResult r = s.runTurn(TurnInput.text("run it"), TurnOptions.DEFAULTS, listener);

                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                // the host's stage is cancelled on the host pool, a moment after the turn's end
                await().atMost(Duration.ofSeconds(60)).until(prompt::isCancelled);
                assertThat(prompt).as("A's prompt is withdrawn").isCancelled();
                assertThat(prompt.complete(ApprovalDecision.deny("too late"))).isFalse();
                assertThat(events).containsExactly("asked", "withdrawn");
                JsonNode id = requestId("item/commandExecution/requestApproval");
                assertThat(answeredByA(id)).as("A never answers").isFalse();
                // what codex sent: resolved at once after B's answer, then the command ran for B
                int resolvedAt = indexReceived(resolved(id));
                assertThat(resolvedAt).isNotNegative().isLessThan(indexReceived(itemCompleted("call-c")));
                assertThat(toolResult(r).content()).startsWith("[resolved elsewhere").contains("ran-for-b");
            } finally {
                b.close();
            }
        }
    }

    @Test
    void aDynamicToolCallAnotherClientAnswersFirstInterruptsThisHostsToolAndIsAnsweredOnce() throws Exception {
        CountDownLatch toolStarted = new CountDownLatch(1);
        CompletableFuture<String> howItEnded = new CompletableFuture<>();
        DynamicTool lookup = new DynamicTool("lookup", "Look up a ticket", null, args -> {
            toolStarted.countDown();
            try {
                Thread.sleep(60_000);
                howItEnded.complete("ran to its end");
            } catch (InterruptedException e) {
                howItEnded.complete("interrupted");
            }
            return DynamicTool.Result.text("from A");
        });
        try (CodexClient a = CodexClient.builder().experimentalApi(true).wireTap(wireA).connect(server.endpoint());
             CodexSession s = session(a).dynamicTool(lookup).build()) {
            firstTurn(s, model);
            CodexClient b = otherClient(s.threadId(), r -> CompletableFuture.runAsync(awaiting(toolStarted))
                    .thenApply(x -> Json.parse("{\"contentItems\":[{\"type\":\"inputText\",\"text\":\"from B\"}],\"success\":true}")));
            try {
                model.enqueue(ModelReply.builder().dynamicToolCall("call-d", "lookup", Json.object()).build(),
                        ModelReply.message("done"));
                TurnResult r = s.runTurn(TurnInput.text("look it up"), TurnOptions.DEFAULTS, listener);

                assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
                assertThat(howItEnded.get(120, TimeUnit.SECONDS)).as("A's tool learns it is no longer wanted").isEqualTo("interrupted");
                JsonNode id = requestId("item/tool/call");
                assertThat(answeredByA(id)).as("A never answers").isFalse();
                // what codex sent: no serverRequest/resolved for a dynamic tool call, only the call's completion with B's result
                assertThat(indexReceived(m -> "serverRequest/resolved".equals(m.path("method").asText()))).isNegative();
                assertThat(indexReceived(itemCompleted("call-d"))).isNotNegative();
                assertThat(toolResult(r).content()).isEqualTo("[resolved elsewhere: codex did not wait for this session's answer]\nfrom B");
                assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).functionCallOutput("call-d"))
                        .contains("from B");
            } finally {
                b.close();
            }
        }
    }

    @Test
    void anApprovalPendingWhenTheTurnIsInterruptedIsWithdrawnAndTheTranscriptSaysSo() throws Exception {
        try (CodexClient a = CodexClient.builder().wireTap(wireA).connect(server.endpoint());
             CodexSession s = session(a).approvals(promptingHost()).build()) {
            model.enqueue(ModelReply.builder().execCommandEscalated("call-c", "echo never", "Need to run it").build());
            CompletableFuture<TurnResult> run = s.runTurnAsync(TurnInput.text("run it"), TurnOptions.DEFAULTS, listener);
            assertThat(hostAsked.await(120, TimeUnit.SECONDS)).isTrue();
            s.interrupt();
            TurnResult r = run.get(120, TimeUnit.SECONDS);

            assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
            await().atMost(Duration.ofSeconds(60)).until(prompt::isCancelled);     // cancelled on the host pool
            assertThat(prompt).isCancelled();
            assertThat(events).containsExactly("asked", "withdrawn");
            TranscriptMessage tool = toolResult(r);
            assertThat(tool.content()).startsWith("[withdrawn: the turn was interrupted before this session answered]");
            assertThat(tool.incomplete()).isTrue();
            // what codex sent: the turn's end, then the request's resolution; the command item never completed
            JsonNode id = requestId("item/commandExecution/requestApproval");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (indexReceived(resolved(id)) < 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(indexReceived(resolved(id))).isGreaterThan(indexReceived(turnCompleted()));
            assertThat(indexReceived(itemCompleted("call-c"))).isNegative();
            assertThat(answeredByA(id)).isFalse();
        }
    }

    @Test
    void aDynamicToolCallPendingWhenTheTurnIsInterruptedEndsWithoutAnAnswer() throws Exception {
        CountDownLatch toolStarted = new CountDownLatch(1);
        CompletableFuture<String> howItEnded = new CompletableFuture<>();
        DynamicTool lookup = new DynamicTool("lookup", "Look up a ticket", null, args -> {
            toolStarted.countDown();
            try {
                Thread.sleep(60_000);
                howItEnded.complete("ran to its end");
            } catch (InterruptedException e) {
                howItEnded.complete("interrupted");
            }
            return DynamicTool.Result.text("from A");
        });
        try (CodexClient a = CodexClient.builder().experimentalApi(true).wireTap(wireA).connect(server.endpoint());
             CodexSession s = session(a).dynamicTool(lookup).build()) {
            model.enqueue(ModelReply.builder().dynamicToolCall("call-d", "lookup", Json.object()).build());
            CompletableFuture<TurnResult> run = s.runTurnAsync(TurnInput.text("look it up"), TurnOptions.DEFAULTS, listener);
            assertThat(toolStarted.await(120, TimeUnit.SECONDS)).isTrue();
            s.interrupt();
            TurnResult r = run.get(120, TimeUnit.SECONDS);

            assertThat(r.status()).isEqualTo(TurnOutcome.INTERRUPTED);
            assertThat(howItEnded.get(120, TimeUnit.SECONDS)).isEqualTo("interrupted");
            // what codex sent: the call completed as failed before the turn's end, and no serverRequest/resolved;
            // codex gives the turn's task 100 ms to end after the interrupt, and on a loaded machine aborts it
            // instead (it says so on stderr): then the call's item never completes
            if (indexReceived(itemCompleted("call-d")) < 0) {
                await().atMost(Duration.ofSeconds(60)).alias("no completion: codex aborted the task")
                        .until(() -> server.stderr().stream().anyMatch(l -> l.contains("didn't complete gracefully")));
            } else {
                assertThat(indexReceived(itemCompleted("call-d"))).isLessThan(indexReceived(turnCompleted()));
            }
            Thread.sleep(500);
            assertThat(indexReceived(m -> "serverRequest/resolved".equals(m.path("method").asText()))).isNegative();
            assertThat(answeredByA(requestId("item/tool/call"))).isFalse();
            assertThat(toolResult(r).content()).startsWith("[withdrawn: the turn was interrupted before this session answered]");
        }
    }

    @Test
    void afterThisSessionsOwnAnswerCodexResolvesTheRequestAndTheHostHearsItWasAnswered() {
        try (CodexClient a = CodexClient.builder().wireTap(wireA).connect(server.endpoint());
             CodexSession s = session(a).approvals(ApprovalPolicy.builder()
                     .handler(r -> CompletableFuture.completedFuture(ApprovalDecision.once())).build()).build()) {
            model.enqueue(ModelReply.builder().execCommandEscalated("call-c", "echo ran-for-a", "Need to run it").build(),
                    ModelReply.message("done"));
            TurnResult r = s.runTurn(TurnInput.text("run it"), TurnOptions.DEFAULTS, listener);

            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(events).containsExactly("asked", "answered ONCE");
            JsonNode id = requestId("item/commandExecution/requestApproval");
            assertThat(answeredByA(id)).isTrue();
            assertThat(indexReceived(resolved(id))).isNotNegative().isLessThan(indexReceived(itemCompleted("call-c")));
            assertThat(toolResult(r).content()).contains("ran-for-a").doesNotContain("[resolved elsewhere").doesNotContain("[withdrawn");
        }
    }
}
