package dev.codexbridge.springai;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;

/**
 * Spring AI 1.1's own OpenAI chat model (spring-ai-openai 1.1: Chat Completions over Spring's
 * RestClient, streams over WebClient) pointed at codex-bridge's OpenAI door
 * ({@link OpenAiDoorScenario}: a call, a stream, a tool).
 */
class OpenAiDoorLiveTest {
    @TempDir
    Path tmp;

    @Test
    void springAi11sOpenAiModelCallsStreamsAndRunsToolsThroughTheDoor() throws Exception {
        OpenAiDoorScenario.run(tmp, (door, key) -> model(door.toString().replaceAll("/$", ""), key));
    }

    /** docs/openai.md's Spring AI 1.1 lines, compiled here (DocsJavaBlocksTest). */
    static OpenAiChatModel model(String doorUrl, String key) {
        // docs/openai.md#spring-ai-1:BEGIN
        OpenAiApi api = OpenAiApi.builder().baseUrl(doorUrl).apiKey(key).build();    // the door's address, without /v1
        OpenAiChatModel model = OpenAiChatModel.builder().openAiApi(api)
                .defaultOptions(OpenAiChatOptions.builder().model("codex").streamUsage(true).build()).build();
        // docs/openai.md#spring-ai-1:END
        return model;
    }
}
