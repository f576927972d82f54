package dev.codexbridge.springai;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * {@link CodexChatModel}'s options: tool calling (so {@code ChatClient} puts its tools and tool
 * context on them) and structured output (so {@code ChatClient}'s native structured output hands
 * its JSON schema to codex, whose final message then follows it). The sampling options it inherits
 * are refused when set (docs/spring-ai.md, "Options").
 */
public final class CodexChatOptions extends DefaultToolCallingChatOptions implements StructuredOutputChatOptions {
    private final @Nullable String outputSchema;

    private CodexChatOptions(@Nullable List<ToolCallback> toolCallbacks, @Nullable Map<String, Object> toolContext,
                             @Nullable String model, @Nullable Double frequencyPenalty, @Nullable Integer maxTokens,
                             @Nullable Double presencePenalty, @Nullable List<String> stopSequences, @Nullable Double temperature,
                             @Nullable Integer topK, @Nullable Double topP, @Nullable String outputSchema) {
        super(toolCallbacks, toolContext, model, frequencyPenalty, maxTokens, presencePenalty, stopSequences, temperature, topK, topP);
        this.outputSchema = outputSchema;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The JSON Schema codex's final message must follow, as text; null for free text. */
    @Override
    public @Nullable String getOutputSchema() {
        return outputSchema;
    }

    @Override
    public Builder mutate() {
        return builder().model(getModel()).frequencyPenalty(getFrequencyPenalty()).maxTokens(getMaxTokens())
                .presencePenalty(getPresencePenalty()).stopSequences(getStopSequences()).temperature(getTemperature())
                .topK(getTopK()).topP(getTopP()).toolCallbacks(getToolCallbacks()).toolContext(getToolContext())
                .outputSchema(outputSchema);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof CodexChatOptions that && super.equals(o) && Objects.equals(outputSchema, that.outputSchema);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hashCode(outputSchema);
    }

    public static final class Builder extends DefaultToolCallingChatOptions.Builder<Builder>
            implements StructuredOutputChatOptions.Builder<Builder> {
        private @Nullable String outputSchema;

        private Builder() {
        }

        @Override
        public Builder outputSchema(@Nullable String outputSchema) {
            this.outputSchema = outputSchema;
            return this;
        }

        /** {@code other}'s settings over these; its output schema too when it has one. */
        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder that && that.outputSchema != null) {
                this.outputSchema = that.outputSchema;
            }
            return this;
        }

        @Override
        public CodexChatOptions build() {
            // the inherited fields are protected: readable here, in the subclass, not in the outer class
            return new CodexChatOptions(toolCallbacks, toolContext, model, frequencyPenalty, maxTokens, presencePenalty, stopSequences,
                    temperature, topK, topP, outputSchema);
        }
    }
}
