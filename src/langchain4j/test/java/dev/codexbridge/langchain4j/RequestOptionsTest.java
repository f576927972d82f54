package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.ThreadStore;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.AudioContent;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What codex cannot honour is refused before any codex runs: these tests start none. */
class RequestOptionsTest {
    @TempDir
    Path tmp;

    private final CodexChatModel chatModel = CodexChatModel.builder().build();

    private static ChatRequest.Builder hello() {
        return ChatRequest.builder().messages(UserMessage.from("hello"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"temperature", "topP", "topK", "frequencyPenalty", "presencePenalty", "maxOutputTokens", "stopSequences"})
    void samplingAndDecodingOptionsAreRefused(String option) {
        UnaryOperator<ChatRequest.Builder> set = switch (option) {
            case "temperature" -> b -> b.temperature(0.2);
            case "topP" -> b -> b.topP(0.9);
            case "topK" -> b -> b.topK(5);
            case "frequencyPenalty" -> b -> b.frequencyPenalty(0.5);
            case "presencePenalty" -> b -> b.presencePenalty(0.5);
            case "maxOutputTokens" -> b -> b.maxOutputTokens(100);
            default -> b -> b.stopSequences(java.util.List.of("END"));
        };
        assertThatThrownBy(() -> chatModel.chat(set.apply(hello()).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageStartingWith(option + " is not supported by codex");
    }

    @Test
    void aToolChoiceOtherThanAutoIsRefused() {
        assertThatThrownBy(() -> chatModel.chat(hello().toolChoice(ToolChoice.REQUIRED).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("toolChoice REQUIRED");
    }

    @Test
    void jsonWithoutASchemaIsRefused() {
        assertThatThrownBy(() -> chatModel.chat(hello().responseFormat(ResponseFormat.JSON).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("without a schema");
    }

    @Test
    void aJsonSchemaBecomesTheTurnsOutputSchema() {
        JsonSchema schema = JsonSchema.builder().name("answer")
                .rootElement(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
        ChatRequests.Reading r = ChatRequests.read(hello().responseFormat(ResponseFormat.builder()
                .type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON).jsonSchema(schema).build()).build());
        assertThat(r.options().outputSchema().path("properties").path("city").path("type").asText()).isEqualTo("string");
    }

    @Test
    void audioAndRemoteImagesAreRefused() {
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder()
                .messages(UserMessage.from(AudioContent.from("AAAA", "audio/wav"))).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("AUDIO");
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder()
                .messages(UserMessage.from(ImageContent.from(URI.create("https://example.com/cat.png")))).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("remote URL");
    }

    @Test
    void aRequestWithNothingNewIsRefused() {
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("hi"), AiMessage.from("hello")).build()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("nothing new");
    }

    @Test
    void streamingHandsARefusalToOnError() throws Exception {
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        chatModel.chat(hello().temperature(1.0).build(), new StreamingChatResponseHandler() {
            @Override
            public void onCompleteResponse(ChatResponse response) {
                error.complete(null);
            }

            @Override
            public void onError(Throwable e) {
                error.complete(e);
            }
        });
        assertThat(error.get(60, TimeUnit.SECONDS)).isInstanceOf(UnsupportedFeatureException.class);
    }

    @Test
    void onlyWhatFollowsCodexsLastAnswerIsNew() {
        ChatRequests.Reading r = ChatRequests.read(ChatRequest.builder().messages(UserMessage.from("one"), AiMessage.from("two"),
                UserMessage.from("three")).build());
        assertThat(r.newUserMessages()).extracting(UserMessage::singleText).containsExactly("three");
        assertThat(r.earlier()).isEqualTo("user: one\nassistant: two");
    }

    @Test
    void theMemoryIdSurvivesTheModelsDefaultParameters() {
        ChatRequest withId = CodexChatRequestParameters.withMemoryId(hello().build(), "alice");
        ChatRequestParameters merged = chatModel.defaultRequestParameters().overrideWith(withId.parameters());
        assertThat(merged).isInstanceOf(CodexChatRequestParameters.class);
        assertThat(((CodexChatRequestParameters) merged).memoryId()).isEqualTo("alice");
    }

    @Test
    void theFileStoreKeepsThreadsAcrossInstances() {
        Path file = tmp.resolve("store/threads.properties");
        ThreadStore.file(file).put("alice", "thr-1");
        assertThat(ThreadStore.file(file).threadId("alice")).hasValue("thr-1");
        ThreadStore.file(file).remove("alice");
        assertThat(ThreadStore.file(file).threadId("alice")).isEmpty();
    }

    @Test
    void aToolResultTimeoutAboveTheLibrarysDeadlineIsRefused() {
        assertThatThrownBy(() -> CodexChatModel.builder().toolResultTimeout(java.time.Duration.ofMinutes(10)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
