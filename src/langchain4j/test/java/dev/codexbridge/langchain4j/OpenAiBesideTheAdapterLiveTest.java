package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ModelReply;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiResponsesStreamingChatModel;
import dev.langchain4j.service.AiServices;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LangChain4j application with langchain4j-open-ai beside the adapter, structured output on
 * both: OpenAI's Responses model (here against the test kit's scripted model server, which speaks
 * the Responses API) and codex through an AiServices interface that returns a record, in one JVM.
 */
class OpenAiBesideTheAdapterLiveTest {
    @TempDir
    Path tmp;

    record Forecast(String city, int degrees) {
    }

    interface Forecaster {
        Forecast forecast(@dev.langchain4j.service.UserMessage String question);
    }

    @Test
    void structuredOutputRunsOnOpenAisModelAndOnCodexInOneApplication() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel onCodex = codex.chatModel().build()) {
            StreamingChatModel onOpenAi = OpenAiResponsesStreamingChatModel.builder().baseUrl(codex.model.baseUrl().toString())
                    .apiKey("test").modelName("gpt-test").build();
            codex.model.enqueue(ModelReply.message("{\"city\":\"Oslo\",\"degrees\":7}"));

            String fromOpenAi = streamedText(onOpenAi, ChatRequest.builder().messages(UserMessage.from("The forecast for Oslo"))
                    .responseFormat(forecastFormat()).build());

            assertThat(Json.mapper().readValue(fromOpenAi, Forecast.class)).isEqualTo(new Forecast("Oslo", 7));
            assertThat(codex.model.responsesRequests().get(0).body().path("text").path("format").path("type").asText())
                    .isEqualTo("json_schema");

            codex.model.enqueue(ModelReply.message("{\"city\":\"Bergen\",\"degrees\":11}"),
                    ModelReply.message("{\"city\":\"Bergen\",\"degrees\":\"mild\"}"));
            Forecaster forecaster = AiServices.builder(Forecaster.class).chatModel(onCodex).build();

            assertThat(onCodex.supportedCapabilities()).contains(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
            assertThat(forecaster.forecast("The forecast for Bergen")).isEqualTo(new Forecast("Bergen", 11));
            // the record's schema went to codex as its structured output, and codex-bridge checks the answer against it
            assertThat(codex.model.responsesRequests().get(1).body().path("text").path("format").path("schema")
                    .path("properties").has("degrees")).isTrue();
            assertThatThrownBy(() -> forecaster.forecast("And tomorrow?")).isInstanceOf(LangChain4jException.class)
                    .hasMessageContaining("structured output failed validation").hasMessageContaining("degrees");
        }
    }

    private static ResponseFormat forecastFormat() {
        JsonObjectSchema forecast = JsonObjectSchema.builder().addStringProperty("city").addIntegerProperty("degrees")
                .required("city", "degrees").additionalProperties(false).build();
        return ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("Forecast").rootElement(forecast).build()).build();
    }

    /** The answer's text as streamed (the scripted server's events carry the text as deltas). */
    private static String streamedText(StreamingChatModel model, ChatRequest request) throws Exception {
        StringBuffer text = new StringBuffer();
        CompletableFuture<String> done = new CompletableFuture<>();
        model.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partialResponse) {
                text.append(partialResponse);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(text.toString());
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        return done.get(60, TimeUnit.SECONDS);
    }
}
