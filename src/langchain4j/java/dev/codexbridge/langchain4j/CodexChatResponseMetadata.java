package dev.codexbridge.langchain4j;

import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.transcript.TranscriptMessage;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What codex adds to a response: the thread and turn it ran on, how the turn ended (null while it
 * waits for the application's tool results) and codex's own work in this exchange as transcript
 * messages in the chat shape (commands, file changes, MCP calls and their output; the
 * application's own tools are left out, the framework has them already).
 */
public final class CodexChatResponseMetadata extends ChatResponseMetadata {
    private final @Nullable String threadId;
    private final @Nullable String turnId;
    private final @Nullable TurnOutcome outcome;
    private final List<TranscriptMessage> work;

    private CodexChatResponseMetadata(Builder b) {
        super(b);
        this.threadId = b.threadId;
        this.turnId = b.turnId;
        this.outcome = b.outcome;
        this.work = List.copyOf(b.work);
    }

    public @Nullable String threadId() {
        return threadId;
    }

    public @Nullable String turnId() {
        return turnId;
    }

    /** How the codex turn ended; null when the response hands tool calls to the application and the turn goes on. */
    public @Nullable TurnOutcome outcome() {
        return outcome;
    }

    /** Codex's own work during this exchange, oldest first. */
    public List<TranscriptMessage> work() {
        return work;
    }

    @Override
    public Builder toBuilder() {
        Builder b = new Builder().threadId(threadId).turnId(turnId).outcome(outcome).work(work);
        return (Builder) toBuilder(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodexChatResponseMetadata that && super.equals(o) && Objects.equals(threadId, that.threadId)
                && Objects.equals(turnId, that.turnId) && outcome == that.outcome && work.equals(that.work);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), threadId, turnId, outcome, work);
    }

    @Override
    public String toString() {
        return "CodexChatResponseMetadata{threadId=" + threadId + ", turnId=" + turnId + ", outcome=" + outcome
                + ", work=" + work.size() + " messages, " + super.toString() + "}";
    }

    public static final class Builder extends ChatResponseMetadata.Builder<Builder> {
        private String threadId;
        private String turnId;
        private TurnOutcome outcome;
        private List<TranscriptMessage> work = List.of();

        public Builder threadId(@Nullable String threadId) {
            this.threadId = threadId;
            return this;
        }

        public Builder turnId(@Nullable String turnId) {
            this.turnId = turnId;
            return this;
        }

        public Builder outcome(@Nullable TurnOutcome outcome) {
            this.outcome = outcome;
            return this;
        }

        public Builder work(List<TranscriptMessage> work) {
            this.work = List.copyOf(work);
            return this;
        }

        @Override
        public CodexChatResponseMetadata build() {
            return new CodexChatResponseMetadata(this);
        }
    }
}
