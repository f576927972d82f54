package dev.codexbridge.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ModelReply;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.support.ToolCallbacks;

/**
 * With internal tool execution off, the caller runs codex's tool call and answers it with its next
 * prompt (Spring AI 1.1, whose models run tools themselves otherwise).
 */
class CallerRunsToolLiveTest {
    @TempDir
    Path tmp;

    @Test
    void withInternalToolExecutionOffTheCallerRunsTheToolAndItsNextPromptAnswersCodex() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-weather-9", "weather", Json.object().put("city", "Rome")).build(),
                    ModelReply.message("Rainy in Rome."));
            CodexChatOptions options = CodexChatOptions.codexBuilder().toolCallbacks(ToolCallbacks.from(new ChatClientLiveTest.WeatherTools()))
                    .toolContext(ChatMemory.CONVERSATION_ID, "kim").internalToolExecutionEnabled(false).build();
            UserMessage question = new UserMessage("Weather in Rome?");

            ChatResponse call = model.call(new Prompt(List.of(question), options));

            assertThat(call.hasToolCalls()).isTrue();
            AssistantMessage.ToolCall toolCall = call.getResult().getOutput().getToolCalls().get(0);
            assertThat(toolCall.id()).isEqualTo("call-weather-9");
            assertThat(toolCall.name()).isEqualTo("weather");
            assertThat(Json.parse(toolCall.arguments()).path("city").asText()).isEqualTo("Rome");
            assertThat(call.getResult().getMetadata().getFinishReason()).isEqualTo("TOOL_CALLS");
            String thread = CodexMetadata.threadId(call).orElseThrow();

            ToolResponseMessage result = ToolResponseMessage.builder()
                    .responses(List.of(new ToolResponseMessage.ToolResponse("call-weather-9", "weather", "Rain, 14 degrees"))).build();
            ChatResponse answer = model.call(new Prompt(List.of(question, call.getResult().getOutput(), result), options));

            assertThat(answer.getResult().getOutput().getText()).isEqualTo("Rainy in Rome.");
            assertThat(CodexMetadata.threadId(answer)).hasValue(thread);
            assertThat(CodexMetadata.turnId(answer)).isEqualTo(CodexMetadata.turnId(call));     // one codex turn
            assertThat(codex.model.responsesRequests().get(1).functionCallOutput("call-weather-9")).hasValue("Rain, 14 degrees");
        }
    }
}
