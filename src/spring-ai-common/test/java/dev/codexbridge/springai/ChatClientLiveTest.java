package dev.codexbridge.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * An application written as Spring AI's documentation shows, on the real codex and a scripted
 * model: on both Spring AI generations (1.1 runs the tools inside the model, 2.0 hands them to
 * ChatClient's tool-calling advisor). What a generation does its own way is in its module's
 * {@code CallerRunsToolLiveTest}.
 */
class ChatClientLiveTest {
    @TempDir
    Path tmp;

    /** Also the tools of each module's {@code CallerRunsToolLiveTest}. */
    static final class WeatherTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(description = "The weather in a city today")
        String weather(@ToolParam(description = "the city") String city) {
            calls.add("weather(" + city + ")");
            return "Sunny, 24 degrees in " + city;
        }

        @Tool(description = "The local time in a city")
        String localTime(@ToolParam(description = "the city") String city) {
            calls.add("localTime(" + city + ")");
            return "14:05";
        }
    }

    private static ChatClient chatClient(CodexChatModel model, ChatMemory memory) {
        return ChatClient.builder(model)
                .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build(), CodexConversationAdvisor.create())
                .build();
    }

    @Test
    void aToolCallMidTurnRunsTheApplicationsToolAndTheNextPromptGoesOnOnTheSameThread() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-weather-1", "weather", Json.object().put("city", "Paris")).build(),
                    ModelReply.message("It is sunny in Paris, 24 degrees."),
                    ModelReply.message("You asked about the weather in Paris."));
            WeatherTools tools = new WeatherTools();
            ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(20).build();
            ChatClient chat = chatClient(model, memory);

            ChatResponse first = chat.prompt().user("What is the weather in Paris?").tools(tools)
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "alice")).call().chatResponse();

            assertThat(first.getResult().getOutput().getText()).isEqualTo("It is sunny in Paris, 24 degrees.");
            assertThat(tools.calls).containsExactly("weather(Paris)");
            List<Message> held = memory.get("alice");
            assertThat(held).hasSize(2);
            assertThat(held.get(0)).isInstanceOfSatisfying(UserMessage.class,
                    u -> assertThat(u.getText()).isEqualTo("What is the weather in Paris?"));
            assertThat(held.get(1)).isInstanceOfSatisfying(AssistantMessage.class,
                    a -> assertThat(a.getText()).isEqualTo("It is sunny in Paris, 24 degrees."));
            // codex gave the model the application's result within the same turn
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-weather-1"))
                    .hasValueSatisfying(out -> assertThat(out).contains("Sunny, 24 degrees in Paris"));
            // the application's tools are offered to the model as codex dynamic tools
            assertThat(codex.model.responsesRequests().get(0).toolNames()).contains("weather", "localTime");
            String thread = model.threadId("alice").orElseThrow();
            assertThat(CodexMetadata.threadId(first)).hasValue(thread);
            assertThat(CodexMetadata.outcome(first)).hasValue(TurnOutcome.COMPLETED);

            String second = chat.prompt().user("What did I ask you?").tools(tools)
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "alice")).call().content();

            assertThat(second).isEqualTo("You asked about the weather in Paris.");
            assertThat(model.threadId("alice")).hasValue(thread);
            RecordedRequest third = codex.model.responsesRequests().get(2);
            // the model sees the whole conversation from codex's thread, each message once: the adapter sent only the new one
            assertThat(third.userTexts()).containsOnlyOnce("What is the weather in Paris?");
            assertThat(third.lastUserText()).hasValue("What did I ask you?");
            assertThat(third.functionCallOutput("call-weather-1")).isPresent();
            assertThat(memory.get("alice")).hasSize(4);
            assertThat(tools.calls).containsExactly("weather(Paris)");
        }
    }

    static final class BrokenTools {
        @Tool(description = "The weather in a city today")
        String weather(@ToolParam(description = "the city") String city) {
            throw new IllegalStateException("the weather station of " + city + " is offline");
        }
    }

    @Test
    void aToolThatThrowsTellsCodexWhy() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-weather-2", "weather", Json.object().put("city", "Bern")).build(),
                    ModelReply.message("The weather station is offline."));

            String answer = chatClient(model, MessageWindowChatMemory.builder().build()).prompt().user("Weather in Bern?")
                    .tools(new BrokenTools()).advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "lea")).call().content();

            assertThat(answer).isEqualTo("The weather station is offline.");
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-weather-2"))
                    .hasValueSatisfying(out -> assertThat(out).contains("the weather station of Bern is offline"));
        }
    }

    @Test
    void twoConversationIdsAreTwoThreadsAndAConversationKeepsItsSystemMessage() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(ModelReply.message("Hello Hana."), ModelReply.message("Hello Ivo."));
            ChatClient chat = chatClient(model, MessageWindowChatMemory.builder().build());

            assertThat(chat.prompt().system("Be brief.").user("I am Hana").advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "hana"))
                    .call().content()).isEqualTo("Hello Hana.");
            assertThat(chat.prompt().system("Be brief.").user("I am Ivo").advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "ivo"))
                    .call().content()).isEqualTo("Hello Ivo.");

            assertThat(model.threadId("hana")).isPresent().isNotEqualTo(model.threadId("ivo"));
            assertThat(codex.model.responsesRequests().get(0).bodyJson()).contains("Be brief.");     // the thread's instructions
            assertThat(codex.model.responsesRequests().get(1).userTexts()).noneMatch(t -> t.contains("Hana"));
            assertThatThrownBy(() -> chat.prompt().system("Be verbose.").user("Still Hana")
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "hana")).call().content())
                    .isInstanceOf(CodexPromptException.class).hasMessageContaining("system message of conversation \"hana\" changed");
            assertThat(codex.model.responsesRequests()).hasSize(2);
        }
    }

    record Forecast(String city, int degrees) {
    }

    @Test
    void nativeStructuredOutputHandsTheEntitysSchemaToCodex() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(ModelReply.message("{\"city\":\"Oslo\",\"degrees\":7}"));
            ChatClient chat = chatClient(model, MessageWindowChatMemory.builder().build());

            Forecast forecast = chat.prompt().user("The forecast for Oslo").advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "judy")).call().entity(Forecast.class);

            assertThat(forecast).isEqualTo(new Forecast("Oslo", 7));
            RecordedRequest request = codex.model.responsesRequests().get(0);
            // the schema went to the model as codex's structured output, not as format instructions in the message
            assertThat(request.body().path("text").path("format").path("schema").path("properties").has("degrees")).isTrue();
            assertThat(request.lastUserText()).hasValue("The forecast for Oslo");
        }
    }

    @Test
    void streamingYieldsTheDeltasAndTheWholeAnswer() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(ModelReply.builder().streamedMessage(List.of("Bonjour", ", ", "Paris", "!")).build());
            ChatClient chat = chatClient(model, MessageWindowChatMemory.builder().build());

            List<String> pieces = chat.prompt().user("Greet Paris").advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "carol"))
                    .stream().content().collectList().block(Duration.ofSeconds(90));

            assertThat(pieces).containsExactly("Bonjour", ", ", "Paris", "!");
            assertThat(String.join("", pieces)).isEqualTo("Bonjour, Paris!");
        }
    }

    @Test
    void aStreamedAnswerAfterAToolCallComesFromTheSameCodexTurn() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-time-1", "localTime", Json.object().put("city", "Lima")).build(),
                    ModelReply.builder().streamedMessage(List.of("It is ", "14:05 ", "in Lima.")).build());
            WeatherTools tools = new WeatherTools();
            ChatMemory memory = MessageWindowChatMemory.builder().build();

            List<String> pieces = chatClient(model, memory).prompt().user("What time is it in Lima?").tools(tools)
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "frank")).stream().content().collectList()
                    .block(Duration.ofSeconds(90));

            assertThat(String.join("", pieces)).isEqualTo("It is 14:05 in Lima.");
            assertThat(tools.calls).containsExactly("localTime(Lima)");
            assertThat(codex.model.responsesRequests()).hasSize(2);
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-time-1")).hasValueSatisfying(
                    out -> assertThat(out).contains("14:05"));
            assertThat(memory.get("frank")).extracting(Message::getText).containsExactly("What time is it in Lima?",
                    "It is 14:05 in Lima.");
        }
    }

    @Test
    void aCommandThePolicyDeclinesNeverRunsAndTheResponseSaysSo() throws Exception {
        Path marker = tmp.resolve("marker.txt");
        try (LiveCodex codex = new LiveCodex(tmp, h -> h.askForApproval("on-request"));
             CodexChatModel model = codex.chatModel().build()) {      // the default policy: fail closed
            codex.model.enqueue(
                    ModelReply.builder().execCommandEscalated("call-touch", "touch " + marker, "needs to write the marker").build(),
                    ModelReply.message("I was not allowed to write the marker."));
            ChatClient chat = chatClient(model, MessageWindowChatMemory.builder().build());

            ChatResponse response = chat.prompt().user("Write the marker").advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "dave"))
                    .call().chatResponse();

            assertThat(Files.exists(marker)).isFalse();
            assertThat(response.getResult().getOutput().getText()).isEqualTo("I was not allowed to write the marker.");
            List<TranscriptMessage> work = CodexMetadata.work(response);
            assertThat(work).anySatisfy(m -> assertThat(m.toolCalls()).isNotEmpty());
            assertThat(work).anySatisfy(m -> {
                assertThat(m.role()).isEqualTo(TranscriptMessage.Role.TOOL);
                assertThat(m.content()).startsWith("[declined");
            });
            assertThat((String) response.getResult().getOutput().getMetadata().get(CodexMetadata.WORK_TEXT)).contains("touch");
        }
    }

    /**
     * A codex home whose config.toml says {@code approval_policy = "never"} and lets commands write
     * the workspace: a plain command, not asking to leave the sandbox, still goes to the
     * application's policy, which declines it, and it does not run.
     */
    @Test
    void aCodexHomeThatNeverAsksStillLeavesTheCommandToThePolicy() throws Exception {
        List<ApprovalRequest> asked = new CopyOnWriteArrayList<>();
        ApprovalPolicy declineAll = ApprovalPolicy.builder().handler(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(ApprovalDecision.deny("not in this application"));
        }).build();
        try (LiveCodex codex = new LiveCodex(tmp, h -> h.askForApproval("never").sandboxMode("workspace-write"));
             CodexChatModel model = codex.chatModel().approvals(declineAll).build()) {
            Path marker = codex.work.resolve("marker.txt");
            codex.model.enqueue(
                    ModelReply.builder().execCommand("call-touch", "touch " + marker).build(),
                    ModelReply.message("I was not allowed to write the marker."));

            chatClient(model, MessageWindowChatMemory.builder().build()).prompt().user("Write the marker")
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "erin")).call().chatResponse();

            assertThat(asked).as("the application's policy was asked").singleElement()
                    .satisfies(r -> assertThat(r.toString()).contains("touch"));
            assertThat(marker).doesNotExist();
        }
    }

    @Test
    void aNewModelOnTheSameThreadStoreResumesTheConversationsThread() throws Exception {
        Path storeFile = tmp.resolve("threads.properties");
        ChatMemory memory = MessageWindowChatMemory.builder().build();
        try (LiveCodex codex = new LiveCodex(tmp, h -> { })) {
            codex.model.enqueue(ModelReply.message("Noted: your name is Erin."), ModelReply.message("Your name is Erin."));
            String thread;
            try (CodexChatModel before = codex.chatModel().threadStore(ThreadStore.file(storeFile)).build()) {
                chatClient(before, memory).prompt().user("My name is Erin.").advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "erin"))
                        .call().content();
                thread = before.threadId("erin").orElseThrow();
            }
            try (CodexChatModel after = codex.chatModel().threadStore(ThreadStore.file(storeFile)).build()) {
                assertThat(after.threadId("erin")).hasValue(thread);

                String answer = chatClient(after, memory).prompt().user("What is my name?")
                        .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "erin")).call().content();

                assertThat(answer).isEqualTo("Your name is Erin.");
                assertThat(after.session("erin").orElseThrow().threadId()).isEqualTo(thread);
                RecordedRequest second = codex.model.responsesRequests().get(1);
                // the resumed thread brought the first exchange; the adapter sent only the new message
                assertThat(second.userTexts()).containsOnlyOnce("My name is Erin.");
                assertThat(second.lastUserText()).hasValue("What is my name?");
            }
        }
    }
}
