package dev.codexbridge.springai;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Spring AI's own OpenAI chat model (spring-ai-openai, Chat Completions on the openai-java SDK)
 * pointed at codex-bridge's OpenAI door, the real pinned codex behind it on the scripted model,
 * through a {@link ChatClient}: a call, a stream, and a {@code @Tool} codex calls — run by Spring AI
 * in the application, its result going on in the same codex turn.
 */
class OpenAiDoorLiveTest {
    private static final String KEY = "spring-ai-key-0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void springAisOpenAiModelCallsStreamsAndRunsToolsThroughTheDoor() throws Exception {
        try (LiveCodex live = new LiveCodex(tmp, h -> { });
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(live.home).build()).experimentalApi(true).connect();
             OpenAiServer door = OpenAiServer.builder().gateway(CodexGateway.builder().client(codex)
                             .configure(b -> b.cwd(live.work).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO))).build())
                     .models(OpenAiModels.of(codex)).authenticator(BearerTokens.of(Map.of(KEY, "spring-ai"))).start()) {
            OpenAiChatModel model = OpenAiChatModel.builder().options(OpenAiChatOptions.builder().baseUrl(door.uri() + "v1").apiKey(KEY)
                    .model("codex").maxRetries(0).timeout(Duration.ofSeconds(90)).streamUsage(true).build()).build();
            ChatClient chat = ChatClient.builder(model).build();

            live.model.enqueue(ModelReply.message("Hello from codex."),
                    ModelReply.builder().streamedMessage(List.of("Streamed ", "through ", "the door.")).build());
            assertThat(chat.prompt("say hello").call().content()).isEqualTo("Hello from codex.");
            assertThat(live.model.responsesRequests().get(0).lastUserText()).hasValueSatisfying(t -> assertThat(t).contains("say hello"));
            List<String> parts = chat.prompt("stream it").stream().content().collectList().block(Duration.ofSeconds(90));
            assertThat(String.join("", parts)).isEqualTo("Streamed through the door.");

            live.model.enqueue(ModelReply.builder().dynamicToolCall("call-oslo", "weather", Json.object().put("city", "Oslo")).build(),
                    ModelReply.message("It is sunny in Oslo."));
            ChatClientLiveTest.WeatherTools tools = new ChatClientLiveTest.WeatherTools();
            assertThat(chat.prompt("What is the weather in Oslo?").tools(tools).call().content()).isEqualTo("It is sunny in Oslo.");
            assertThat(tools.calls).as("Spring AI ran the tool codex called").containsExactly("weather(Oslo)");
            // the tool's result went on in the same codex turn: the model got it as the call's output
            assertThat(live.model.responsesRequests().get(3).functionCallOutput("call-oslo"))
                    .hasValueSatisfying(o -> assertThat(o).contains("Sunny, 24 degrees in Oslo"));
            assertThat(live.model.responsesRequests()).as("one model request per step, none sent twice").hasSize(4);
        }
    }

    /** docs/openai.md's Spring AI lines, compiled here (DocsJavaBlocksTest). */
    static String docsExample(String key) {
        // docs/openai.md#spring-ai:BEGIN
        OpenAiChatModel model = OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                .baseUrl("http://127.0.0.1:8080/v1").apiKey(key).model("codex").build()).build();
        String answer = ChatClient.builder(model).build().prompt("List the files").call().content();
        // docs/openai.md#spring-ai:END
        return answer;
    }
}
