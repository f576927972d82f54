package dev.codexbridge.springai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/** The model's options on Spring AI 2.0: the default ones, and what mutate and combine keep. No codex runs here. */
class CodexChatOptionsTest {

    @Test
    void theModelOptionIsTakenAndTheDefaultOptionsCarryTools() {
        Prompts.Reading r = Prompts.read(new Prompt("hello", ToolCallingChatOptions.builder().model("gpt-x").build()));
        assertThat(r.options().model()).isEqualTo("gpt-x");
        try (CodexChatModel model = CodexChatModel.builder().modelName("gpt-y").build()) {
            assertThat(model.getOptions()).isInstanceOf(ToolCallingChatOptions.class);
            assertThat(model.getOptions().getModel()).isEqualTo("gpt-y");
        }
    }

    @Test
    void theOptionsKeepTheirSchemaToolContextAndModelThroughMutateAndCombine() {
        CodexChatOptions options = CodexChatOptions.builder().model("m").toolContext("k", "v").outputSchema("{\"type\":\"object\"}")
                .build();
        assertThat(options.mutate().build()).isEqualTo(options);
        CodexChatOptions combined = CodexChatOptions.builder().model("other").combineWith(options.mutate()).build();
        assertThat(combined.getModel()).isEqualTo("m");
        assertThat(combined.getOutputSchema()).isEqualTo("{\"type\":\"object\"}");
        assertThat(combined.getToolContext()).containsEntry("k", "v");
        assertThat(Prompts.read(new Prompt("hi", options)).options().outputSchemaJson()).contains("object");
    }
}
