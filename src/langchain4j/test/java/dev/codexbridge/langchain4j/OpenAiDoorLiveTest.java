package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.openai.OpenAiModels;
import dev.codexbridge.openai.OpenAiServer;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.testkit.ModelReply;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LangChain4j's own OpenAI chat models (langchain4j-open-ai, Chat Completions) pointed at
 * codex-bridge's OpenAI door, the real pinned codex behind it on the scripted model: a chat, a
 * streamed chat, and an AiServices assistant whose {@code @Tool} codex calls — the tool run by
 * LangChain4j in the application, its result going on in the same codex turn.
 */
class OpenAiDoorLiveTest {
    private static final String KEY = "lc4j-key-0123456789abcdef";

    @TempDir
    Path tmp;

    interface Assistant {
        String chat(String message);
    }

    static final class Weather {
        final List<String> asked = new CopyOnWriteArrayList<>();

        @Tool("The weather in a city")
        String weather(@P(name = "city", value = "the city") String city) {
            asked.add(city);
            return "sunny, 21 C in " + city;
        }
    }

    @Test
    void langChain4jsOpenAiModelsChatStreamAndCallToolsThroughTheDoor() throws Exception {
        try (LiveCodex live = new LiveCodex(tmp, h -> { });
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(live.home).build()).experimentalApi(true).connect();
             OpenAiServer door = OpenAiServer.builder().gateway(CodexGateway.builder().client(codex)
                             .configure(b -> b.cwd(live.work).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO))).build())
                     .models(OpenAiModels.of(codex)).authenticator(BearerTokens.of(Map.of(KEY, "lc4j"))).start()) {
            String base = door.uri() + "v1";
            ChatModel chat = OpenAiChatModel.builder().baseUrl(base).apiKey(KEY).modelName("codex").maxRetries(0)
                    .timeout(Duration.ofSeconds(90)).build();
            StreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey(KEY).modelName("codex")
                    .timeout(Duration.ofSeconds(90)).build();

            live.model.enqueue(ModelReply.message("Hello from codex."),
                    ModelReply.builder().streamedMessage(List.of("Streamed ", "through ", "the door.")).build());
            assertThat(chat.chat("say hello")).isEqualTo("Hello from codex.");
            assertThat(live.model.responsesRequests().get(0).lastUserText()).hasValueSatisfying(t -> assertThat(t).contains("say hello"));

            List<String> partials = new CopyOnWriteArrayList<>();
            ChatResponse streamed = streamed(streaming, ChatRequest.builder().messages(UserMessage.from("stream it")).build(), partials);
            assertThat(streamed.aiMessage().text()).isEqualTo("Streamed through the door.");
            assertThat(String.join("", partials)).isEqualTo("Streamed through the door.");
            assertThat(streamed.tokenUsage()).as("the usage chunk LangChain4j asks for").isNotNull();

            live.model.enqueue(ModelReply.builder().dynamicToolCall("call-oslo", "weather", Json.object().put("city", "Oslo")).build(),
                    ModelReply.message("It is sunny in Oslo."));
            Weather weather = new Weather();
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(chat).tools(weather).build();
            assertThat(assistant.chat("What is the weather in Oslo?")).isEqualTo("It is sunny in Oslo.");
            assertThat(weather.asked).as("LangChain4j ran the tool codex called").containsExactly("Oslo");
            // the tool's result went on in the same codex turn: the model got it as the call's output
            assertThat(live.model.responsesRequests().get(3).functionCallOutput("call-oslo"))
                    .hasValueSatisfying(o -> assertThat(o).contains("sunny, 21 C in Oslo"));
            assertThat(live.model.responsesRequests()).as("one model request per step, none sent twice").hasSize(4);
        }
    }

    /** docs/openai.md's LangChain4j lines, compiled here (DocsJavaBlocksTest). */
    static String docsExample(String key) {
        // docs/openai.md#langchain4j:BEGIN
        ChatModel model = OpenAiChatModel.builder().baseUrl("http://127.0.0.1:8080/v1").apiKey(key).modelName("codex").build();
        String answer = AiServices.builder(Assistant.class).chatModel(model).tools(new Weather()).build().chat("List the files");
        // docs/openai.md#langchain4j:END
        return answer;
    }

    private static ChatResponse streamed(StreamingChatModel model, ChatRequest request, List<String> partials) throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partialResponse) {
                partials.add(partialResponse);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        return done.get(90, TimeUnit.SECONDS);
    }
}
