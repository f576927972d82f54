package dev.codexbridge.springai;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Spring AI 2.0's own OpenAI chat model (spring-ai-openai, Chat Completions on the openai-java SDK)
 * pointed at codex-bridge's OpenAI door ({@link OpenAiDoorScenario}: a call, a stream, a tool).
 */
class OpenAiDoorLiveTest {
    @TempDir
    Path tmp;

    @Test
    void springAisOpenAiModelCallsStreamsAndRunsToolsThroughTheDoor() throws Exception {
        OpenAiDoorScenario.run(tmp, (door, key) -> OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                .baseUrl(door + "v1").apiKey(key).model("codex").maxRetries(0).timeout(Duration.ofSeconds(90)).streamUsage(true).build())
                .build());
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
