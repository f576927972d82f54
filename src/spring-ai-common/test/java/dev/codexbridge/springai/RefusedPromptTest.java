package dev.codexbridge.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.util.MimeTypeUtils;

/**
 * What codex cannot do is refused before any codex starts; what it can is read as a turn. No codex
 * runs here. The options each Spring AI generation builds its own way: its module's {@code CodexChatOptionsTest}.
 */
class RefusedPromptTest {

    /** The option by name; {@code var}, since the builder is generic on 2.0 and not on 1.1. */
    private static ToolCallingChatOptions withOption(String option) {
        var b = ToolCallingChatOptions.builder();
        switch (option) {
            case "temperature" -> b.temperature(0.2);
            case "topP" -> b.topP(0.9);
            case "topK" -> b.topK(40);
            case "frequencyPenalty" -> b.frequencyPenalty(0.5);
            case "presencePenalty" -> b.presencePenalty(0.5);
            case "maxTokens" -> b.maxTokens(100);
            case "stopSequences" -> b.stopSequences(List.of("END"));
            default -> throw new IllegalArgumentException(option);
        }
        return b.build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"temperature", "topP", "topK", "frequencyPenalty", "presencePenalty", "maxTokens", "stopSequences"})
    void aSamplingOptionIsRefusedByName(String option) {
        try (CodexChatModel model = CodexChatModel.builder().build()) {
            Prompt prompt = new Prompt("hello", withOption(option));

            assertThatThrownBy(() -> model.call(prompt)).isInstanceOf(CodexPromptException.class)
                    .hasMessageStartingWith(option + " is not supported by codex");
            assertThatThrownBy(() -> model.stream(prompt).blockLast()).isInstanceOf(CodexPromptException.class);
            assertThat(model.session(CodexChatModel.DEFAULT_KEY)).isEmpty();      // nothing was opened
        }
    }

    @Test
    void aRemoteImageOrANonImageIsRefused() {
        UserMessage remote = UserMessage.builder().text("look")
                .media(Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data("https://example.invalid/a.png").build()).build();
        assertThatThrownBy(() -> Prompts.read(new Prompt(remote))).isInstanceOf(CodexPromptException.class)
                .hasMessageContaining("https:");
        UserMessage pdf = UserMessage.builder().text("read")
                .media(Media.builder().mimeType(MimeTypeUtils.parseMimeType("application/pdf")).data(new byte[] {1}).build()).build();
        assertThatThrownBy(() -> Prompts.read(new Prompt(pdf))).isInstanceOf(CodexPromptException.class)
                .hasMessageContaining("application/pdf");
    }

    @Test
    void onlyWhatFollowsCodexsLastAnswerIsNewAndTheSystemMessageIsTheInstructions() {
        Prompts.Reading r = Prompts.read(new Prompt(List.of(new SystemMessage("Be brief."), new UserMessage("one"),
                new AssistantMessage("first answer"), new UserMessage("two"))));
        assertThat(r.instructions()).isEqualTo("Be brief.");
        assertThat(r.newUserMessages()).extracting(UserMessage::getText).containsExactly("two");
        assertThat(r.earlier()).isEqualTo("user: one\nassistant: first answer");
    }

    @Test
    void theConversationAdvisorPutsTheConversationIdWhereTheModelReadsIt() {
        Prompt prompt = new Prompt("hi", ToolCallingChatOptions.builder().build());
        assertThat(CodexChatModel.conversationId(prompt)).isEqualTo(CodexChatModel.DEFAULT_KEY);
        ChatClientRequest request = ChatClientRequest.builder().prompt(prompt).context(Map.of(ChatMemory.CONVERSATION_ID, "alice"))
                .build();

        ChatClientRequest advised = CodexConversationAdvisor.withConversationId(request);

        assertThat(CodexChatModel.conversationId(advised.prompt())).isEqualTo("alice");
    }
}
