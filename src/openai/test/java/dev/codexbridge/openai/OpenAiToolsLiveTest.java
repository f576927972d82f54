package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.Tool;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The caller's tools and approvals through the official openai-java SDK, the real pinned codex
 * behind the door on the scripted model (one codex for the class): a function tool's call ending
 * the response and its output, by {@code previous_response_id} or by the history re-sent, going on
 * with the same codex turn; the stream's function call events; Chat Completions' tool calls
 * streamed and not; a command approved and one declined by the caller ({@code mcp_approval_request}
 * answered by {@code mcp_approval_response}); the wait running out; another principal's call
 * answered 404; tools refused 400 where the host's codex was opened without its experimental API.
 */
class OpenAiToolsLiveTest {
    static final String ALICE = "alice-key-0123456789abcdef";
    static final String BOB = "bob-key-0123456789abcdef00";
    private static final Duration AWAIT = Duration.ofSeconds(60);

    private static LiveCodex live;
    private static Path work;
    private static ScriptedModelServer model;
    private static OpenAiServer server;
    /** The same gateway behind a door whose wait for the caller runs out at once. */
    private static OpenAiServer impatient;
    private static OpenAIClient alice;
    private static OpenAIClient bob;

    @BeforeAll
    static void start() throws Exception {
        live = LiveCodex.start("openai-tools");
        work = live.work();
        model = live.model();
        BearerTokens keys = BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"));
        server = OpenAiServer.builder().gateway(live.gateway()).authenticator(keys).start();
        impatient = OpenAiServer.builder().gateway(live.gateway()).authenticator(keys).callerWait(Duration.ofSeconds(1)).start();
        alice = client(server, ALICE);
        bob = client(server, BOB);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {alice == null ? null : alice::close, bob == null ? null : bob::close, server,
                impatient, live}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static OpenAIClient client(OpenAiServer on, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(on.uri() + "v1").apiKey(key).timeout(Duration.ofSeconds(120)).maxRetries(0).build();
    }

    private static FunctionTool weather() {
        return FunctionTool.builder().name("weather").description("The weather in a city").strict(false)
                .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build())
                .build();
    }

    static ResponseCreateParams.Builder withWeather() {
        return ResponseCreateParams.builder().model("codex").addTool(weather());
    }

    private static String text(Response r) {
        return r.output().stream().filter(ResponseOutputItem::isMessage).flatMap(i -> i.asMessage().content().stream())
                .filter(c -> c.isOutputText()).map(c -> c.asOutputText().text()).collect(Collectors.joining());
    }

    static ResponseFunctionToolCall onlyCall(Response r) {
        List<ResponseFunctionToolCall> calls = r.output().stream().filter(ResponseOutputItem::isFunctionCall)
                .map(ResponseOutputItem::asFunctionCall).toList();
        assertThat(calls).hasSize(1);
        return calls.get(0);
    }

    static ResponseInputItem output(String callId, String output) {
        return ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder().callId(callId).output(output).build());
    }

    @Test
    void aFunctionCallEndsTheResponseAndItsOutputByPreviousResponseIdGoesOnWithTheSameTurn() {
        model.enqueue(ModelReply.builder().dynamicToolCall("call-oslo", "weather", Json.object().put("city", "Oslo")).build(),
                ModelReply.message("Sunny in Oslo."));
        Response first = alice.responses().create(withWeather().input("weather in Oslo?").build());
        ResponseFunctionToolCall call = onlyCall(first);
        assertThat(call.name()).isEqualTo("weather");
        assertThat(Json.parse(call.arguments()).path("city").asText()).isEqualTo("Oslo");
        assertThat(first.status()).hasValueSatisfying(s -> assertThat(s.asString()).isEqualTo("completed"));
        // the caller's tool reached the model as codex's own tool, under the caller's name
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).toolNames()).contains("weather");

        // another principal cannot answer alice's call: by her response id, or by the call id alone
        assertThatThrownBy(() -> bob.responses().create(withWeather().previousResponseId(first.id())
                .inputOfResponse(List.of(output(call.callId(), "rain"))).build())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.responses().create(withWeather().inputOfResponse(List.of(output(call.callId(), "rain"))).build()))
                .isInstanceOf(NotFoundException.class);

        Response second = alice.responses().create(withWeather().previousResponseId(first.id())
                .inputOfResponse(List.of(output(call.callId(), "sunny, 21 C"))).build());
        assertThat(text(second)).isEqualTo("Sunny in Oslo.");
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).functionCallOutput("call-oslo"))
                .hasValueSatisfying(o -> assertThat(o).contains("sunny, 21 C"));
        // the same turn: codex did not start another one for the output
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts()).filteredOn(t -> t.contains("sunny"))
                .isEmpty();
    }

    @Test
    void theHistoryReSentWithTheOutputAndNoPreviousResponseIdGoesOnWithTheSameTurnStreamed() {
        model.enqueue(ModelReply.builder().dynamicToolCall("call-bergen", "weather", Json.object().put("city", "Bergen")).build(),
                ModelReply.builder().streamedMessage(List.of("Rain ", "in Bergen.")).build());
        List<ResponseStreamEvent> events;
        try (StreamResponse<ResponseStreamEvent> stream = alice.responses().createStreaming(withWeather().input("weather in Bergen?")
                .build())) {
            events = stream.stream().toList();
        }
        int added = indexOf(events, e -> e.isOutputItemAdded() && e.asOutputItemAdded().item().isFunctionCall());
        int delta = indexOf(events, ResponseStreamEvent::isFunctionCallArgumentsDelta);
        int done = indexOf(events, ResponseStreamEvent::isFunctionCallArgumentsDone);
        int itemDone = indexOf(events, e -> e.isOutputItemDone() && e.asOutputItemDone().item().isFunctionCall());
        int completed = indexOf(events, ResponseStreamEvent::isCompleted);
        assertThat(List.of(added, delta, done, itemDone, completed)).isSorted();
        Response first = events.get(completed).asCompleted().response();
        ResponseFunctionToolCall call = onlyCall(first);
        assertThat(events.get(done).asFunctionCallArgumentsDone().arguments()).isEqualTo(call.arguments());

        // as the AI SDK and the Agents SDK send it: the whole history, the call and its output, no previous_response_id
        List<ResponseInputItem> history = List.of(ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
                .role(ResponseInputItem.Message.Role.USER).addInputTextContent("weather in Bergen?").build()),
                ResponseInputItem.ofFunctionCall(call), output(call.callId(), "rain, 9 C"));
        List<ResponseStreamEvent> more;
        try (StreamResponse<ResponseStreamEvent> stream = alice.responses().createStreaming(withWeather().inputOfResponse(history).build())) {
            more = stream.stream().toList();
        }
        Response second = more.get(more.size() - 1).asCompleted().response();
        assertThat(text(second)).isEqualTo("Rain in Bergen.");
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).functionCallOutput("call-bergen"))
                .hasValueSatisfying(o -> assertThat(o).contains("rain, 9 C"));

        // sent again, as a client that lost the reply would: the turn took that output, so it is a resend, not a late output
        // (decision 0137) — refused, nothing run
        int requests = model.responsesRequests().size();
        assertThatThrownBy(() -> alice.responses().create(withWeather().inputOfResponse(history).build()))
                .isInstanceOf(NotFoundException.class);
        assertThat(model.responsesRequests()).as("the resend ran nothing").hasSize(requests);
    }

    @Test
    void twoCallsCodexMakesInOneModelResponseAreBothHandedOutAndBothOutputsGoOn() {
        model.enqueue(ModelReply.builder().dynamicToolCall("call-a", "weather", Json.object().put("city", "Athens"))
                .dynamicToolCall("call-b", "weather", Json.object().put("city", "Berlin")).build(), ModelReply.message("Both known."));
        Response r = alice.responses().create(withWeather().input("weather in Athens and Berlin?").build());
        List<String> cities = new java.util.ArrayList<>();
        // codex asks both at once: they come in one response (the door gathers what codex asks within 100 ms); were the machine
        // too slow for that, the second would come in the next response, which this loop answers as well
        for (int i = 0; i < 2 && r.output().stream().anyMatch(ResponseOutputItem::isFunctionCall); i++) {
            List<ResponseFunctionToolCall> calls = r.output().stream().filter(ResponseOutputItem::isFunctionCall)
                    .map(ResponseOutputItem::asFunctionCall).toList();
            calls.forEach(c -> cities.add(Json.parse(c.arguments()).path("city").asText()));
            r = alice.responses().create(withWeather().previousResponseId(r.id()).inputOfResponse(calls.stream()
                    .map(c -> output(c.callId(), "fine in " + Json.parse(c.arguments()).path("city").asText())).toList()).build());
        }
        assertThat(cities).containsExactlyInAnyOrder("Athens", "Berlin");
        assertThat(text(r)).isEqualTo("Both known.");
        var last = model.responsesRequests().get(model.responsesRequests().size() - 1);
        assertThat(last.functionCallOutput("call-a")).hasValueSatisfying(o -> assertThat(o).contains("fine in Athens"));
        assertThat(last.functionCallOutput("call-b")).hasValueSatisfying(o -> assertThat(o).contains("fine in Berlin"));
    }

    /** The weather tool as Chat Completions declares it. */
    static ChatCompletionFunctionTool chatWeather() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("weather")
                .description("The weather in a city").parameters(FunctionParameters.builder().putAdditionalProperty("type",
                        JsonValue.from("object")).build()).build()).build();
    }

    @Test
    void chatCompletionsToolCallsGoOnWithTheSameTurnNotStreamedAndStreamed() {
        ChatCompletionFunctionTool tool = chatWeather();
        model.enqueue(ModelReply.builder().dynamicToolCall("call-rome", "weather", Json.object().put("city", "Rome")).build(),
                ModelReply.message("Warm in Rome."));
        ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("codex").addTool(tool).addUserMessage("weather in Rome?")
                .build();
        ChatCompletion first = alice.chat().completions().create(ask);
        assertThat(first.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        ChatCompletionMessage asked = first.choices().get(0).message();
        ChatCompletionMessageFunctionToolCall call = asked.toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.function().name()).isEqualTo("weather");
        ChatCompletion second = alice.chat().completions().create(ask.toBuilder().addMessage(asked).addMessage(ChatCompletionToolMessageParam
                .builder().toolCallId(call.id()).content("warm, 28 C").build()).build());
        assertThat(second.choices().get(0).message().content()).hasValue("Warm in Rome.");
        assertThat(second.choices().get(0).finishReason().asString()).isEqualTo("stop");

        // streamed: the call as delta.tool_calls chunks, then the answer
        model.enqueue(ModelReply.builder().dynamicToolCall("call-lima", "weather", Json.object().put("city", "Lima")).build(),
                ModelReply.builder().streamedMessage(List.of("Mild ", "in Lima.")).build());
        ChatCompletionCreateParams askLima = ChatCompletionCreateParams.builder().model("codex").addTool(tool)
                .addUserMessage("weather in Lima?").build();
        ChatCompletionAccumulator calls = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = alice.chat().completions().createStreaming(askLima)) {
            stream.stream().forEach(calls::accumulate);
        }
        ChatCompletion called = calls.chatCompletion();
        assertThat(called.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
        ChatCompletionMessageFunctionToolCall lima = called.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(Json.parse(lima.function().arguments()).path("city").asText()).isEqualTo("Lima");
        ChatCompletionAccumulator answer = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = alice.chat().completions().createStreaming(askLima.toBuilder()
                .addMessage(called.choices().get(0).message()).addMessage(ChatCompletionToolMessageParam.builder().toolCallId(lima.id())
                        .content("mild, 18 C").build()).build())) {
            stream.stream().forEach(answer::accumulate);
        }
        assertThat(answer.chatCompletion().choices().get(0).message().content()).hasValue("Mild in Lima.");
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).functionCallOutput("call-lima"))
                .hasValueSatisfying(o -> assertThat(o).contains("mild, 18 C"));
    }

    /** What the OpenAI Agents SDK's {@code hostedMcpTool({serverLabel: "codex"})} sends: the caller answers codex's approvals. */
    static ResponseCreateParams.Builder answeringApprovals() {
        return ResponseCreateParams.builder().model("codex").addTool(Tool.Mcp.builder().serverLabel("codex").serverUrl("https://codex.invalid/")
                .requireApproval(Tool.Mcp.RequireApproval.McpToolApprovalSetting.ALWAYS).build());
    }

    @Test
    void theCallerApprovesOneCommandAndDeclinesAnotherWhichDoesNotRun() {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-yes", "touch yes-marker", "Needs approval").build(),
                ModelReply.message("Made it."),
                ModelReply.builder().execCommandEscalated("call-no", "touch no-marker", "Needs approval").build(),
                ModelReply.message("Did not."),
                ModelReply.builder().execCommandEscalated("call-plain", "touch plain-marker", "Needs approval").build(),
                ModelReply.message("Declined unasked."));
        Response asked = alice.responses().create(answeringApprovals().input("make yes").build());
        ResponseOutputItem.McpApprovalRequest request = approvalRequest(asked);
        assertThat(request.serverLabel()).isEqualTo("codex");
        assertThat(request.name()).isEqualTo("exec_command");
        assertThat(request.arguments()).contains("touch yes-marker");
        assertThat(work.resolve("yes-marker")).doesNotExist();
        Response done = alice.responses().create(answeringApprovals().previousResponseId(asked.id())
                .inputOfResponse(List.of(approval(request.id(), true))).build());
        assertThat(text(done)).isEqualTo("Made it.");
        assertThat(work.resolve("yes-marker")).exists();

        Response second = alice.responses().create(answeringApprovals().previousResponseId(done.id()).input("make no").build());
        ResponseOutputItem.McpApprovalRequest no = approvalRequest(second);
        Response declined = alice.responses().create(answeringApprovals().previousResponseId(second.id())
                .inputOfResponse(List.of(approval(no.id(), false))).build());
        assertThat(text(declined)).isEqualTo("Did not.");
        assertThat(work.resolve("no-marker")).as("the declined command did not run").doesNotExist();
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).functionCallOutput("call-no"))
                .hasValueSatisfying(o -> assertThat(o).contains("rejected"));

        // a caller that did not declare it answers approvals is never asked: the host's policy declines
        Response plain = alice.responses().create(ResponseCreateParams.builder().model("codex").previousResponseId(declined.id())
                .input("make plain").build());
        assertThat(plain.output()).noneMatch(ResponseOutputItem::isMcpApprovalRequest);
        assertThat(text(plain)).isEqualTo("Declined unasked.");
        assertThat(work.resolve("plain-marker")).doesNotExist();
    }

    /**
     * The impatient door's response asking the weather in {@code city}, once its wait for the output
     * ran out; the model then answers {@code reply}.
     */
    private static Response askedAndNotWaitedFor(OpenAIClient patient, String city, String reply) throws InterruptedException {
        model.enqueue(ModelReply.builder().dynamicToolCall("call-" + city, "weather", Json.object().put("city", city)).build());
        Response asked = patient.responses().create(withWeather().input("weather in " + city + "?").build());
        long until = System.nanoTime() + AWAIT.toNanos();
        while (impatient.callsAwaited() > 0 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(impatient.callsAwaited()).as("the wait ran out").isZero();
        model.discardRemaining();
        model.enqueue(ModelReply.message(reply));
        return asked;
    }

    /**
     * A call whose output does not come within the door's wait: codex's call is answered with an
     * error and the turn ends. The output sent later by {@code previous_response_id} goes to codex
     * as a new turn's input, saying which call it answers (decision 0137); sent again, it is refused
     * with nothing run, the conversation having gone on from it.
     */
    @Test
    void aCallWhoseOutputComesAfterTheWaitGoesToCodexAsANewTurnsInputOnce() throws Exception {
        OpenAIClient patient = client(impatient, ALICE);
        try {
            Response asked = askedAndNotWaitedFor(patient, "Quito", "Late, but: drizzle in Quito.");
            ResponseFunctionToolCall call = onlyCall(asked);
            long until = System.nanoTime() + AWAIT.toNanos();
            ResponseCreateParams lateOutput = withWeather().previousResponseId(asked.id())
                    .inputOfResponse(List.of(output(call.callId(), "drizzle, 14 C"))).build();

            // the turn the wait ended may still be ending: busy until it has, as any turn (the SDKs send 429s again)
            Response late = null;
            while (late == null) {
                try {
                    late = patient.responses().create(lateOutput);
                } catch (RateLimitException busy) {
                    assertThat(System.nanoTime()).as("the ended turn let its conversation go").isLessThan(until);
                    Thread.sleep(100);
                }
            }

            assertThat(text(late)).isEqualTo("Late, but: drizzle in Quito.");
            assertThat(late.previousResponseId()).hasValue(asked.id());
            RecordedRequest sent = model.responsesRequests().get(model.responsesRequests().size() - 1);
            assertThat(sent.lastUserText()).hasValueSatisfying(t -> assertThat(t).contains("weather [" + call.callId() + "]")
                    .contains("came after that turn had stopped waiting").endsWith("drizzle, 14 C"));
            int requests = model.responsesRequests().size();
            assertThatThrownBy(() -> patient.responses().create(lateOutput)).isInstanceOf(BadRequestException.class)
                    .hasMessageContaining("not the newest");
            assertThat(model.responsesRequests()).as("the output sent again ran nothing").hasSize(requests);
        } finally {
            patient.close();
        }
    }

    /**
     * The history re-sent with the output of a call whose wait ran out, without
     * {@code previous_response_id} (the Agents SDK's and the AI SDK's way): it goes to a new thread
     * as any history the door did not answer, the call as history and the output as the new input,
     * saying it came late (decision 0137); sent again, a resend, refused with nothing run.
     */
    @Test
    void aHistoryReSentWithAnOutputThatCameAfterTheWaitGoesToANewThreadWithTheOutputAsInput() throws Exception {
        OpenAIClient patient = client(impatient, ALICE);
        try {
            ResponseFunctionToolCall call = onlyCall(askedAndNotWaitedFor(patient, "Lima", "Late, but: mist in Lima."));

            ResponseCreateParams history = withWeather().inputOfResponse(List.of(ResponseInputItem.ofMessage(
                    ResponseInputItem.Message.builder().role(ResponseInputItem.Message.Role.USER).addInputTextContent("weather in Lima?")
                            .build()), ResponseInputItem.ofFunctionCall(call), output(call.callId(), "mist, 17 C"))).build();

            Response late = patient.responses().create(history);

            assertThat(text(late)).isEqualTo("Late, but: mist in Lima.");
            assertThat(late.previousResponseId()).isEmpty();
            String sent = model.responsesRequests().get(model.responsesRequests().size() - 1).lastUserText().orElseThrow();
            assertThat(sent).contains("weather in Lima?").contains("called weather").contains("came after that turn had stopped waiting")
                    .endsWith("mist, 17 C");
            // sent again: given once already, a resend — refused, not a second thread
            int requests = model.responsesRequests().size();
            assertThatThrownBy(() -> patient.responses().create(history)).isInstanceOf(NotFoundException.class);
            assertThat(model.responsesRequests()).as("the resend ran nothing").hasSize(requests);
        } finally {
            patient.close();
        }
    }

    static ResponseOutputItem.McpApprovalRequest approvalRequest(Response r) {
        List<ResponseOutputItem.McpApprovalRequest> asked = r.output().stream().filter(ResponseOutputItem::isMcpApprovalRequest)
                .map(ResponseOutputItem::asMcpApprovalRequest).toList();
        assertThat(asked).hasSize(1);
        return asked.get(0);
    }

    static ResponseInputItem approval(String id, boolean approve) {
        return ResponseInputItem.ofMcpApprovalResponse(ResponseInputItem.McpApprovalResponse.builder().approvalRequestId(id)
                .approve(approve).build());
    }

    private static int indexOf(List<ResponseStreamEvent> events, java.util.function.Predicate<ResponseStreamEvent> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event among " + events.size());
    }

    @Test
    void withoutCodexsExperimentalApiFunctionToolsAreRefusedAsTheRequestsFaultNotSendAgain() throws Exception {
        // an embedder's shared client opened without the experimental API: every request with tools is refused alike,
        // so the caller is told so (400 on tools, which no SDK sends again), not "send again" (503) forever
        try (CodexClient plain = live.codex().options().toBuilder().experimentalApi(false).connect()) {
            CodexGateway gateway = CodexGateway.builder().client(plain)
                    .configure(b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
            try (OpenAiServer door = OpenAiServer.builder().gateway(gateway).authenticator(BearerTokens.of(Map.of(ALICE, "alice")))
                    .start()) {
                OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(ALICE).timeout(Duration.ofSeconds(120))
                        .build();
                try {
                    int asked = model.responsesRequests().size();
                    assertThatThrownBy(() -> sdk.responses().create(withWeather().input("weather in Oslo?").build()))
                            .isInstanceOfSatisfying(BadRequestException.class, e -> {
                                assertThat(e.statusCode()).isEqualTo(400);
                                assertThat(e.getMessage()).contains("experimental API").contains("without tools");
                            });
                    // the same door serves a request without tools, and the refused one never reached the model
                    model.enqueue(ModelReply.message("No tools needed."));
                    Response plainTurn = sdk.responses().create(ResponseCreateParams.builder().model("codex").input("hello").build());
                    assertThat(text(plainTurn)).isEqualTo("No tools needed.");
                    assertThat(model.responsesRequests()).hasSize(asked + 1);
                } finally {
                    sdk.close();
                }
            }
        }
    }
}
