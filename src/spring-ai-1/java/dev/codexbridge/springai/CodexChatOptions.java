package dev.codexbridge.springai;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * {@link CodexChatModel}'s options on Spring AI 1.1: tool calling (so {@code ChatClient} puts its
 * tools and tool context on them) and structured output (so native structured output hands its
 * JSON schema to codex). The sampling options it inherits are refused when set.
 */
public final class CodexChatOptions extends DefaultToolCallingChatOptions implements StructuredOutputChatOptions {
    private @Nullable String outputSchema;

    /** Not {@code builder()}: that name is {@code DefaultToolCallingChatOptions}'s, with another return type. */
    public static Builder codexBuilder() {
        return new Builder();
    }

    /** The JSON Schema codex's final message must follow, as text; null for free text. */
    @Override
    public @Nullable String getOutputSchema() {
        return outputSchema;
    }

    @Override
    public void setOutputSchema(@Nullable String outputSchema) {
        this.outputSchema = outputSchema;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends ChatOptions> T copy() {
        CodexChatOptions c = new CodexChatOptions();
        c.setModel(getModel());
        c.setFrequencyPenalty(getFrequencyPenalty());
        c.setMaxTokens(getMaxTokens());
        c.setPresencePenalty(getPresencePenalty());
        c.setStopSequences(getStopSequences() == null ? null : new ArrayList<>(getStopSequences()));
        c.setTemperature(getTemperature());
        c.setTopK(getTopK());
        c.setTopP(getTopP());
        c.setToolCallbacks(new ArrayList<>(getToolCallbacks()));
        c.setToolNames(new java.util.HashSet<>(getToolNames()));
        c.setToolContext(new HashMap<>(getToolContext()));
        c.setInternalToolExecutionEnabled(getInternalToolExecutionEnabled());
        c.setOutputSchema(outputSchema);
        return (T) c;
    }

    /** By value (1.1's DefaultToolCallingChatOptions compares by identity). */
    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof CodexChatOptions that && Objects.equals(values(), that.values());
    }

    @Override
    public int hashCode() {
        return values().hashCode();
    }

    private List<Object> values() {
        return java.util.Arrays.asList(getModel(), getFrequencyPenalty(), getMaxTokens(), getPresencePenalty(), getStopSequences(),
                getTemperature(), getTopK(), getTopP(), getToolCallbacks(), getToolNames(), getToolContext(),
                getInternalToolExecutionEnabled(), outputSchema);
    }

    public static final class Builder {
        private final CodexChatOptions options = new CodexChatOptions();

        private Builder() {
        }

        public Builder model(@Nullable String model) {
            options.setModel(model);
            return this;
        }

        public Builder toolCallbacks(List<ToolCallback> callbacks) {
            options.setToolCallbacks(new ArrayList<>(callbacks));
            return this;
        }

        public Builder toolCallbacks(ToolCallback... callbacks) {
            return toolCallbacks(List.of(callbacks));
        }

        public Builder toolContext(String key, Object value) {
            Map<String, Object> context = new HashMap<>(options.getToolContext());
            context.put(key, value);
            options.setToolContext(context);
            return this;
        }

        public Builder internalToolExecutionEnabled(@Nullable Boolean enabled) {
            options.setInternalToolExecutionEnabled(enabled);
            return this;
        }

        public Builder outputSchema(@Nullable String schema) {
            options.setOutputSchema(schema);
            return this;
        }

        public CodexChatOptions build() {
            return options.copy();
        }
    }
}
