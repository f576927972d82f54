package dev.codexbridge.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/** The model's options on Spring AI 1.1: the default ones, what a copy keeps, tools by name refused. No codex runs here. */
class CodexChatOptionsTest {

    @Test
    void theModelOptionIsTakenAndTheDefaultOptionsCarryTools() {
        Prompts.Reading r = Prompts.read(new Prompt("hello", ToolCallingChatOptions.builder().model("gpt-x").build()));
        assertThat(r.options().model()).isEqualTo("gpt-x");
        try (CodexChatModel model = CodexChatModel.builder().modelName("gpt-y").build()) {
            assertThat(model.getDefaultOptions()).isInstanceOf(ToolCallingChatOptions.class);
            assertThat(model.getDefaultOptions().getModel()).isEqualTo("gpt-y");
        }
    }

    @Test
    void theOptionsKeepTheirSchemaToolContextAndModelWhenCopied() {
        CodexChatOptions options = CodexChatOptions.codexBuilder().model("m").toolContext("k", "v").outputSchema("{\"type\":\"object\"}")
                .build();
        CodexChatOptions copy = options.copy();
        assertThat(copy).isEqualTo(options).isNotSameAs(options);
        assertThat(copy.getOutputSchema()).isEqualTo("{\"type\":\"object\"}");
        assertThat(copy.getToolContext()).containsEntry("k", "v");
        assertThat(Prompts.read(new Prompt("hi", options)).options().outputSchemaJson()).contains("object");
    }

    @Test
    void toolsByNameAreRefused() {
        try (CodexChatModel model = CodexChatModel.builder().build()) {
            CodexChatOptions options = CodexChatOptions.codexBuilder().build();
            options.setToolNames(java.util.Set.of("weather"));
            assertThatThrownBy(() -> model.call(new Prompt("hi", options))).isInstanceOf(CodexPromptException.class)
                    .hasMessageContaining("tools by name");
        }
    }
}
