package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.store.memory.chat.InMemoryChatMemoryStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An application written as LangChain4j's documentation shows, on the real codex and a scripted model. */
class AiServicesLiveTest {
    @TempDir
    Path tmp;

    interface Assistant {
        String chat(@MemoryId String user, @UserMessage String message);
    }

    static final class WeatherTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("The weather in a city today")
        String weather(@P(name = "city", value = "the city") String city) {
            calls.add("weather(" + city + ")");
            return "Sunny, 24 degrees in " + city;
        }

        @Tool("The local time in a city")
        String localTime(@P(name = "city", value = "the city") String city) {
            calls.add("localTime(" + city + ")");
            return "14:05";
        }
    }

    @Test
    void aToolCallMidTurnRunsTheApplicationsToolAndTheNextChatGoesOnOnTheSameThread() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-weather-1", "weather", Json.object().put("city", "Paris")).build(),
                    ModelReply.message("It is sunny in Paris, 24 degrees."),
                    ModelReply.message("You asked about the weather in Paris."));
            WeatherTools tools = new WeatherTools();
            InMemoryChatMemoryStore memories = new InMemoryChatMemoryStore();
            ChatMemoryProvider memory = id -> MessageWindowChatMemory.builder().id(id).maxMessages(20).chatMemoryStore(memories).build();
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(chatModel).chatMemoryProvider(memory)
                    .chatRequestTransformer(CodexChatRequestParameters.memoryIdTransformer())
                    .tools(tools).build();

            String answer = assistant.chat("alice", "What is the weather in Paris?");

            assertThat(answer).isEqualTo("It is sunny in Paris, 24 degrees.");
            assertThat(tools.calls).containsExactly("weather(Paris)");
            List<ChatMessage> held = memories.getMessages("alice");
            assertThat(held).hasSize(4);
            assertThat(held.get(0)).isInstanceOf(dev.langchain4j.data.message.UserMessage.class);
            assertThat(((AiMessage) held.get(1)).toolExecutionRequests()).singleElement()
                    .satisfies(r -> {
                        assertThat(r.id()).isEqualTo("call-weather-1");        // codex's call id
                        assertThat(r.name()).isEqualTo("weather");
                        assertThat(Json.parse(r.arguments()).path("city").asText()).isEqualTo("Paris");
                    });
            assertThat(((ToolExecutionResultMessage) held.get(2)).text()).isEqualTo("Sunny, 24 degrees in Paris");
            assertThat(((AiMessage) held.get(3)).text()).isEqualTo("It is sunny in Paris, 24 degrees.");
            // codex gave the model the application's result within the same turn
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-weather-1"))
                    .hasValueSatisfying(out -> assertThat(out).contains("Sunny, 24 degrees in Paris"));
            // the application's tools are offered to the model as codex dynamic tools
            assertThat(codex.model.responsesRequests().get(0).toolNames()).contains("weather", "localTime");
            String thread = chatModel.threadId("alice").orElseThrow();

            String second = assistant.chat("alice", "What did I ask you?");

            assertThat(second).isEqualTo("You asked about the weather in Paris.");
            assertThat(chatModel.threadId("alice")).hasValue(thread);
            RecordedRequest third = codex.model.responsesRequests().get(2);
            // the model sees the whole conversation from codex's thread, each message once: the adapter sent only the new one
            assertThat(third.userTexts()).containsOnlyOnce("What is the weather in Paris?");
            assertThat(third.lastUserText()).hasValue("What did I ask you?");
            assertThat(third.functionCallOutput("call-weather-1")).isPresent();
            assertThat(memories.getMessages("alice")).hasSize(6);
            assertThat(tools.calls).containsExactly("weather(Paris)");
        }
    }
}
