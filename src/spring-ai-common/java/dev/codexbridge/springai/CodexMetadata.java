package dev.codexbridge.springai;

import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;

/**
 * What codex adds to a {@link ChatResponse}'s metadata: the thread and turn it ran on, how the turn
 * ended (absent while it waits for the application's tool results), and codex's own work in this
 * exchange (commands, file changes, MCP calls and their output, as transcript messages in the chat
 * shape; the application's own tools are left out, Spring AI has those as tool calls). The
 * assistant message carries the same work as text lines under {@link #WORK_TEXT}, so it stays in
 * a chat memory that keeps messages' metadata.
 */
public final class CodexMetadata {
    public static final String THREAD_ID = "codex.threadId";
    public static final String TURN_ID = "codex.turnId";
    /** A {@link TurnOutcome}. */
    public static final String OUTCOME = "codex.outcome";
    /** A {@code List<TranscriptMessage>}. */
    public static final String WORK = "codex.work";
    /** On the assistant message: codex's work as text, one line per command, change or call and per output. */
    public static final String WORK_TEXT = "codex.work";

    private CodexMetadata() {
    }

    static ChatResponseMetadata.Builder of(@Nullable String threadId, @Nullable String turnId, @Nullable TurnOutcome outcome,
                                           List<TranscriptMessage> work, @Nullable String id) {
        ChatResponseMetadata.Builder b = ChatResponseMetadata.builder().keyValue(WORK, List.copyOf(work));
        if (threadId != null) {
            b.keyValue(THREAD_ID, threadId);
        }
        if (turnId != null) {
            b.keyValue(TURN_ID, turnId);
        }
        if (outcome != null) {
            b.keyValue(OUTCOME, outcome);
        }
        if (id != null) {
            b.id(id);
        }
        return b;
    }

    public static Optional<String> threadId(ChatResponse response) {
        return Optional.ofNullable(response.getMetadata().get(THREAD_ID));
    }

    public static Optional<String> turnId(ChatResponse response) {
        return Optional.ofNullable(response.getMetadata().get(TURN_ID));
    }

    public static Optional<TurnOutcome> outcome(ChatResponse response) {
        return Optional.ofNullable(response.getMetadata().get(OUTCOME));
    }

    /** Codex's own work during this exchange, oldest first; empty when there was none or the response is not codex's. */
    public static List<TranscriptMessage> work(ChatResponse response) {
        List<TranscriptMessage> work = response.getMetadata().get(WORK);
        return work == null ? List.of() : work;
    }
}
