package dev.codexbridge.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.Objects;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * LangChain4j's request parameters plus the conversation's memory id, which a {@code ChatModel}
 * otherwise never sees: AiServices keeps it to itself. {@link #memoryIdTransformer()} given to
 * {@code AiServices.builder(...).chatRequestTransformer(...)} puts it on every request, tool
 * rounds included, so each memory id gets a codex thread of its own.
 */
public final class CodexChatRequestParameters extends DefaultChatRequestParameters {
    private final @Nullable Object memoryId;

    private CodexChatRequestParameters(Builder b) {
        super(b);
        this.memoryId = b.memoryId;
    }

    /** The conversation's memory id, or null when the application gave none. */
    public @Nullable Object memoryId() {
        return memoryId;
    }

    @Override
    public ChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code request} with {@code memoryId} on its parameters; everything else as it was. */
    public static ChatRequest withMemoryId(ChatRequest request, @Nullable Object memoryId) {
        Objects.requireNonNull(request, "request");
        return request.toBuilder().parameters(builder().overrideWith(request.parameters()).memoryId(memoryId).build()).build();
    }

    /** For {@code AiServices.Builder.chatRequestTransformer}: {@link #withMemoryId} on each request. */
    public static BiFunction<ChatRequest, Object, ChatRequest> memoryIdTransformer() {
        return CodexChatRequestParameters::withMemoryId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodexChatRequestParameters that && super.equals(o) && Objects.equals(memoryId, that.memoryId);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hashCode(memoryId);
    }

    public static final class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private @Nullable Object memoryId;

        private Builder() {
        }

        /** Copies {@code parameters}; a memory id it carries replaces this one, an absent one keeps it. */
        @Override
        public Builder overrideWith(@Nullable ChatRequestParameters parameters) {
            if (parameters == null) {
                return this;
            }
            super.overrideWith(parameters);
            if (parameters instanceof CodexChatRequestParameters c && c.memoryId != null) {
                memoryId = c.memoryId;
            }
            return this;
        }

        public Builder memoryId(@Nullable Object memoryId) {
            this.memoryId = memoryId;
            return this;
        }

        @Override
        public CodexChatRequestParameters build() {
            return new CodexChatRequestParameters(this);
        }
    }
}
