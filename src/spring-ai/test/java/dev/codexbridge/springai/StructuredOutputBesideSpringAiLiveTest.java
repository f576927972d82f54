package dev.codexbridge.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.testkit.ModelReply;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.client.advisor.StructuredOutputValidationAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;

/**
 * A Spring AI 2.0 application with structured output, on the class path such an application has:
 * spring-ai-client-chat brings networknt's json-schema-validator 3, which its
 * StructuredOutputValidationAdvisor checks answers with, and the adapter's own check of codex's
 * structured output runs beside it. The library once checked on json-schema-validator 1.5 and
 * failed here with NoClassDefFoundError (issue 62, decision 0066).
 */
class StructuredOutputBesideSpringAiLiveTest {
    @TempDir
    Path tmp;

    record Forecast(String city, int degrees) {
    }

    @Test
    void springAisOwnSchemaCheckAndCodexBridgesRunOnOneClassPath() throws Exception {
        // this module resolves what a Spring AI 2.0 application resolves: nothing in the build pins the validator
        assertThat(ApplicationClassPath.jsonSchemaValidatorVersion()).as("the json-schema-validator spring-ai-client-chat brings").startsWith("3.");
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel model = codex.chatModel().build()) {
            codex.model.enqueue(ModelReply.message("{\"city\":\"Oslo\",\"degrees\":7}"),
                    ModelReply.message("{\"city\":\"Oslo\",\"degrees\":\"mild\"}"));
            ChatClient chat = ChatClient.builder(model)
                    .defaultAdvisors(MessageChatMemoryAdvisor.builder(MessageWindowChatMemory.builder().build()).build(),
                            CodexConversationAdvisor.create())
                    .build();

            Forecast forecast = chat.prompt().user("The forecast for Oslo")
                    .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                    .advisors(StructuredOutputValidationAdvisor.builder().outputType(Forecast.class).maxRepeatAttempts(0).build())
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "olga")).call().entity(Forecast.class);

            assertThat(forecast).isEqualTo(new Forecast("Oslo", 7));
            assertThat(codex.model.responsesRequests()).hasSize(1);

            // an answer outside the schema: codex-bridge's check refuses it, and says where
            assertThatThrownBy(() -> chat.prompt().user("And tomorrow?").advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "olga")).call().entity(Forecast.class))
                    .isInstanceOfSatisfying(CodexTurnException.class, e -> {
                        assertThat(e.result().error().category()).isEqualTo(ErrorCategory.STRUCTURED_OUTPUT);
                        assertThat(e.result().error().message()).startsWith("structured output failed validation").contains("/degrees");
                    });
        }
    }
}
