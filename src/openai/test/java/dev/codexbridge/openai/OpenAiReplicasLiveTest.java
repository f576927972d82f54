package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.conversations.Conversation;
import com.openai.models.conversations.ConversationCreateParams;
import com.openai.models.conversations.ConversationUpdateParams;
import com.openai.models.conversations.items.ConversationItem;
import com.openai.models.conversations.items.ItemCreateParams;
import com.openai.models.conversations.items.ItemDeleteParams;
import com.openai.models.conversations.items.ItemListParams;
import com.openai.models.responses.EasyInputMessage;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseCreateParams;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of the door, each with its own codex and home, sharing one conversation store on
 * disk (decision 0126), through the official openai-java SDK with the scripted model: a response
 * one replica answered is read, listed, continued and deleted on the other — the conversation
 * moving to the other's codex through the store — another principal's read is 404, and the older
 * response is no longer continued where its answer came from; a chat history one answered, re-sent
 * to the other, goes on in its thread with only the new message sent to codex; a conversation of
 * the Conversations API runs on one thread whichever replica answers, its items in order; a turn
 * held for the caller's function output goes on with the output sent to either replica.
 */
class OpenAiReplicasLiveTest {
    private static final String ALICE = OpenAiJavaSdkLiveTest.ALICE;
    private static final String BOB = OpenAiJavaSdkLiveTest.BOB;

    private static Path dir;
    private static ScriptedModelServer model;
    private static CodexClient codexOfA;
    private static CodexClient codexOfB;
    private static DiskConversationStore storeOfA;
    private static DiskConversationStore storeOfB;
    private static OpenAiServer a;
    private static OpenAiServer b;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("openai-replicas");
        Path work = Files.createDirectories(dir.resolve("work"));
        model = ScriptedModelServer.start();
        codexOfA = codex(Files.createTempDirectory(dir, "home-a"));
        codexOfB = codex(Files.createTempDirectory(dir, "home-b"));
        // one store folder, opened by each replica as its own process would
        storeOfA = DiskConversationStore.open(dir.resolve("store"));
        storeOfB = DiskConversationStore.open(dir.resolve("store"));
        a = door(codexOfA, storeOfA, "replica-a", work);
        b = door(codexOfB, storeOfB, "replica-b", work);
    }

    private static CodexClient codex(Path home) throws Exception {
        return codex(home, model);
    }

    /** A codex of its own on {@code home}, answered by {@code model}: one replica's. */
    static CodexClient codex(Path home, ScriptedModelServer model) throws Exception {
        // asking for approval on request in a read-only sandbox: a command the model escalates is the caller's to approve
        IsolatedCodexHome.builder(home, model.baseUrl()).askForApproval("on-request").sandboxMode("read-only").write();
        // the experimental API carries the callers' function tools (as the CLI's openai command opens it)
        return CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .experimentalApi(true).connect();
    }

    /** One replica's door on {@code store}, with the doors' lease, alice's and bob's keys. */
    static OpenAiServer door(CodexClient codex, dev.codexbridge.store.ConversationStore store, String holder, Path work) {
        return door(codex, store, holder, work, dev.codexbridge.callers.Drain.DEFAULT_BOUND);
    }

    private static OpenAiServer door(CodexClient codex, dev.codexbridge.store.ConversationStore store, String holder, Path work,
                                     Duration drain) {
        CodexGateway gateway = CodexGateway.builder().client(codex).callerApprovals(true)
                .storage(ConversationStorage.builder(store, holder).leaseTime(ConversationStorage.DOORS_LEASE).build())
                .configure(s -> s.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
        return OpenAiServer.builder().gateway(gateway).authenticator(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob")))
                .drainTimeout(drain).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, storeOfA, storeOfB, codexOfA, codexOfB, model}) {
            if (c != null) {
                c.close();
            }
        }
        TestDirs.delete(dir);
    }

    @org.junit.jupiter.api.AfterEach
    void nothingLeftForTheNext() {
        model.discardRemaining();
    }

    private static OpenAIClient client(OpenAiServer door, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(key).timeout(Duration.ofSeconds(120)).maxRetries(0).build();
    }

    private static String text(Response r) {
        return OpenAiJavaSdkLiveTest.text(r);
    }

    private static RecordedRequest lastModelRequest() {
        List<RecordedRequest> all = model.responsesRequests();
        return all.get(all.size() - 1);
    }

    @Test
    void aResponseOneReplicaAnsweredIsReadContinuedAndDeletedOnTheOther() {
        model.enqueue(ModelReply.message("Marble, noted."), ModelReply.message("The word was marble."));
        OpenAIClient aliceOnA = client(a, ALICE);
        OpenAIClient aliceOnB = client(b, ALICE);
        Response first = aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("remember the word marble").build());
        assertThat(text(first)).isEqualTo("Marble, noted.");

        Response read = aliceOnB.responses().retrieve(first.id());
        assertThat(read.id()).isEqualTo(first.id());
        assertThat(text(read)).isEqualTo("Marble, noted.");
        assertThat(aliceOnB.responses().inputItems().list(first.id()).data()).singleElement()
                .satisfies(item -> assertThat(item.toString()).contains("remember the word marble"));
        assertThatThrownBy(() -> client(b, BOB).responses().retrieve(first.id())).as("another principal's id").isInstanceOf(NotFoundException.class);

        Response second = aliceOnB.responses().create(ResponseCreateParams.builder().model("gpt-5").input("which word?")
                .previousResponseId(first.id()).build());
        assertThat(text(second)).isEqualTo("The word was marble.");
        RecordedRequest asked = lastModelRequest();
        assertThat(asked.lastUserText()).hasValue("which word?");
        assertThat(asked.userTexts()).as("the conversation came to B's codex through the store").contains("remember the word marble");

        assertThatThrownBy(() -> aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("and again?")
                .previousResponseId(first.id()).build())).as("B went on from it: no longer the newest, on A too")
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains(second.id()));

        aliceOnB.responses().delete(first.id());
        assertThatThrownBy(() -> aliceOnA.responses().retrieve(first.id())).isInstanceOf(NotFoundException.class);
        assertThat(text(aliceOnA.responses().retrieve(second.id()))).isEqualTo("The word was marble.");
    }

    @Test
    void aChatHistoryOneReplicaAnsweredGoesOnInItsThreadOnTheOther() {
        model.enqueue(ModelReply.message("Harbor, noted."), ModelReply.message("The word was harbor."));
        String answer = client(a, ALICE).chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-5")
                .addUserMessage("remember the word harbor").build()).choices().get(0).message().content().orElseThrow();
        assertThat(answer).isEqualTo("Harbor, noted.");

        String next = client(b, ALICE).chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-5")
                .addUserMessage("remember the word harbor").addAssistantMessage(answer).addUserMessage("which word?").build())
                .choices().get(0).message().content().orElseThrow();
        assertThat(next).isEqualTo("The word was harbor.");
        RecordedRequest asked = lastModelRequest();
        assertThat(asked.lastUserText()).as("only the new message: the thread went on").hasValue("which word?");
        assertThat(asked.userTexts()).as("the thread's own first turn, from the store").contains("remember the word harbor");
    }

    @Test
    void aConversationRunsOnOneThreadFromEitherReplicaAndListsItsItemsInOrder() {
        model.enqueue(ModelReply.message("Cedar, noted."), ModelReply.message("Ada, cedar, Lisbon."));
        OpenAIClient aliceOnA = client(a, ALICE);
        OpenAIClient aliceOnB = client(b, ALICE);
        Conversation conv = aliceOnA.conversations().create(ConversationCreateParams.builder()
                .addItem(EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content("my name is Ada").build())
                .metadata(ConversationCreateParams.Metadata.builder().putAdditionalProperty("topic", JsonValue.from("names")).build()).build());
        assertThat(conv.id()).startsWith("conv_");
        assertThatThrownBy(() -> client(b, BOB).conversations().retrieve(conv.id())).as("another principal's").isInstanceOf(NotFoundException.class);

        Response first = aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("remember the word cedar")
                .conversation(conv.id()).build());
        assertThat(text(first)).isEqualTo("Cedar, noted.");
        assertThat(first.conversation()).hasValueSatisfying(c -> assertThat(c.id()).isEqualTo(conv.id()));
        assertThat(lastModelRequest().lastUserText()).hasValueSatisfying(t -> assertThat(t).contains("my name is Ada")
                .contains("remember the word cedar"));

        aliceOnB.conversations().items().create(conv.id(), ItemCreateParams.builder()
                .addItem(EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content("I live in Lisbon").build()).build());
        Response second = aliceOnB.responses().create(ResponseCreateParams.builder().model("gpt-5").input("what do you know?")
                .conversation(conv.id()).build());
        assertThat(text(second)).isEqualTo("Ada, cedar, Lisbon.");
        RecordedRequest asked = lastModelRequest();
        assertThat(asked.lastUserText()).hasValueSatisfying(t -> assertThat(t).contains("I live in Lisbon").contains("what do you know?")
                .doesNotContain("cedar"));
        assertThat(String.join("\n", asked.userTexts())).as("the thread went on, on B's codex, from the store")
                .contains("remember the word cedar");

        List<String> items = aliceOnA.conversations().items().list(conv.id(), ItemListParams.builder().order(ItemListParams.Order.ASC)
                .limit(100).build()).data().stream().filter(ConversationItem::isMessage).map(i -> i.asMessage().content().stream()
                        .map(c -> c.isInputText() ? c.asInputText().text() : c.isOutputText() ? c.asOutputText().text() : "")
                        .collect(Collectors.joining())).toList();
        assertThat(items).containsExactly("my name is Ada", "remember the word cedar", "Cedar, noted.", "I live in Lisbon",
                "what do you know?", "Ada, cedar, Lisbon.");

        String firstItem = aliceOnA.conversations().items().list(conv.id(), ItemListParams.builder().order(ItemListParams.Order.ASC)
                .build()).data().get(0).asMessage().id();
        assertThatThrownBy(() -> aliceOnB.conversations().items().delete(ItemDeleteParams.builder().conversationId(conv.id())
                .itemId(firstItem).build())).as("codex keeps what it was sent").isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("both?")
                .conversation(conv.id()).previousResponseId(second.id()).build())).isInstanceOf(BadRequestException.class);

        aliceOnA.conversations().update(conv.id(), ConversationUpdateParams.builder().metadata(ConversationUpdateParams.Metadata.builder()
                .putAdditionalProperty("topic", JsonValue.from("people")).build()).build());
        assertThat(aliceOnB.conversations().retrieve(conv.id())._metadata().toString()).contains("people");
        aliceOnB.conversations().delete(conv.id());
        assertThatThrownBy(() -> aliceOnA.conversations().retrieve(conv.id())).isInstanceOf(NotFoundException.class);
        assertThat(text(aliceOnA.responses().retrieve(second.id()))).as("its responses stay").isEqualTo("Ada, cedar, Lisbon.");
    }

    /**
     * A turn held for the caller's function output runs in the process whose codex asked, and its
     * conversation reaches the store only when that turn ends: the output sent to the other replica
     * is handed to the first through the store (decision 0136) and goes on with the same turn there —
     * answered on the replica it was sent to, readable on both. Another principal's output for the
     * same call is answered 404 with nothing run, the turn left waiting.
     */
    @Test
    void aFunctionOutputSentToTheReplicaNotHoldingItsTurnGoesOnWithThatTurn() {
        model.enqueue(ModelReply.builder().dynamicToolCall("call-tromso", "weather", Json.object().put("city", "Tromso"))
                .build(), ModelReply.message("Snow in Tromso."));
        Response first = client(a, ALICE).responses().create(OpenAiToolsLiveTest.withWeather().input("weather in Tromso?").build());
        ResponseFunctionToolCall call = OpenAiToolsLiveTest.onlyCall(first);
        int asked = model.responsesRequests().size();

        // bob cannot answer alice's call on either replica: 404, nothing reaches the model
        assertThatThrownBy(() -> client(b, BOB).responses().create(OpenAiToolsLiveTest.withWeather()
                .inputOfResponse(List.of(OpenAiToolsLiveTest.output(call.callId(), "sunny"))).build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        assertThat(model.responsesRequests()).as("nothing reached the model for another principal").hasSize(asked);

        Response second = client(b, ALICE).responses().create(OpenAiToolsLiveTest.withWeather().previousResponseId(first.id())
                .inputOfResponse(List.of(OpenAiToolsLiveTest.output(call.callId(), "snow, -3 C"))).build());
        assertThat(text(second)).isEqualTo("Snow in Tromso.");
        assertThat(second.previousResponseId()).hasValue(first.id());
        assertThat(lastModelRequest().functionCallOutput("call-tromso")).hasValueSatisfying(o -> assertThat(o).contains("snow, -3 C"));
        assertThat(model.responsesRequests()).as("the same turn went on: one model request for the output").hasSize(asked + 1);
        // the response is the conversation's newest on either replica
        assertThat(text(client(a, ALICE).responses().retrieve(second.id()))).isEqualTo("Snow in Tromso.");
        assertThat(text(client(b, ALICE).responses().retrieve(second.id()))).isEqualTo("Snow in Tromso.");
    }

    /**
     * The caller's approval of a command, sent to the replica not holding the turn that asked it
     * (the OpenAI Agents SDK's approval flow behind a load balancer): handed over, the command runs
     * there once, and the turn's answer comes back from the other replica.
     */
    @Test
    void anApprovalSentToTheReplicaNotHoldingItsTurnRunsTheCommandThere() {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-across", "touch across-marker", "Needs approval").build(),
                ModelReply.message("Made it across."));
        Response asked = client(a, ALICE).responses().create(OpenAiToolsLiveTest.answeringApprovals().input("make across").build());
        String request = OpenAiToolsLiveTest.approvalRequest(asked).id();
        assertThat(dir.resolve("work").resolve("across-marker")).as("asked, not run").doesNotExist();

        Response done = client(b, ALICE).responses().create(OpenAiToolsLiveTest.answeringApprovals().previousResponseId(asked.id())
                .inputOfResponse(List.of(OpenAiToolsLiveTest.approval(request, true))).build());

        assertThat(text(done)).isEqualTo("Made it across.");
        assertThat(dir.resolve("work").resolve("across-marker")).as("approved, run by the replica holding the turn").exists();
    }

    /**
     * The history re-sent with the output and no {@code previous_response_id}, as the AI SDK and the
     * Agents SDK send it, streamed, to the replica not holding the turn: the stream the SDK parses
     * ends with the turn's answer, made from the response once it ended there.
     */
    @Test
    void theHistoryReSentToTheOtherReplicaStreamedGoesOnWithTheHeldTurn() {
        model.enqueue(ModelReply.builder().dynamicToolCall("call-narvik", "weather", Json.object().put("city", "Narvik"))
                .build(), ModelReply.message("Wind in Narvik."));
        Response first = client(a, ALICE).responses().create(OpenAiToolsLiveTest.withWeather().input("weather in Narvik?").build());
        ResponseFunctionToolCall call = OpenAiToolsLiveTest.onlyCall(first);
        List<ResponseInputItem> history = List.of(ResponseInputItem.ofMessage(
                ResponseInputItem.Message.builder().role(ResponseInputItem.Message.Role.USER)
                        .addInputTextContent("weather in Narvik?").build()),
                ResponseInputItem.ofFunctionCall(call), OpenAiToolsLiveTest.output(call.callId(), "wind, 2 C"));
        List<ResponseStreamEvent> events;
        try (StreamResponse<ResponseStreamEvent> stream = client(b, ALICE).responses()
                .createStreaming(OpenAiToolsLiveTest.withWeather().inputOfResponse(history).build())) {
            events = stream.stream().toList();
        }
        assertThat(events.get(0).isCreated()).isTrue();
        Response second = events.get(events.size() - 1).asCompleted().response();
        assertThat(text(second)).isEqualTo("Wind in Narvik.");
        assertThat(events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                .map(e -> e.asOutputTextDelta().delta()).collect(Collectors.joining())).isEqualTo("Wind in Narvik.");
        assertThat(lastModelRequest().functionCallOutput("call-narvik")).hasValueSatisfying(o -> assertThat(o).contains("wind, 2 C"));
    }

    /**
     * Chat Completions, as Spring AI's and LangChain4j's OpenAI chat models drive a tool: the tool
     * message sent to the replica not holding the turn goes on with that turn (decision 0136), not
     * streamed and streamed; the completion and its chunks are the holding replica's answer.
     */
    @Test
    void aChatToolMessageSentToTheOtherReplicaGoesOnWithTheHeldTurnNotStreamedAndStreamed() {
        ChatCompletionFunctionTool tool = OpenAiToolsLiveTest.chatWeather();
        model.enqueue(ModelReply.builder().dynamicToolCall("call-bodo", "weather", Json.object().put("city", "Bodo")).build(),
                ModelReply.message("Rain in Bodo."));
        ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("codex").addTool(tool).addUserMessage("weather in Bodo?")
                .build();
        ChatCompletionMessage asked = client(a, ALICE).chat().completions().create(ask).choices().get(0).message();
        ChatCompletionMessageFunctionToolCall call = asked.toolCalls().orElseThrow().get(0).asFunction();
        ChatCompletion second = client(b, ALICE).chat().completions().create(ask.toBuilder().addMessage(asked)
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("rain, 6 C").build()).build());
        assertThat(second.choices().get(0).message().content()).hasValue("Rain in Bodo.");
        assertThat(second.choices().get(0).finishReason().asString()).isEqualTo("stop");
        assertThat(lastModelRequest().functionCallOutput("call-bodo")).hasValueSatisfying(o -> assertThat(o).contains("rain, 6 C"));

        model.enqueue(ModelReply.builder().dynamicToolCall("call-alta", "weather", Json.object().put("city", "Alta")).build(),
                ModelReply.builder().streamedMessage(List.of("Clear ", "in Alta.")).build());
        ChatCompletionCreateParams askAlta = ChatCompletionCreateParams.builder().model("codex").addTool(tool)
                .addUserMessage("weather in Alta?").build();
        ChatCompletionMessage askedAlta = client(a, ALICE).chat().completions().create(askAlta).choices().get(0).message();
        ChatCompletionMessageFunctionToolCall alta = askedAlta.toolCalls().orElseThrow().get(0).asFunction();
        ChatCompletionAccumulator answer = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client(b, ALICE).chat().completions().createStreaming(askAlta.toBuilder()
                .addMessage(askedAlta).addMessage(ChatCompletionToolMessageParam.builder().toolCallId(alta.id()).content("clear, -8 C")
                        .build()).build())) {
            stream.stream().forEach(answer::accumulate);
        }
        assertThat(answer.chatCompletion().choices().get(0).message().content()).hasValue("Clear in Alta.");
        assertThat(lastModelRequest().functionCallOutput("call-alta")).hasValueSatisfying(o -> assertThat(o).contains("clear, -8 C"));
    }

    /**
     * Turns held for the caller's function output and tool message on a replica that stops — its
     * drain runs out and interrupts them, the conversations stored and let go — as in a rolling
     * deploy: the output and the tool message sent to the other replica are taken by no one within
     * the hand-over's wait and go to codex there as a new turn's input on the same conversation,
     * saying which call they answer (decision 0137). The caller's work reaches the model; the
     * conversation's history is the stopped turn's.
     */
    @Test
    void outputsForTurnsWhoseReplicaStoppedGoOnAsNewInputOnTheOther() throws Exception {
        ChatCompletionCreateParams askVardo = ChatCompletionCreateParams.builder().model("codex").addTool(OpenAiToolsLiveTest.chatWeather())
                .addUserMessage("weather in Vardo?").build();
        try (CodexClient codexOfC = codex(Files.createTempDirectory(dir, "home-c"))) {
            OpenAiServer c = door(codexOfC, storeOfA, "replica-c", dir.resolve("work"), Duration.ofMillis(300));
            Response first;
            ChatCompletionMessage askedChat;
            try {
                model.enqueue(ModelReply.builder().dynamicToolCall("call-hammerfest", "weather", Json.object().put("city", "Hammerfest"))
                        .build());
                first = client(c, ALICE).responses().create(OpenAiToolsLiveTest.withWeather().input("weather in Hammerfest?").build());
                model.enqueue(ModelReply.builder().dynamicToolCall("call-vardo", "weather", Json.object().put("city", "Vardo")).build());
                askedChat = client(c, ALICE).chat().completions().create(askVardo).choices().get(0).message();
            } finally {
                c.close();
            }
            ResponseFunctionToolCall call = OpenAiToolsLiveTest.onlyCall(first);
            ChatCompletionMessageFunctionToolCall chatCall = askedChat.toolCalls().orElseThrow().get(0).asFunction();
            model.discardRemaining();
            model.enqueue(ModelReply.message("Fog in Hammerfest."));

            Response second = client(b, ALICE).responses().create(OpenAiToolsLiveTest.withWeather().previousResponseId(first.id())
                    .inputOfResponse(List.of(OpenAiToolsLiveTest.output(call.callId(), "fog, 1 C"))).build());

            assertThat(text(second)).isEqualTo("Fog in Hammerfest.");
            assertThat(second.previousResponseId()).hasValue(first.id());
            assertThat(lastModelRequest().lastUserText()).hasValueSatisfying(t -> assertThat(t).contains("weather [" + call.callId() + "]")
                    .endsWith("fog, 1 C"));
            assertThat(lastModelRequest().userTexts()).as("the stopped turn's conversation went on")
                    .anySatisfy(t -> assertThat(t).contains("weather in Hammerfest?"));

            model.enqueue(ModelReply.message("Sleet in Vardo."));
            ChatCompletion chat = client(b, ALICE).chat().completions().create(askVardo.toBuilder().addMessage(askedChat)
                    .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(chatCall.id()).content("sleet, 0 C").build()).build());

            assertThat(chat.choices().get(0).message().content()).hasValue("Sleet in Vardo.");
            assertThat(lastModelRequest().lastUserText()).hasValueSatisfying(t -> assertThat(t)
                    .isEqualTo("output of [" + chatCall.id() + "]: sleet, 0 C"));
            assertThat(lastModelRequest().userTexts()).as("the chat's thread went on").anySatisfy(t -> assertThat(t)
                    .contains("weather in Vardo?"));
        }
    }
}
