package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.testkit.ModelReply;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chat model on the real codex and a scripted model: approvals, a restart, streaming, instructions. */
class ChatModelLiveTest {
    @TempDir
    Path tmp;

    interface Assistant {
        String chat(@MemoryId String user, @dev.langchain4j.service.UserMessage String message);
    }

    /** A policy whose handler declines everything it is asked, and notes each request in {@code asked}. */
    private static ApprovalPolicy declining(List<ApprovalRequest> asked) {
        return ApprovalPolicy.builder().handler(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(ApprovalDecision.deny("not in this application"));
        }).build();
    }

    @Test
    void aCommandTheApplicationsPolicyDeclinesNeverRuns() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> h.askForApproval("on-request"))) {
            Path marker = codex.work.resolve("marker.txt");
            codex.model.enqueue(
                    ModelReply.builder().execCommandEscalated("call-touch", "touch " + marker, "to leave a marker").build(),
                    ModelReply.message("I was not allowed to run it."));
            List<ApprovalRequest> asked = new CopyOnWriteArrayList<>();
            ApprovalPolicy declineAll = declining(asked);
            try (CodexChatModel chatModel = codex.chatModel().approvals(declineAll).build()) {
                ChatResponse response = chatModel.chat(ChatRequest.builder().messages(UserMessage.from("Leave a marker file.")).build());

                assertThat(response.aiMessage().text()).isEqualTo("I was not allowed to run it.");
                assertThat(asked).singleElement().satisfies(r -> assertThat(r.toString()).contains("touch"));
                assertThat(marker).doesNotExist();
                CodexChatResponseMetadata meta = (CodexChatResponseMetadata) response.metadata();
                assertThat(meta.work()).anySatisfy(m -> assertThat(m.toJson()).contains("touch"));  // codex's own work, as transcript
                assertThat(response.aiMessage().thinking()).contains("touch");
            }
        }
    }

    /**
     * A codex home whose config.toml says {@code approval_policy = "never"} and lets commands write
     * the workspace: a plain command, not asking to leave the sandbox, still goes to the
     * application's policy, which declines it, and it does not run.
     */
    @Test
    void aCodexHomeThatNeverAsksStillLeavesTheCommandToThePolicy() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> h.askForApproval("never").sandboxMode("workspace-write"))) {
            Path marker = codex.work.resolve("marker.txt");
            codex.model.enqueue(
                    ModelReply.builder().execCommand("call-touch", "touch " + marker).build(),
                    ModelReply.message("I was not allowed to run it."));
            List<ApprovalRequest> asked = new CopyOnWriteArrayList<>();
            ApprovalPolicy declineAll = declining(asked);
            try (CodexChatModel chatModel = codex.chatModel().approvals(declineAll).build()) {
                chatModel.chat(ChatRequest.builder().messages(UserMessage.from("Leave a marker file.")).build());

                assertThat(asked).as("the application's policy was asked").singleElement()
                        .satisfies(r -> assertThat(r.toString()).contains("touch"));
                assertThat(marker).doesNotExist();
            }
        }
    }

    @Test
    void aNewModelOnTheSameThreadStoreResumesTheConversationsThread() throws Exception {
        Path store = tmp.resolve("threads.properties");
        try (LiveCodex codex = new LiveCodex(tmp, h -> { })) {
            codex.model.enqueue(ModelReply.message("Hello Bob."), ModelReply.message("Welcome back, Bob."));
            String thread;
            try (CodexChatModel first = codex.chatModel().threadStore(ThreadStore.file(store)).build()) {
                assertThat(assistant(first).chat("bob", "Hi, I am Bob.")).isEqualTo("Hello Bob.");
                thread = first.threadId("bob").orElseThrow();
            }
            assertThat(Files.readString(store)).contains("bob=" + thread);

            try (CodexChatModel second = codex.chatModel().threadStore(ThreadStore.file(store)).build()) {
                // a new application: a new, empty chat memory too
                assertThat(assistant(second).chat("bob", "I am back.")).isEqualTo("Welcome back, Bob.");
                assertThat(second.threadId("bob")).hasValue(thread);
                assertThat(second.session("bob").orElseThrow().threadId()).isEqualTo(thread);
            }
            // codex resumed the thread: the model sees the first turn's words, which the new memory never held
            assertThat(codex.model.responsesRequests().get(1).userTexts()).contains("Hi, I am Bob.");
            assertThat(codex.model.responsesRequests().get(1).lastUserText()).hasValue("I am back.");
        }
    }

    private static Assistant assistant(CodexChatModel chatModel) {
        return AiServices.builder(Assistant.class).chatModel(chatModel)
                .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10))
                .chatRequestTransformer(CodexChatRequestParameters.memoryIdTransformer()).build();
    }

    @Test
    void streamingDeliversTheAnswersTokensAndTheCompleteResponse() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().build()) {
            codex.model.enqueue(ModelReply.builder().streamedMessage(List.of("Once ", "upon ", "a time.")).build());
            List<String> tokens = new CopyOnWriteArrayList<>();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            chatModel.chat(ChatRequest.builder().messages(UserMessage.from("Tell a story.")).build(), new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String partial) {
                    tokens.add(partial);
                }

                @Override
                public void onPartialThinking(PartialThinking thinking) {
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
            ChatResponse response = done.get(60, TimeUnit.SECONDS);

            assertThat(tokens).hasSizeGreaterThan(1);
            assertThat(String.join("", tokens)).isEqualTo("Once upon a time.");
            assertThat(response.aiMessage().text()).isEqualTo("Once upon a time.");
            assertThat(((CodexChatResponseMetadata) response.metadata()).threadId()).isNotBlank();
        }
    }

    record City(String name, int population) {
    }

    interface Geographer {
        City city(@dev.langchain4j.service.UserMessage String question);
    }

    @Test
    void aStructuredAnswerGoesThroughCodexsOutputSchema() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().build()) {
            codex.model.enqueue(ModelReply.message("{\"name\":\"Paris\",\"population\":2100000}"));
            Geographer geographer = AiServices.builder(Geographer.class).chatModel(chatModel).build();

            assertThat(geographer.city("The capital of France?")).isEqualTo(new City("Paris", 2100000));
            // codex handed the model the schema LangChain4j made of the record
            assertThat(codex.model.responsesRequests().get(0).body().path("text").path("format").toString())
                    .contains("json_schema").contains("population");
        }
    }

    @Test
    void theSystemMessageIsTheThreadsInstructionsAndMayNotChange() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexChatModel chatModel = codex.chatModel().build()) {
            codex.model.enqueue(ModelReply.message("Ahoy."));
            ChatResponse first = chatModel.chat(ChatRequest.builder()
                    .messages(SystemMessage.from("Talk like a pirate."), UserMessage.from("Hello")).build());
            assertThat(first.aiMessage().text()).isEqualTo("Ahoy.");
            assertThat(codex.model.responsesRequests().get(0).bodyJson()).contains("Talk like a pirate.");

            assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(SystemMessage.from("Talk like a lawyer."),
                    UserMessage.from("Hello"), first.aiMessage(), UserMessage.from("Again")).build()))
                    .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("system message");
        }
    }
}
