package dev.codexbridge.session;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The session's thread was replaced by a fresh one: codex had no record of the thread when the
 * session reopened it (codex stopped before it wrote the thread down), so the session started a
 * new thread with the same {@link ThreadOptions}. Whatever codex never stored is gone from its
 * side; the host still has it and may send it again.
 *
 * @param previousThreadId the thread codex has no record of
 * @param threadId         the fresh thread the session runs on from now on
 * @param unstoredTurnId   codex's id of the turn that was running when the connection was lost,
 *                         or null (none ran, or codex had not answered its start yet)
 * @param unstoredInput    that turn's input, which codex never stored; null when no turn was lost
 *                         or the lost turn was a review
 * @param reason           what codex answered, in a sentence a person can read
 */
@JsonPropertyOrder({"previousThreadId", "threadId", "unstoredTurnId", "unstoredInput", "reason"})
public record ThreadReplacement(String previousThreadId, String threadId, @Nullable String unstoredTurnId,
                                @JsonIgnore @Nullable TurnInput unstoredInput, String reason) {
    public ThreadReplacement {
        Objects.requireNonNull(previousThreadId, "previousThreadId");
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(reason, "reason");
    }

    /** The unstored input as {@code turn/start} sent it, for the JSON form of a result. */
    @JsonProperty("unstoredInput")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    ArrayNode unstoredInputJson() {
        return unstoredInput == null ? null : unstoredInput.toJson();
    }
}
