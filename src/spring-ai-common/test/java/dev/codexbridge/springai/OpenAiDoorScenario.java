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
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;

/**
 * What each Spring AI generation's own OpenAI chat model does against codex-bridge's OpenAI door
 * (its module's {@code OpenAiDoorLiveTest} makes the model): the real pinned codex behind the door
 * on the scripted model, through a {@link ChatClient} — a call, a stream, and a {@code @Tool} codex
 * calls, run by Spring AI in the application, its result going on in the same codex turn.
 */
final class OpenAiDoorScenario {
    private static final String KEY = "spring-ai-key-0123456789abcdef";

    private OpenAiDoorScenario() {
    }

    /** Runs it in {@code tmp}; {@code model} makes the chat model for the door's address and the key. */
    static void run(Path tmp, BiFunction<URI, String, ChatModel> model) throws Exception {
        try (LiveCodex live = new LiveCodex(tmp, h -> { });
             CodexClient codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                     .codexHome(live.home).build()).experimentalApi(true).connect();
             OpenAiServer door = OpenAiServer.builder().gateway(CodexGateway.builder().client(codex)
                             .configure(b -> b.cwd(live.work).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO))).build())
                     .models(OpenAiModels.of(codex)).authenticator(BearerTokens.of(Map.of(KEY, "spring-ai"))).start()) {
            ChatClient chat = ChatClient.builder(model.apply(door.uri(), KEY)).build();

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
}
