package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ModelReply;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Codex calling the application's tools: several in one model response, over streaming, and a result that never comes. */
class ToolCallsLiveTest {
    @TempDir
    Path tmp;

    interface StreamingAssistant {
        TokenStream chat(@MemoryId String user, @dev.langchain4j.service.UserMessage String message);
    }

    interface Assistant {
        String chat(@MemoryId String user, @dev.langchain4j.service.UserMessage String message);
    }

    static final class Calculator {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("Adds two numbers")
        int add(@P(name = "a", value = "first") int a, @P(name = "b", value = "second") int b) {
            calls.add(a + "+" + b);
            return a + b;
        }

        @Tool("Multiplies two numbers")
        int multiply(@P(name = "a", value = "first") int a, @P(name = "b", value = "second") int b) {
            calls.add(a + "*" + b);
            return a * b;
        }
    }

    @Test
    void twoToolCallsInOneModelResponseBothRunAndTheTurnGoesOn() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-add", "add", Json.object().put("a", 2).put("b", 3))
                            .dynamicToolCall("call-mul", "multiply", Json.object().put("a", 4).put("b", 5)).build(),
                    ModelReply.message("5 and 20."));
            Calculator calculator = new Calculator();
            dev.langchain4j.store.memory.chat.InMemoryChatMemoryStore memories = new dev.langchain4j.store.memory.chat.InMemoryChatMemoryStore();
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(chatModel)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.builder().id(id).maxMessages(20).chatMemoryStore(memories).build())
                    .chatRequestTransformer(CodexChatRequestParameters.memoryIdTransformer()).tools(calculator).build();

            assertThat(assistant.chat("carol", "2+3 and 4*5?")).isEqualTo("5 and 20.");
            assertThat(calculator.calls).containsExactlyInAnyOrder("2+3", "4*5");
            // each call reached the application and its result went back under codex's call id
            assertThat(memories.getMessages("carol")).filteredOn(ToolExecutionResultMessage.class::isInstance)
                    .extracting(m -> ((ToolExecutionResultMessage) m).id()).containsExactlyInAnyOrder("call-add", "call-mul");
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-add")).hasValueSatisfying(o -> assertThat(o).contains("5"));
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-mul")).hasValueSatisfying(o -> assertThat(o).contains("20"));
        }
    }

    @Test
    void aStreamingAssistantRunsTheToolAndStreamsTheAnswer() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-add", "add", Json.object().put("a", 20).put("b", 22)).build(),
                    ModelReply.builder().streamedMessage(List.of("The sum ", "is 42.")).build());
            Calculator calculator = new Calculator();
            StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class).streamingChatModel(chatModel)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                    .chatRequestTransformer(CodexChatRequestParameters.memoryIdTransformer()).tools(calculator).build();
            List<String> tokens = new CopyOnWriteArrayList<>();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();

            assistant.chat("dave", "What is 20+22?").onPartialResponse(tokens::add).onCompleteResponse(done::complete)
                    .onError(done::completeExceptionally).start();

            assertThat(done.get(60, TimeUnit.SECONDS).aiMessage().text()).isEqualTo("The sum is 42.");
            assertThat(String.join("", tokens)).isEqualTo("The sum is 42.");
            assertThat(calculator.calls).containsExactly("20+22");
        }
    }

    @Test
    void newUserInputInsteadOfTheToolsResultEndsTheWaitingTurnAndStartsAnother() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-left", "lookup", Json.object().put("q", "x")).build());
            ToolSpecification lookup = ToolSpecification.builder().name("lookup").description("Looks something up")
                    .parameters(JsonObjectSchema.builder().addStringProperty("q").build()).build();
            UserMessage question = UserMessage.from("Look x up.");
            ChatResponse first = chatModel.chat(ChatRequest.builder().messages(question).toolSpecifications(lookup).build());
            assertThat(first.aiMessage().toolExecutionRequests()).singleElement().satisfies(r -> assertThat(r.id()).isEqualTo("call-left"));
            String firstTurn = ((CodexChatResponseMetadata) first.metadata()).turnId();
            assertThat(firstTurn).isNotBlank();                 // codex named the turn in its call
            codex.model.enqueue(ModelReply.message("Never mind then."));

            ChatResponse next = chatModel.chat(ChatRequest.builder().messages(question, first.aiMessage(),
                    UserMessage.from("Forget it.")).toolSpecifications(lookup).build());

            assertThat(next.aiMessage().text()).isEqualTo("Never mind then.");
            assertThat(((CodexChatResponseMetadata) next.metadata()).turnId()).isNotEqualTo(firstTurn);
            assertThat(codex.model.responsesRequests()).last().satisfies(r -> assertThat(r.lastUserText()).hasValue("Forget it."));
        }
    }

    @Test
    void aToolResultThatNeverComesFailsTheCallAndCodexGoesOn() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().toolResultTimeout(Duration.ofSeconds(1)).build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-slow", "lookup", Json.object().put("q", "x")).build(),
                    ModelReply.message("The lookup did not answer."));
            ToolSpecification lookup = ToolSpecification.builder().name("lookup").description("Looks something up")
                    .parameters(JsonObjectSchema.builder().addStringProperty("q").build()).build();
            UserMessage question = UserMessage.from("Look x up.");

            ChatResponse first = chatModel.chat(ChatRequest.builder().messages(question).toolSpecifications(lookup).build());
            ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().get(0);
            assertThat(call.id()).isEqualTo("call-slow");
            codex.model.awaitResponsesRequests(2, Duration.ofSeconds(30));    // codex went on without the result

            ChatResponse late = chatModel.chat(ChatRequest.builder().messages(question, first.aiMessage(),
                    ToolExecutionResultMessage.from(call, "too late")).toolSpecifications(lookup).build());

            assertThat(late.aiMessage().text()).isEqualTo("The lookup did not answer.");
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-slow")).hasValueSatisfying(
                    o -> assertThat(o).contains("did not send the result of tool lookup"));
            assertThat(first.aiMessage()).isInstanceOf(AiMessage.class);
        }
    }
}
